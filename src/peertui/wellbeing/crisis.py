"""Offline crisis directory: who to call, text or chat, per country, with provenance.

The data lives in `data/crisis_lines.toml` inside the package so it works with no network.
Every service carries its source and the date of that source, and `format_country` always
shows them: people deserve to know how fresh a number is before they rely on it.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Digits with spaces or hyphens; "+" for international form, "*" for mobile short codes.
DIALABLE = re.compile(r"^[+*]?[0-9](?:[0-9 \-]*[0-9])?$")

LANGUAGE_NAMES = {
    "am": "Amharic", "ar": "Arabic", "cr": "Cree", "cs": "Czech", "de": "German",
    "el": "Greek", "en": "English", "es": "Spanish", "fi": "Finnish", "fil": "Filipino",
    "fr": "French", "he": "Hebrew", "id": "Indonesian", "it": "Italian", "iu": "Inuktitut",
    "ja": "Japanese", "ko": "Korean", "ms": "Malay", "nl": "Dutch", "no": "Norwegian",
    "oj": "Ojibway", "pl": "Polish", "pt": "Portuguese", "ru": "Russian", "sv": "Swedish",
    "th": "Thai", "yue": "Cantonese", "zh": "Chinese",
}  # fmt: skip

# Settings may say "UK"; ISO 3166 says "GB".
COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")
LOCALE_COUNTRY = re.compile(r"^[A-Za-z]{2,3}[_-]([A-Za-z]{2})(?:[.@]|$)")


class DirectoryError(ValueError):
    """The shipped directory file is malformed; str() names the entry and the problem."""


@dataclass(frozen=True)
class Contact:
    number: str
    note: str = ""

    def describe(self) -> str:
        return f"{self.number} ({self.note})" if self.note else self.number


@dataclass(frozen=True)
class Slot:
    days: frozenset[int]  # 0 = Monday, as datetime.weekday()
    start: time
    end: time | None  # None means midnight at the end of the day
    text: str

    def contains(self, local: datetime) -> bool:
        now = local.time().replace(tzinfo=None)
        weekday = local.weekday()
        end = self.end
        if end is not None and end <= self.start:
            # Runs past midnight: the tail belongs to the previous day's slot.
            return (weekday in self.days and now >= self.start) or (
                (weekday - 1) % 7 in self.days and now < end
            )
        return weekday in self.days and now >= self.start and (end is None or now < end)


@dataclass(frozen=True)
class Hours:
    always: bool
    tz: str = ""
    slots: tuple[Slot, ...] = ()

    def open_at(self, when: datetime) -> bool | None:
        """True/False, or None when the time zone database is not available here."""
        if self.always:
            return True
        try:
            zone = ZoneInfo(self.tz)
        except ZoneInfoNotFoundError:
            return None
        local = when.astimezone(zone)
        return any(slot.contains(local) for slot in self.slots)

    def describe(self) -> str:
        if self.always:
            return "open 24 hours, every day"
        slots = "; ".join(slot.text for slot in self.slots)
        return f"open {slots} ({self.tz} time)"


@dataclass(frozen=True)
class Service:
    name: str
    source: str
    verified: str
    undated: bool = False
    phones: tuple[Contact, ...] = ()
    sms: tuple[Contact, ...] = ()
    whatsapp: tuple[Contact, ...] = ()
    chat_url: str = ""
    website: str = ""
    hours: Hours | None = None
    hours_note: str = ""
    languages: tuple[str, ...] = ()
    audience: str = ""
    cost: str = ""
    notes: str = ""
    confidence: str = "high"

    def open_now(self, now: datetime | None = None) -> bool | None:
        """Whether the service answers at `now`; None when its hours are not known."""
        if self.hours is None:
            return None
        return self.hours.open_at(_aware(now))


@dataclass(frozen=True)
class Country:
    iso2: str
    name: str
    emergency: tuple[Contact, ...]
    emergency_source: str
    emergency_verified: str
    emergency_undated: bool = False
    emergency_general_knowledge: bool = False
    services: tuple[Service, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class Resource:
    name: str
    website: str
    note: str = ""


@dataclass(frozen=True)
class Directory:
    compiled: str
    fallback: list[Resource]
    by_iso2: dict[str, Country] = field(repr=False)

    def get(self, iso2: str) -> Country | None:
        return self.by_iso2.get(normalise_country(iso2))

    def countries(self) -> list[Country]:
        return sorted(self.by_iso2.values(), key=lambda c: c.name)


# ISO 3166-1 alpha-2, officially assigned codes: tells a typo from a country with no entry yet.
ISO_COUNTRY_CODES = frozenset(
    [
        "AD",
        "AE",
        "AF",
        "AG",
        "AI",
        "AL",
        "AM",
        "AO",
        "AQ",
        "AR",
        "AS",
        "AT",
        "AU",
        "AW",
        "AX",
        "AZ",
        "BA",
        "BB",
        "BD",
        "BE",
        "BF",
        "BG",
        "BH",
        "BI",
        "BJ",
        "BL",
        "BM",
        "BN",
        "BO",
        "BQ",
        "BR",
        "BS",
        "BT",
        "BV",
        "BW",
        "BY",
        "BZ",
        "CA",
        "CC",
        "CD",
        "CF",
        "CG",
        "CH",
        "CI",
        "CK",
        "CL",
        "CM",
        "CN",
        "CO",
        "CR",
        "CU",
        "CV",
        "CW",
        "CX",
        "CY",
        "CZ",
        "DE",
        "DJ",
        "DK",
        "DM",
        "DO",
        "DZ",
        "EC",
        "EE",
        "EG",
        "EH",
        "ER",
        "ES",
        "ET",
        "FI",
        "FJ",
        "FK",
        "FM",
        "FO",
        "FR",
        "GA",
        "GB",
        "GD",
        "GE",
        "GF",
        "GG",
        "GH",
        "GI",
        "GL",
        "GM",
        "GN",
        "GP",
        "GQ",
        "GR",
        "GS",
        "GT",
        "GU",
        "GW",
        "GY",
        "HK",
        "HM",
        "HN",
        "HR",
        "HT",
        "HU",
        "ID",
        "IE",
        "IL",
        "IM",
        "IN",
        "IO",
        "IQ",
        "IR",
        "IS",
        "IT",
        "JE",
        "JM",
        "JO",
        "JP",
        "KE",
        "KG",
        "KH",
        "KI",
        "KM",
        "KN",
        "KP",
        "KR",
        "KW",
        "KY",
        "KZ",
        "LA",
        "LB",
        "LC",
        "LI",
        "LK",
        "LR",
        "LS",
        "LT",
        "LU",
        "LV",
        "LY",
        "MA",
        "MC",
        "MD",
        "ME",
        "MF",
        "MG",
        "MH",
        "MK",
        "ML",
        "MM",
        "MN",
        "MO",
        "MP",
        "MQ",
        "MR",
        "MS",
        "MT",
        "MU",
        "MV",
        "MW",
        "MX",
        "MY",
        "MZ",
        "NA",
        "NC",
        "NE",
        "NF",
        "NG",
        "NI",
        "NL",
        "NO",
        "NP",
        "NR",
        "NU",
        "NZ",
        "OM",
        "PA",
        "PE",
        "PF",
        "PG",
        "PH",
        "PK",
        "PL",
        "PM",
        "PN",
        "PR",
        "PS",
        "PT",
        "PW",
        "PY",
        "QA",
        "RE",
        "RO",
        "RS",
        "RU",
        "RW",
        "SA",
        "SB",
        "SC",
        "SD",
        "SE",
        "SG",
        "SH",
        "SI",
        "SJ",
        "SK",
        "SL",
        "SM",
        "SN",
        "SO",
        "SR",
        "SS",
        "ST",
        "SV",
        "SX",
        "SY",
        "SZ",
        "TC",
        "TD",
        "TF",
        "TG",
        "TH",
        "TJ",
        "TK",
        "TL",
        "TM",
        "TN",
        "TO",
        "TR",
        "TT",
        "TV",
        "TW",
        "TZ",
        "UA",
        "UG",
        "UM",
        "US",
        "UY",
        "UZ",
        "VA",
        "VC",
        "VE",
        "VG",
        "VI",
        "VN",
        "VU",
        "WF",
        "WS",
        "YE",
        "YT",
        "ZA",
        "ZM",
        "ZW",
    ]
)


def is_country_code(code: str) -> bool:
    return normalise_country(code) in ISO_COUNTRY_CODES


def normalise_country(code: str) -> str:
    code = (code or "").strip().upper()
    return COUNTRY_ALIASES.get(code, code)


def country_from_locale(settings_country: str = "") -> str:
    """The member's country as ISO 3166 alpha-2, or "" when nothing says.

    The setting wins; otherwise the locale environment (en_GB.UTF-8 -> GB). Never the network:
    the directory must work offline and must not reveal anything about the member.
    """
    chosen = normalise_country(settings_country)
    if re.fullmatch(r"[A-Z]{2}", chosen):
        return chosen
    for variable in LOCALE_VARIABLES:
        value = os.environ.get(variable, "")
        if not value:
            continue
        match = LOCALE_COUNTRY.match(value)
        if match:
            return normalise_country(match.group(1))
        if value not in ("C", "POSIX") and not value.startswith("C."):
            # A set but countryless locale (e.g. "en") is the user's answer; stop looking.
            return ""
    return ""


@cache
def load_directory() -> Directory:
    text = (
        resources.files("peertui.wellbeing")
        .joinpath("data/crisis_lines.toml")
        .read_text(encoding="utf-8")
    )
    return parse_directory(tomllib.loads(text))


def parse_directory(raw: dict) -> Directory:
    fallback = [
        Resource(name=item["name"], website=item["website"], note=item.get("note", ""))
        for item in raw.get("fallback", [])
    ]
    by_iso2: dict[str, Country] = {}
    for entry in raw.get("country", []):
        country = _parse_country(entry)
        if country.iso2 in by_iso2:
            raise DirectoryError(f"country {country.iso2} appears twice in the directory")
        by_iso2[country.iso2] = country
    return Directory(compiled=str(raw.get("compiled", "")), fallback=fallback, by_iso2=by_iso2)


def _parse_country(entry: dict) -> Country:
    iso2 = str(entry.get("iso2", ""))
    where = f"country {iso2 or '?'}"
    if not re.fullmatch(r"[A-Z]{2}", iso2):
        raise DirectoryError(f"{where}: iso2 must be two capital letters")
    return Country(
        iso2=iso2,
        name=_required(entry, "name", where),
        emergency=_contacts(entry.get("emergency"), f"{where} emergency"),
        emergency_source=_required(entry, "emergency_source", where),
        emergency_verified=_date_text(entry.get("emergency_verified"), f"{where} emergency"),
        emergency_undated=bool(entry.get("emergency_undated", False)),
        emergency_general_knowledge=bool(entry.get("emergency_general_knowledge", False)),
        services=tuple(_parse_service(s, where) for s in entry.get("service", [])),
        notes=entry.get("notes", ""),
    )


def _parse_service(entry: dict, country_where: str) -> Service:
    where = f"{country_where} service {entry.get('name', '?')!r}"
    service = Service(
        name=_required(entry, "name", where),
        source=_required(entry, "source", where),
        verified=_date_text(entry.get("verified"), where),
        undated=bool(entry.get("undated", False)),
        phones=_contacts(entry.get("phone", []), where),
        sms=_contacts(entry.get("sms", []), where),
        whatsapp=_contacts(entry.get("whatsapp", []), where),
        chat_url=entry.get("chat_url", ""),
        website=entry.get("website", ""),
        hours=_parse_hours(entry["hours"], where) if "hours" in entry else None,
        hours_note=entry.get("hours_note", ""),
        languages=tuple(entry.get("languages", [])),
        audience=entry.get("audience", ""),
        cost=entry.get("cost", ""),
        notes=entry.get("notes", ""),
        confidence=entry.get("confidence", "high"),
    )
    if not (service.phones or service.sms or service.whatsapp or service.chat_url):
        raise DirectoryError(f"{where}: no phone, text, WhatsApp or chat to reach it by")
    if service.confidence not in ("high", "medium"):
        raise DirectoryError(f"{where}: only high- or medium-confidence entries may ship")
    return service


def _required(entry: dict, key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DirectoryError(f"{where}: {key} is missing")
    return value


def _contacts(items: object, where: str) -> tuple[Contact, ...]:
    if not isinstance(items, list):
        raise DirectoryError(f"{where}: numbers must be a list of {{number, note}} tables")
    contacts = []
    for item in items:
        number = str(item.get("number", ""))
        if not DIALABLE.match(number):
            raise DirectoryError(f"{where}: {number!r} is not a dialable number")
        contacts.append(Contact(number=number, note=item.get("note", "")))
    return tuple(contacts)


def _date_text(value: object, where: str) -> str:
    text = str(value or "")
    parse_partial_date(text, where)
    return text


def parse_partial_date(text: str, where: str = "date") -> date:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD (sources are often dated only by month or year)."""
    for pattern, fill in (("%Y-%m-%d", ""), ("%Y-%m", "-01"), ("%Y", "-01-01")):
        try:
            datetime.strptime(text, pattern)
        except ValueError:
            continue
        return date.fromisoformat(text + fill)
    raise DirectoryError(f"{where}: verified date {text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")


def _parse_hours(raw: object, where: str) -> Hours:
    if not isinstance(raw, dict):
        raise DirectoryError(f"{where}: hours must be a table")
    if raw.get("always") is True:
        return Hours(always=True)
    tz = raw.get("tz", "")
    if not isinstance(tz, str) or "/" not in tz:
        raise DirectoryError(f"{where}: hours need an IANA time zone such as Europe/Lisbon")
    slots = raw.get("slots")
    if not isinstance(slots, list) or not slots:
        raise DirectoryError(f"{where}: hours need at least one slot or always = true")
    return Hours(always=False, tz=tz, slots=tuple(_parse_slot(s, where) for s in slots))


def _parse_slot(raw: dict, where: str) -> Slot:
    days_text = str(raw.get("days", ""))
    start_text, end_text = str(raw.get("from", "")), str(raw.get("to", ""))
    start = _clock(start_text, where)
    end = None if end_text == "24:00" else _clock(end_text, where)
    return Slot(
        days=_days(days_text, where),
        start=start,
        end=end,
        text=f"{days_text.title()} {start_text}-{end_text}",
    )


def _clock(text: str, where: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise DirectoryError(f"{where}: {text!r} is not a time like 08:00") from None


def _days(text: str, where: str) -> frozenset[int]:
    if text == "daily":
        return frozenset(range(7))
    days: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise DirectoryError(f"{where}: {text!r} is not a day list like mon-fri or mon,thu")
        start = DAY_NAMES.index(first)
        stop = DAY_NAMES.index(last) if last else start
        days.update(d % 7 for d in range(start, stop + 1 + (7 if stop < start else 0)))
    return frozenset(days)


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        return now.astimezone()  # a naive time is the machine's local time
    return now


def _language_list(codes: tuple[str, ...]) -> str:
    return ", ".join(LANGUAGE_NAMES.get(code, code) for code in codes)


def _verified_line(verified: str, undated: bool, source: str) -> str:
    when = f"verified {verified}"
    if undated:
        when += " (the source page is undated; this is when it was read)"
    return f"{when}, source {source}"


def _service_lines(service: Service, now: datetime) -> list[str]:
    reach = []
    if service.phones:
        reach.append("call " + " or ".join(c.describe() for c in service.phones))
    if service.sms:
        reach.append("text " + " or ".join(c.describe() for c in service.sms))
    if service.whatsapp:
        reach.append("WhatsApp " + " or ".join(c.describe() for c in service.whatsapp))
    if service.chat_url:
        reach.append(f"chat at {service.chat_url}")
    lines = [f"{service.name}: " + "; ".join(reach)]

    open_now = service.open_now(now)
    if service.hours is None:
        hours = "not confirmed"
    else:
        state = {True: "open now", False: "closed now", None: "cannot tell if open now"}
        hours = f"{service.hours.describe()} ({state[open_now]})"
    if service.hours_note:
        hours += f"; {service.hours_note}"
    lines.append(f"  Hours: {hours}.")

    details = []
    if service.audience:
        details.append(f"for {service.audience}")
    if service.languages:
        details.append(f"languages: {_language_list(service.languages)}")
    if service.cost:
        details.append(f"cost: {service.cost}")
    if details:
        text = "; ".join(details)
        lines.append(f"  {text[0].upper()}{text[1:]}.")
    if service.notes:
        lines.append(f"  Note: {service.notes}")
    if service.website and service.website != service.chat_url:
        lines.append(f"  Website: {service.website}")
    lines.append("  " + _verified_line(service.verified, service.undated, service.source))
    return lines


def _fallback_lines(directory: Directory) -> list[str]:
    lines = []
    for resource in directory.fallback:
        note = f" - {resource.note}" if resource.note else ""
        lines.append(f"  {resource.name}: {resource.website}{note}")
    return lines


def unlisted_country_lines(headline: str) -> list[str]:
    """What to do when there are no lines to show: `headline` says why, then the fallbacks."""
    return [
        headline,
        "If you are in immediate danger, call your local emergency number now.",
        "These international directories list helplines by country:",
        *_fallback_lines(load_directory()),
        "You can choose another country with its two-letter code, for example GB or US.",
    ]


def format_country(
    country: Country | None, iso2: str = "", now: datetime | None = None
) -> list[str]:
    """Plain single lines (no colour, no box drawing) that both front-ends print as they are.

    The emergency number always comes first because it is the one thing to do in danger.
    """
    directory = load_directory()
    moment = _aware(now)
    if country is None:
        code = normalise_country(iso2)
        where = f"Your country ({code})" if code else "No country is set, so your country"
        return unlisted_country_lines(f"{where} is not in peertui's offline crisis directory.")

    emergency = " or ".join(c.describe() for c in country.emergency)
    lines = [
        f"Crisis lines for {country.name} ({country.iso2})",
        f"Emergency: {emergency} - if you are in immediate danger, call this first.",
    ]
    if country.emergency_general_knowledge:
        lines.append(
            "  This emergency number comes from general knowledge and has not been checked "
            "against a written source."
        )
    else:
        lines.append(
            "  "
            + _verified_line(
                country.emergency_verified, country.emergency_undated, country.emergency_source
            )
        )
    if country.notes:
        lines.append(f"Note: {country.notes}")
    for service in country.services:
        lines.extend(_service_lines(service, moment))
    lines.append("Numbers change; if one does not work, these directories are kept up to date:")
    lines.extend(_fallback_lines(directory))
    return lines
