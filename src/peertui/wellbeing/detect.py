"""On-device checks of the member's own draft: crisis language and personal details.

Nothing here blocks a message, and nothing leaves the function: no network, no files, no
logging. The front-end uses the result to *offer* crisis lines and the safety plan, or to
nudge before sharing a phone number, e-mail or street address.

Crisis language is matched with per-language phrase lists (`data/detect/<lang>.toml`), one
clause at a time, after removing quoted speech and common figures of speech, and skipping
phrases that are negated or that someone else is reported to have said.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

import phonenumbers

from peertui.wellbeing._data import load_toml, pick_language
from peertui.wellbeing.crisis import country_from_locale

FOLDER = "detect"
NEGATION_WINDOW = 3  # words before a phrase in which a negator cancels it
DEFAULT_REGION = {"en": "US", "es": "ES"}

QUOTED_SPANS = re.compile(r'"[^"]*"|«[^»]*»|(?<![a-z])\'[^\']{2,}?\'(?![a-z])')
CLAUSE_BREAKS = re.compile(r"[.!?;:\n]+|,?\s+\b(?:but|pero|aunque|although|though)\b")
WORD = re.compile(r"[a-z0-9']+")

EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)
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


@dataclass(frozen=True)
class PersonalDetail:
    kind: str  # "phone", "email" or "address"
    text: str  # the matching part of the draft, for the member's own eyes only


@dataclass(frozen=True)
class Assessment:
    tier: int  # 0 none, 1 passive ideation or hopelessness, 2 active intent, 3 plan/means/time
    reason: str  # one sentence in the draft's language; empty when tier is 0
    personal: list[PersonalDetail] = field(default_factory=list)

    @property
    def offers_support(self) -> bool:
        return self.tier > 0


@dataclass(frozen=True)
class PhraseBook:
    lang: str
    reasons: dict[int, str]
    tiers: dict[int, list[re.Pattern]]
    negators: frozenset[str]
    negation_exempt: frozenset[str]
    reporting: list[re.Pattern]
    idioms: list[re.Pattern]
    escalators: list[re.Pattern]


@cache
def phrase_book(lang: str) -> PhraseBook:
    code = pick_language(lang, FOLDER)
    raw = load_toml(f"{FOLDER}/{code}.toml")
    guards = raw["guards"]

    def compiled(patterns: list[str]) -> list[re.Pattern]:
        return [re.compile(p) for p in patterns]

    return PhraseBook(
        lang=code,
        reasons={int(k): v for k, v in raw["reasons"].items()},
        tiers={int(k): compiled(v) for k, v in raw["tiers"].items()},
        negators=frozenset(guards["negators"]),
        negation_exempt=frozenset(guards["negation_exempt"]),
        reporting=compiled(guards["reporting"]),
        idioms=compiled(guards["idioms"]),
        escalators=compiled(guards["escalators"]),
    )


def normalise(text: str) -> str:
    """Lower case, straight quotes, no accents, single spaces: how the phrase lists are written."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.translate(str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "´": "'"}))
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[ \t]+", " ", text)


def _is_negated(before: str, book: PhraseBook) -> bool:
    words = WORD.findall(before)[-NEGATION_WINDOW:]
    for index, word in enumerate(words):
        if word in book.negators:
            following = words[index + 1] if index + 1 < len(words) else ""
            if following not in book.negation_exempt:
                return True
    return False


def _clause_tier(clause: str, book: PhraseBook) -> int:
    if any(p.search(clause) for p in book.reporting):
        return 0
    for idiom in book.idioms:
        clause = idiom.sub(" ", clause)
    clause = clause.strip()
    for tier in sorted(book.tiers, reverse=True):
        for pattern in book.tiers[tier]:
            for match in pattern.finditer(clause):
                if _is_negated(clause[: match.start()], book):
                    continue
                if tier == 2 and any(e.search(clause) for e in book.escalators):
                    return 3
                return tier
    return 0


def crisis_tier(text: str, lang: str = "en") -> int:
    book = phrase_book(lang)
    unquoted = QUOTED_SPANS.sub(" , ", normalise(text))
    return max((_clause_tier(c, book) for c in CLAUSE_BREAKS.split(unquoted) if c), default=0)


def _default_region(lang: str) -> str:
    region = country_from_locale("")
    if region in phonenumbers.SUPPORTED_REGIONS:
        return region
    return DEFAULT_REGION.get(pick_language(lang, FOLDER), "US")


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

    for match in EMAIL.finditer(text):
        add(match.start(), match.end(), "email")
    region = (region or _default_region(lang)).upper()
    for match in phonenumbers.PhoneNumberMatcher(
        text, region, leniency=phonenumbers.Leniency.VALID
    ):
        add(match.start, match.end, "phone")
    for pattern in (ADDRESS_EN, ADDRESS_ES):
        for match in pattern.finditer(text):
            add(match.start(), match.end(), "address")
    return [detail for _, detail in sorted(found, key=lambda pair: pair[0])]


def assess(text: str, lang: str = "en", region: str | None = None) -> Assessment:
    """Check a draft. `region` (ISO 3166) guides phone parsing; default: locale, then language."""
    text = text or ""
    book = phrase_book(lang)
    tier = crisis_tier(text, lang)
    return Assessment(
        tier=tier,
        reason=book.reasons.get(tier, ""),
        personal=personal_details(text, lang, region),
    )
