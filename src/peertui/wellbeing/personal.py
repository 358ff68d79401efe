"""Personal details in a draft: what could identify the writer, for a nudge before sending.

Phone numbers (libphonenumber), e-mail addresses, street addresses, a name with a place, social
media @handles and schools. Helpline numbers are not personal: numbers in the crisis directory,
short codes and toll-free numbers are never flagged, so "call 116 123" is never a nudge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import phonenumbers

from peertui.wellbeing.crisis import country_from_locale, load_directory
from peertui.wellbeing.prefilter import gate

DEFAULT_REGION = {"en": "US", "es": "ES"}
SHORT_CODE_DIGITS = 6  # 116 123, 988, *4141, 10111: service numbers, not a person's

EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)
ANY_DIGIT = re.compile(r"\d")  # the same digits as the phone matcher's own \d
HANDLE = re.compile(r"(?<![\w@./])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{1,28}[A-Za-z0-9_])?\b(?!@)")
STREET_WORDS_EN = (
    r"street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|court|ct|way|place|pl|"
    r"terrace|close|crescent|square|sq|highway|hwy|parkway|pkwy|row|gardens|grove"
)
NOT_A_NAME_EN = (
    r"the|a|an|to|on|in|of|at|for|down|up|and|or|my|your|this|that|more|minutes?|hours?|"
    r"miles?|km|kilometres?|kilometers?|blocks?|times?|days?|years?|people|cars?|of"
)
ADDRESS_EN = re.compile(
    rf"\b\d{{1,5}}[a-z]?\s+(?:(?!(?:{NOT_A_NAME_EN})\b)[A-Za-z][\w'.-]*\s+){{1,3}}"
    rf"(?:{STREET_WORDS_EN})\b\.?",
    re.IGNORECASE,
)
ADDRESS_ES = re.compile(
    r"\b(?:calle|c/|avenida|avda\.?|av\.|paseo|plaza|pza\.?|camino|carrera|carretera|ronda|"
    r"travesia|travesía|callejon|callejón|bulevar|glorieta|urbanizacion|urbanización)\s+"
    r"(?:[\wáéíóúñü'.-]+\s+){0,4}?(?:n[º°o]\.?\s*|numero\s+|número\s+)?\d{1,5}\b",
    re.IGNORECASE,
)
CAPITALISED = r"[A-ZÁÉÍÓÚÑ][\wáéíóúñü'-]+"
NAME_WITH_PLACE = re.compile(
    rf"\b(?:(?:[Mm]y name is|[Ii]'?m|[Ii] am|[Tt]his is|[Mm]e llamo|[Ss]oy|[Mm]i nombre es)\s+"
    rf"{CAPITALISED}(?:\s+{CAPITALISED})?)"
    rf"(?:,?\s+(?:and\s+)?(?:from|in|of|de|en|y vivo en|and I live in|I live in|living in)\s+"
    rf"{CAPITALISED}(?:\s+{CAPITALISED})?)"
)
SCHOOL = re.compile(
    rf"\b(?:{CAPITALISED}\s+){{1,4}}(?:High School|Middle School|Primary School|Elementary"
    rf"(?: School)?|Academy|College|University|School|Secondary|Grammar)\b"
    rf"|\b(?:University|College|Instituto|Colegio|Escuela|Universidad|Liceo|Academia)\s+"
    rf"(?:(?:of|de|del|la|el|San|Santa)\s+)*{CAPITALISED}(?:\s+{CAPITALISED})*"
)
NAME_WITH_PLACE_GATE = gate(NAME_WITH_PLACE)
SCHOOL_GATE = gate(SCHOOL)
# "I'm Sad from work" is not a name: common words that follow "I'm" with a capital letter.
NOT_NAMES = frozenset(
    [
        "Not",
        "So",
        "Just",
        "Really",
        "Very",
        "Sad",
        "Fine",
        "Ok",
        "Okay",
        "Here",
        "Back",
        "Home",
        "Done",
        "Tired",
        "Sorry",
        "Glad",
        "Happy",
    ]
)


@dataclass(frozen=True)
class PersonalDetail:
    kind: str  # "phone", "email", "address", "name_place", "handle" or "school"
    text: str  # the matching part of the draft, for the member's own eyes only


@cache
def helpline_digits() -> frozenset[str]:
    """Every number the crisis directory shows, digits only: never a personal detail."""
    digits: set[str] = set()
    for country in load_directory().countries():
        digits.update(re.sub(r"\D", "", n) for n in country.shown_numbers())
    return frozenset(digits)


def _is_service_number(match: phonenumbers.PhoneNumberMatch) -> bool:
    national = str(match.number.national_number)
    raw = re.sub(r"\D", "", match.raw_string)
    if len(raw) <= SHORT_CODE_DIGITS or raw in helpline_digits() or national in helpline_digits():
        return True
    kind = phonenumbers.number_type(match.number)
    return kind in (
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.SHARED_COST,
    )


def _default_region(lang: str) -> str:
    region = country_from_locale("")
    if region in phonenumbers.SUPPORTED_REGIONS:
        return region
    return DEFAULT_REGION.get(lang, "US")


def personal_details(
    text: str, lang: str = "en", region: str | None = None
) -> list[PersonalDetail]:
    found: list[tuple[int, PersonalDetail]] = []
    taken: list[range] = []

    def add(start: int, end: int, kind: str) -> None:
        if any(start < span.stop and span.start < end for span in taken):
            return
        taken.append(range(start, end))
        found.append((start, PersonalDetail(kind, text[start:end].strip())))

    # Most lines hold no "@", no digit and no school word: those searches are skipped then.
    if "@" in text:  # (an e-mail address and a handle both have one)
        for match in EMAIL.finditer(text):
            add(match.start(), match.end(), "email")
        for match in HANDLE.finditer(text):
            add(match.start(), match.end(), "handle")
    # The phone matcher only ever starts at a digit (any script's), and a street number is one.
    if ANY_DIGIT.search(text):
        region = (region or _default_region(lang)).upper()
        for phone in phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.VALID
        ):
            if not _is_service_number(phone):
                add(phone.start, phone.end, "phone")
        for pattern in (ADDRESS_EN, ADDRESS_ES):
            for match in pattern.finditer(text):
                add(match.start(), match.end(), "address")
    if NAME_WITH_PLACE_GATE(text):
        for match in NAME_WITH_PLACE.finditer(text):
            name = re.split(r"\s+", match.group(0))
            if not set(name) & NOT_NAMES:
                add(match.start(), match.end(), "name_place")
    if SCHOOL_GATE(text):
        for match in SCHOOL.finditer(text):
            add(match.start(), match.end(), "school")
    return [detail for _, detail in sorted(found, key=lambda pair: pair[0])]
