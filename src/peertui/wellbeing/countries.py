"""Which country someone means: "mexico", "México", "MX", "MEX", "united kingdom", "uk".

The names come from CLDR (through Babel) in the languages people are most likely to type their
country in, plus the directory's own English names and a few everyday names CLDR does not list
("UK", "Holland", "Ivory Coast"). Matching ignores case, accents and punctuation; a typo gets
suggestions, never a silent guess, because the answer decides which crisis lines are shown.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from peertui.wellbeing import crisis

# The languages whose country names are recognised, besides English: the directory's countries'
# main languages and the world's most spoken ones. Each is one CLDR table read once (~20 ms).
NAME_LANGUAGES = (
    "en", "es", "pt", "fr", "de", "it", "nl", "da", "sv", "nb", "fi", "pl", "cs", "el", "ru",
    "uk", "tr", "ar", "fa", "he", "hi", "bn", "ur", "id", "ms", "th", "vi", "fil", "zh", "ja",
    "ko", "sw",
)  # fmt: skip

# Everyday names that CLDR does not give (or gives only in a longer form).
EVERYDAY_NAMES = {
    "uk": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "usa": "US", "america": "US",
    "united states of america": "US", "holland": "NL", "turkey": "TR", "ivory coast": "CI",
    "czech republic": "CZ", "korea": "KR", "south korea": "KR", "north korea": "KP",
    "burma": "MM", "swaziland": "SZ", "macedonia": "MK", "hong kong": "HK", "macau": "MO",
    "macao": "MO", "palestine": "PS", "uae": "AE", "emirates": "AE", "bosnia": "BA",
    "vatican": "VA", "east timor": "TL", "cape verde": "CV", "persia": "IR", "ee uu": "US",
    "eeuu": "US", "eua": "US",
}  # fmt: skip

# Two-letter codes that are also everyday words: typed in lower case they are read as words.
WORD_CODES = {"no": "NO", "in": "IN", "it": "IT", "me": "ME", "is": "IS", "am": "AM", "be": "BE"}
SKIP_WORDS = (
    "skip",
    "none",
    "later",
    "omitir",
    "omite",
    "saltar",
    "ninguno",
    "pular",
    "pule",
    "nenhum",
)


@dataclass(frozen=True)
class CountryMatch:
    """`iso2` when the text names one country; otherwise `suggestions` (codes, best first)."""

    iso2: str = ""
    suggestions: tuple[str, ...] = ()
    word_code: str = ""  # "no" typed in lower case: Norway, or the word no?


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: "Côte d’Ivoire" -> "cote d ivoire"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", bare).split())


@cache
def _names() -> dict[str, str]:
    """Folded name -> ISO code, for every country the directory knows."""
    from babel import Locale, UnknownLocaleError

    directory = crisis.load_directory()
    known = set(directory.by_iso2)
    names: dict[str, str] = {}
    for language in NAME_LANGUAGES:
        try:
            territories = Locale.parse(language).territories
        except (UnknownLocaleError, ValueError):
            continue
        for code, name in territories.items():
            if code in known:
                names.setdefault(fold(name), code)
    for code, country in directory.by_iso2.items():
        names.setdefault(fold(country.name), code)
    for name, code in EVERYDAY_NAMES.items():
        names[fold(name)] = code
    return names


@cache
def _three_letter_codes() -> dict[str, str]:
    from babel.core import get_global

    known = set(crisis.load_directory().by_iso2)
    codes = {}
    for alias, targets in get_global("territory_aliases").items():
        if len(alias) == 3 and alias.isalpha() and len(targets) == 1 and targets[0] in known:
            codes[alias] = targets[0]
    return codes


def warm_up() -> None:
    """Gather the CLDR names now (about a second the first time), e.g. in a worker thread
    before a question, so matching an answer later is instant."""
    _names()
    _three_letter_codes()


def find_country(typed: str) -> CountryMatch:
    """What `typed` names: a code ("MX", "uk", "MEX") or a name in one of NAME_LANGUAGES."""
    text = typed.strip()
    if not text:
        return CountryMatch()
    directory = crisis.load_directory()
    if text.casefold() in WORD_CODES and text != text.upper():
        return CountryMatch(word_code=WORD_CODES[text.casefold()])
    if len(text) == 2 and text.isascii() and text.isalpha():
        code = crisis.normalise_country(text)
        if code in directory.by_iso2:
            return CountryMatch(iso2=code)
    if len(text) == 3 and text.isascii() and text.isalpha():
        code = _three_letter_codes().get(text.upper(), "")
        if code:
            return CountryMatch(iso2=code)
    folded = fold(text)
    names = _names()
    if folded in names:
        return CountryMatch(iso2=names[folded])
    starting = {code for name, code in names.items() if name.startswith(folded)}
    if len(folded) >= 4 and len(starting) == 1:
        return CountryMatch(iso2=starting.pop())
    close = difflib.get_close_matches(folded, list(names), n=6, cutoff=0.72)
    suggestions = list(dict.fromkeys(names[name] for name in close))
    if len(folded) >= 3:
        suggestions += sorted(starting - set(suggestions), key=lambda c: country_name(c))
    return CountryMatch(suggestions=tuple(suggestions[:4]))


def country_name(iso2: str) -> str:
    """The country's name in the interface language (CLDR; the directory's own in English),
    the same name F1 shows; the code itself for a code the directory does not know."""
    country = crisis.load_directory().get(iso2)
    return crisis.country_name(country) if country else iso2


def is_skip(typed: str) -> bool:
    return fold(typed) in SKIP_WORDS
