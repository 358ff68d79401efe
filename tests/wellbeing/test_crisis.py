"""The offline crisis directory: schema of every entry, lookup, open-now and formatting."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import phonenumbers
import pytest

from peertui.wellbeing import crisis
from peertui.wellbeing.crisis import (
    DirectoryError,
    country_from_locale,
    format_country,
    load_directory,
    parse_directory,
    parse_partial_date,
)

RESEARCH_HIGH_CONFIDENCE = set(
    [
        "US",
        "CA",
        "MX",
        "BR",
        "AR",
        "GB",
        "IE",
        "FR",
        "DE",
        "AT",
        "CH",
        "NL",
        "BE",
        "ES",
        "PT",
        "SE",
        "NO",
        "FI",
        "PL",
        "CZ",
        "GR",
        "IL",
        "IN",
        "CN",
        "HK",
        "TW",
        "JP",
        "KR",
        "SG",
        "MY",
        "PH",
        "ID",
        "TH",
        "AU",
        "NZ",
    ]
)
DIALABLE = re.compile(r"^[+*]?\d[\d \-]*\d$|^\d$")
COMPILED = date(2026, 11, 25)


def all_contacts(country):
    yield from country.emergency
    for service in country.services:
        yield from service.phones
        yield from service.sms
        yield from service.whatsapp


def test_directory_covers_the_research_countries():
    directory = load_directory()
    codes = {c.iso2 for c in directory.countries()}
    assert len(codes) >= 35
    assert codes >= RESEARCH_HIGH_CONFIDENCE


@pytest.mark.parametrize("country", load_directory().countries(), ids=lambda c: c.iso2)
def test_every_entry_is_well_formed(country):
    assert country.iso2 in phonenumbers.SUPPORTED_REGIONS, "unknown country code"
    assert country.emergency, "the emergency number must come first, so it must exist"
    assert country.emergency_source
    assert parse_partial_date(country.emergency_verified) <= COMPILED
    assert country.services
    for contact in all_contacts(country):
        assert DIALABLE.match(contact.number), contact.number
        assert 2 <= len(re.sub(r"\D", "", contact.number)) <= 15
    for service in country.services:
        assert service.source.startswith(("http://", "https://")), service.name
        verified = parse_partial_date(service.verified)
        assert date(2015, 1, 1) <= verified <= COMPILED, service.name
        assert service.confidence in ("high", "medium")
        for url in (service.chat_url, service.website):
            assert not url or url.startswith(("http://", "https://"))
        if service.hours is not None and not service.hours.always:
            ZoneInfo(service.hours.tz)  # raises for a zone that does not exist
            assert service.hours.slots
            for slot in service.hours.slots:
                assert slot.days and slot.days <= set(range(7))


def test_general_knowledge_emergency_numbers_are_marked():
    directory = load_directory()
    marked = {c.iso2 for c in directory.countries() if c.emergency_general_knowledge}
    assert {"TH", "TW"} <= marked
    assert any("general knowledge" in line for line in format_country(directory.get("TH"), "TH"))


def test_low_confidence_and_conflicting_numbers_stay_out():
    directory = load_directory()
    numbers = {c.number for country in directory.countries() for c in all_contacts(country)}
    # KIRAN (status unknown), Finland's English line (two numbers in sources), Japan's unified
    # dial (printed two ways) and Befrienders KL (conflicting numbers) must not ship.
    for unconfirmed in (
        "1800-599-0019",
        "09 2525 0116",
        "09 2525 0113",
        "0570-064-556",
        "0570-046-556",
        "03-7627 2929",
    ):
        assert unconfirmed not in numbers
    for partial in ("DK", "TR", "ZA", "NG", "KE", "EG", "BD"):
        assert directory.get(partial) is None


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"iso2": "gb"}, "two capital letters"),
        (
            {
                "iso2": "GB",
                "name": "UK",
                "emergency": [{"number": "call 999"}],
                "emergency_source": "x",
                "emergency_verified": "2020",
            },
            "not a dialable number",
        ),
        (
            {
                "iso2": "GB",
                "name": "UK",
                "emergency": [{"number": "999"}],
                "emergency_source": "x",
                "emergency_verified": "last year",
            },
            "verified date",
        ),
        (
            {
                "iso2": "GB",
                "name": "UK",
                "emergency": [{"number": "999"}],
                "emergency_source": "x",
                "emergency_verified": "2020",
                "service": [
                    {
                        "name": "S",
                        "source": "https://s",
                        "verified": "2020",
                        "phone": [{"number": "1"}],
                        "hours": {"tz": "Mars/Base"},
                    }
                ],
            },
            "at least one slot",
        ),
        (
            {
                "iso2": "GB",
                "name": "UK",
                "emergency": [{"number": "999"}],
                "emergency_source": "x",
                "emergency_verified": "2020",
                "service": [
                    {
                        "name": "S",
                        "source": "https://s",
                        "verified": "2020",
                        "phone": [{"number": "1"}],
                        "confidence": "low",
                    }
                ],
            },
            "high- or medium-confidence",
        ),
    ],
)
def test_malformed_entries_are_refused_with_words(raw, problem):
    with pytest.raises(DirectoryError, match=problem):
        parse_directory({"country": [raw]})


def test_gb_lists_samaritans_116_123():
    lines = format_country(load_directory().get("GB"), "GB")
    text = "\n".join(lines)
    assert "116 123" in text and "Samaritans" in text
    assert lines[1].startswith("Emergency: 999"), "the emergency number comes first"
    assert "verified 2024-11-04, source https://giveusashout.org/about-us/faq" in text


def test_us_lists_988_and_no_press_3():
    text = "\n".join(format_country(load_directory().get("US"), "US"))
    assert "call 988" in text
    assert "press 3" not in text.replace("'press 3' option for LGBTQ+ youth ended", "")


def test_lines_are_plain():
    for country in load_directory().countries():
        for line in format_country(country, country.iso2):
            assert "\n" not in line and "\x1b" not in line
            assert not set(line) & set("─│┌┐└┘━┃╭╮╰╯")


def test_unknown_country_gives_fallback_directories():
    lines = format_country(None, "zz")
    text = "\n".join(lines)
    assert "(ZZ) is not in" in text
    assert "local emergency number" in text
    for site in ("findahelpline.com", "iasp.info", "befrienders.org"):
        assert site in text
    assert "No country is set" in format_country(None, "")[0]


def test_open_now_follows_each_service_clock():
    us = load_directory().get("US")
    trans = next(s for s in us.services if s.name == "Trans Lifeline")
    pacific = ZoneInfo("America/Los_Angeles")
    assert trans.open_now(datetime(2026, 3, 4, 11, 0, tzinfo=pacific)) is True  # Wednesday
    assert trans.open_now(datetime(2026, 3, 4, 18, 0, tzinfo=pacific)) is False
    assert trans.open_now(datetime(2026, 3, 7, 11, 0, tzinfo=pacific)) is False  # Saturday
    # 19:30 UTC on a Wednesday is 11:30 in Los Angeles (PST, UTC-8).
    assert trans.open_now(datetime(2026, 3, 4, 19, 30, tzinfo=UTC)) is True
    assert "closed now" in "\n".join(
        format_country(us, "US", datetime(2026, 3, 7, 11, 0, tzinfo=pacific))
    )


def test_slots_past_midnight_and_unknown_hours():
    pt = load_directory().get("PT")
    voz = next(s for s in pt.services if s.name == "SOS Voz Amiga")  # daily 15:30-00:30
    lisbon = ZoneInfo("Europe/Lisbon")
    assert voz.open_now(datetime(2026, 6, 1, 0, 15, tzinfo=lisbon)) is True
    assert voz.open_now(datetime(2026, 6, 1, 0, 45, tzinfo=lisbon)) is False
    assert voz.open_now(datetime(2026, 6, 1, 15, 30, tzinfo=lisbon)) is True
    sns = next(s for s in pt.services if s.name.startswith("SNS 24"))
    assert sns.open_now() is None
    jp = load_directory().get("JP")
    lifelink = next(s for s in jp.services if "LifeLink" in s.name)
    tokyo = ZoneInfo("Asia/Tokyo")
    assert lifelink.open_now(datetime(2026, 3, 3, 3, 0, tzinfo=tokyo)) is False  # Tue 03:00
    assert lifelink.open_now(datetime(2026, 3, 2, 3, 0, tzinfo=tokyo)) is True  # Mon 03:00


def test_country_from_locale(monkeypatch):
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    assert country_from_locale() == ""
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert country_from_locale() == "GB"
    assert country_from_locale("es") == "ES"
    assert country_from_locale("uk") == "GB"
    monkeypatch.setenv("LC_MESSAGES", "es_MX.UTF-8")
    assert country_from_locale() == "MX"
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    assert country_from_locale() == "MX", "C is not a country; keep looking"
    monkeypatch.setenv("LC_ALL", "pt_BR@euro")
    assert country_from_locale() == "BR"
    assert country_from_locale("not a country") == "BR"


def test_directory_lookup_is_case_insensitive():
    directory = load_directory()
    assert directory.get("gb") is directory.get("GB") is directory.get("uk")
    assert [r.website for r in directory.fallback][0] == "https://findahelpline.com"
    assert crisis.LANGUAGE_NAMES["es"] == "Spanish"
