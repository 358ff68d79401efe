"""Regenerate src/peertui/wellbeing/data/emergency_numbers.toml (run by hand, output committed).

Every ISO 3166-1 alpha-2 code gets the numbers that Google's libphonenumber short-number
metadata marks as emergency numbers for that region: the same table phones use to decide that a
dialled number is an emergency call. Labels (ambulance, police) come from a second, independent
public dataset (DennisGross/aidlines data.js, 2024-09-20) only where that dataset gives the same
number. US territories point to the US crisis lines. Regions libphonenumber does not cover are
filled from `MANUAL` below, each with its own source or marked general knowledge.

    python tools/emergency_numbers.py /path/to/aidlines.json > src/peertui/wellbeing/data/emergency_numbers.toml
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from datetime import date

import phonenumbers
from phonenumbers.geodata.locale import LOCALE_DATA
from phonenumbers.phonemetadata import PhoneMetadata
from phonenumbers.shortnumberinfo import SUPPORTED_SHORT_REGIONS

LIBPHONENUMBER = (
    f"libphonenumber emergency-number table, phonenumbers {phonenumbers.__version__} "
    "(github.com/google/libphonenumber)"
)
AIDLINES = "https://github.com/DennisGross/aidlines (data.js, 2024-09-20, commit 4f81e37)"
US_TERRITORIES = {"AS", "GU", "MP", "VI", "UM"}  # PR has its own entry in crisis_lines.toml
US_TERRITORY_SOURCE = (
    "https://wiac740.com/index.php/2022/07/12/assmca-anuncia-nueva-linea-telefonica-para-que-"
    "ciudadanos-reciban-servicios-de-emergencias-en-salud-mental (988 serves the US and its "
    "territories)"
)
GSM_NOTE = (
    "No local source was found; 112 and 911 are the numbers every GSM/3G/4G mobile phone must "
    "treat as emergency calls (3GPP TS 22.101), so they are the best available advice here."
)
PREFERRED_FIRST = ("112", "911", "999", "000", "111")
MAX_NUMBERS = 4
ALIASES = {  # aidlines names that differ from libphonenumber's English names
    "United States of America": "US", "Republic of Korea": "KR", "Czech Republic": "CZ",
    "Ivory Coast": "CI", "Democratic Republic of the Congo (DRC)": "CD",
    "Republic of Congo": "CG", "The Bahamas": "BS", "Cape Verde": "CV", "East Timor": "TL",
    "Turkey": "TR", "Vatican City": "VA", "Macau": "MO", "Laos": "LA", "Vietnam": "VN",
    "Russia": "RU", "Syria": "SY", "Iran": "IR", "Palestine": "PS", "Micronesia": "FM",
    "Brunei": "BN", "Cocos Islands": "CC", "Curacao": "CW", "Saint Martin": "MF",
    "Sint Maarten": "SX", "Caribbean Netherlands": "BQ", "North Macedonia": "MK",
    "Eswatini": "SZ", "Tanzania": "TZ", "Moldova": "MD", "Bolivia": "BO", "Venezuela": "VE",
    "Hong Kong": "HK", "Taiwan": "TW", "U.S. Virgin Islands": "VI",
    "British Virgin Islands": "VG", "Falkland Islands": "FK", "Turks and Caicos": "TC",
    "Antarctica (McMurdo Station)": "AQ", "Saint Helena": "SH", "Equatorial Guinea": "GQ",
    "Tokelau": "TK", "British Indian Ocean Territory": "IO",
    "South Georgia and the South Sandwich Islands": "GS",
}  # fmt: skip
# Regions libphonenumber has no short-number data for.
MANUAL = {
    "UM": {"numbers": [("911", "")], "general_knowledge": True,
           "note": "US Minor Outlying Islands: US emergency number; mostly uninhabited."},
    "AQ": {"numbers": [("911", "McMurdo Station, from aidlines")], "source": AIDLINES,
           "verified": "2024-09-20",
           "note": "Antarctica has no public network; research stations have their own procedures."},
    "GQ": {"numbers": [("115", "ambulance"), ("114", "police")], "source": AIDLINES,
           "verified": "2024-09-20"},
    "GN": {"numbers": [("18", "ambulance"), ("117", "police")], "source": AIDLINES,
           "verified": "2024-09-20"},
    "IO": {"numbers": [("112", "")], "source": AIDLINES, "verified": "2024-09-20"},
    "GS": {"numbers": [("999", "")], "source": AIDLINES, "verified": "2024-09-20"},
    "TK": {"numbers": [("+690 2112", "ambulance"), ("+690 2116", "police")],
           "source": AIDLINES, "verified": "2024-09-20"},
    "BV": {"numbers": [("112", "")], "general_knowledge": True, "note": GSM_NOTE},
    "HM": {"numbers": [("112", "")], "general_knowledge": True, "note": GSM_NOTE},
    "TF": {"numbers": [("112", "")], "general_knowledge": True, "note": GSM_NOTE},
    "PN": {"numbers": [("112", "")], "general_knowledge": True, "note": GSM_NOTE},
}  # fmt: skip


def english_name(iso2: str) -> str:
    names = LOCALE_DATA[iso2]
    name = names.get("en", "*aa")
    return names["aa"] if name.startswith("*") else name


def emergency_numbers(region: str) -> list[str]:
    desc = PhoneMetadata.short_metadata_for_region(region).emergency
    if desc is None or not desc.national_number_pattern:
        return []
    pattern = re.compile(desc.national_number_pattern)
    found = [
        "".join(digits)
        for length in desc.possible_length
        for digits in itertools.product("0123456789", repeat=length)
        if pattern.fullmatch("".join(digits))
    ]
    if len(found) > 8:  # a whole range (e.g. Gabon's 13xx): keep the short codes only
        found = [n for n in found if len(n) <= 3]
    return found


def ordered(numbers: list[str], labels: dict[str, str], region: str) -> list[str]:
    first = PREFERRED_FIRST
    if phonenumbers.country_code_for_region(region) == 1:  # the 911 countries of the NANP
        first = ("911", *(n for n in PREFERRED_FIRST if n != "911"))

    def rank(number: str) -> tuple[int, int]:
        if number in labels:
            return (0, 0 if labels[number] == "ambulance" else 1)
        if number in first:
            return (1, first.index(number))
        return (2, 0)

    return sorted(numbers, key=rank)[:MAX_NUMBERS]


def aidlines_labels(path: str) -> dict[str, dict[str, str]]:
    by_name = {english_name(c): c for c in LOCALE_DATA if len(c) == 2}
    labels: dict[str, dict[str, str]] = {}
    with open(path, encoding="utf-8") as handle:
        entries = json.load(handle)
    for entry in entries:
        code = ALIASES.get(entry["country"]) or by_name.get(entry["country"])
        if not code:
            continue
        mine = labels.setdefault(code, {})
        pairs = [
            (re.sub(r"\s", "", str(entry.get(field, ""))), label)
            for field, label in (("ambulanceNumber", "ambulance"), ("policeNumber", "police"))
        ]
        if pairs[0][0] == pairs[1][0]:
            continue  # one number for every service: a label would mislead
        for number, label in pairs:
            if re.fullmatch(r"\d{2,4}", number) and number not in mine:
                mine[number] = label
    return labels


def toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def main(aidlines_path: str) -> None:
    today = date.today().isoformat()
    labels = aidlines_labels(aidlines_path)
    codes = sorted(set(SUPPORTED_SHORT_REGIONS) - {"AC", "XK"} | set(MANUAL))
    print("# Emergency numbers for every ISO 3166-1 alpha-2 country and territory.")
    print("# GENERATED by tools/emergency_numbers.py; edit that script, not this file.")
    print("# numbers: what libphonenumber marks as emergency numbers for the region (the table")
    print("#   phones use), most general first; a label only where aidlines gives the same number.")
    print("# undated = true: the source carries no date; `verified` is the day it was read.")
    print("# Countries in crisis_lines.toml use their own curated emergency entry instead.")
    print(f'schema_version = 1\ncompiled = "{today}"')
    for code in codes:
        print(f'\n[[region]]\niso2 = "{code}"\nname = {toml_string(english_name(code))}')
        manual = MANUAL.get(code)
        if manual:
            numbers = manual["numbers"]
        else:
            mine = labels.get(code, {})
            shown = ordered(emergency_numbers(code), mine, code)
            numbers = [(n, mine.get(n, "")) for n in shown]
        if not numbers:
            raise SystemExit(f"{code}: no emergency number; add it to MANUAL with a source")
        items = ", ".join(
            "{ number = "
            + toml_string(n)
            + (f", note = {toml_string(note)}" if note else "")
            + " }"
            for n, note in numbers
        )
        print(f"numbers = [{items}]")
        if manual and manual.get("general_knowledge"):
            print("general_knowledge = true")
            print(f'source = "general knowledge"\nverified = "{today}"')
        elif manual:
            print(f'source = {toml_string(manual["source"])}\nverified = "{manual["verified"]}"')
        else:
            source = LIBPHONENUMBER
            if any(note for _, note in numbers):
                source += f"; labels from {AIDLINES}"
            print(f'source = {toml_string(source)}\nverified = "{today}"\nundated = true')
        if code in US_TERRITORIES:
            print(f'lines_from = "US"\nlines_from_source = {toml_string(US_TERRITORY_SOURCE)}')
        if manual and manual.get("note"):
            print(f"note = {toml_string(manual['note'])}")


if __name__ == "__main__":
    main(sys.argv[1])
