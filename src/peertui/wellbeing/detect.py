"""On-device checks of a draft or a received message: crisis language and personal details.

Nothing here blocks a message, and nothing leaves the function: no network, no files, no
logging. The front-end uses the result to *offer* crisis lines and the safety plan, to show a
"someone you know may be in danger" path, or to nudge before sharing personal details.

Every phrase book (`data/detect/<lang>.toml`) runs on every message whatever the interface
language, because people write in the language they think in. Each category's patterns are
tried only when its required literals occur in the message (an Aho-Corasick prefilter, see
`prefilter`). A match is then checked against guards that look only at its own
clause (split on punctuation, commas and conjunctions): a negator just before it, a speech
frame ("my boss told me ...") before it, media or news words, or a recovery story. Figures of
speech and quoted words are blanked out first; a close person's quoted words count as worry
about that person.

A small learned model (`model`, a linear model over hashed word and character n-grams, trained
offline on the development data) gives a second opinion on the whole message: it offers help on
its own when it is confident, and drops a phrase-book match in a message it finds clearly safe.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from peertui.wellbeing._data import available_languages, load_toml, pick_language
from peertui.wellbeing.model import shipped_model
from peertui.wellbeing.personal import PersonalDetail, personal_details
from peertui.wellbeing.prefilter import PatternSet, gate

FOLDER = "detect"
NEGATION_WINDOW = 4  # words before a phrase in which a negator cancels it

# Category -> tier, most urgent first; the first match in this order wins within a clause.
CATEGORY_TIERS = {
    "act_in_progress": 3,
    "means_at_hand": 3,
    "goodbye": 3,
    "plan_time": 3,
    "active_intent": 2,
    "slang": 2,
    "self_harm": 2,
    "passive_ideation": 1,
    "hopelessness": 1,
}
ESCALATING = frozenset({"active_intent", "slang", "self_harm"})
THIRD_PARTY = "third_party"
# The model alone offers help only on a message of at least this many words. Its evidence in a
# one- to three-word message is one or two word weights, so "dos", "ya" or "to" scored as high
# as a plain statement of intent; a short crisis message is the phrase books' to find
# ("kms", "quiero morirme"), and they still do.
LEARNED_MIN_WORDS = 4
_WORD = re.compile(r"[^\W\d_]+")
LEARNED = "learned"  # the model alone: no phrase book names what it is, so the mildest tier
# The model never cancels an act in progress (as a recovery story never does): missing one is
# the worst error, and "my therapist says I'm making progress, but I just swallowed..." reads safe.
# Nor a goodbye, a means at hand, passive ideation or hopelessness: out of fold on the development
# data its veto dropped 15 true goodbyes for 8 false ones, and 21 true wishes, hopelessness and
# means for 2 false ones; for the other categories it saves about as many false offers as it loses.
NEVER_VETOED = frozenset(
    {
        "act_in_progress",
        "goodbye",
        "means_at_hand",
        "passive_ideation",
        "hopelessness",
        "third_party",
    }
)
NOT_RECOVERY_GUARDED = frozenset({"act_in_progress"})
# With company, coffee or a camera, a high place (or going there tomorrow) is not a danger.
LEISURE_GUARDED = frozenset({"act_in_progress", "means_at_hand", "plan_time"})
# A joking "lol" never cancels an act, a means at hand, or slang (slang is often said with one).
NOT_JOKED_AWAY = frozenset({"act_in_progress", "means_at_hand", "slang"})
# "my friend", "mi hermana", "minha mãe": a person of the writer's own, not advice in general.
OWN_PERSON = re.compile(r"\b(my|our|mi|mis|nuestr[oa]s?|minha|meu|minhas|meus|nossa|nosso)\b")
RELAPSE = re.compile(
    r"\b(again|relaps\w*|reca[iy]\w*|volvi a|otra vez|voltei a|de novo|de nuevo)\b"
)

ARTICLES = frozenset(
    {"the", "a", "an", "el", "la", "los", "las", "un", "una", "o", "os", "as", "um"}
)
QUOTED_SPANS = re.compile(r'"[^"]*"|«[^»]*»|(?<![a-z])\'[^\']{2,}?\'(?![a-z])')
# Clauses end at punctuation and at conjunctions; guards look only at a match's own clause.
CLAUSE_BREAKS = re.compile(
    r"[.!?;\n,]+|\s[-–—]\s|:\s|\b(?:and|but|so|because|cause|then|although|though|while|"
    r"y|e|pero|porque|aunque|luego|mientras|pues|asi que|mas|porem|entao|enquanto|embora)\b"
)
WORD = re.compile(r"[a-z0-9']+")
SPACES = re.compile(r"[ \t]+")
QUOTE_MARKS = str.maketrans("‘’“”´", "''\"\"'")
# Chat spellings written one way before matching, so phrase books need only one spelling:
# missing apostrophes, "gonna", text-speak. Only words that mean the same in every language.
SPELLINGS = {
    "im": "i'm",
    "ive": "i've",
    "dont": "don't",
    "cant": "can't",
    "didnt": "didn't",
    "doesnt": "doesn't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "wouldnt": "wouldn't",
    "couldnt": "couldn't",
    "shouldnt": "shouldn't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "wont": "won't",
    "whats": "what's",
    "thats": "that's",
    "theres": "there's",
    "youre": "you're",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "got to",
    "u": "you",
    "ur": "your",
    "tonite": "tonight",
    "2nite": "tonight",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmrow": "tomorrow",
    "2morrow": "tomorrow",
    "pls": "please",
    "plz": "please",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "cos": "because",
    "idk": "i don't know",
    "q": "que",
    "k": "que",
    "xq": "porque",
    "pq": "porque",
    "porq": "porque",
    "vc": "voce",
    "vcs": "voces",
    "hj": "hoje",
    # Common typos of the words the phrase books are built on.
    "werent": "weren't",
    "arent": "aren't",
    "wana": "want to",
    "wnna": "want to",
    "gona": "going to",
    "nite": "night",
    "lastnight": "last night",
    "pils": "pills",
    "sucidal": "suicidal",
    "suicdal": "suicidal",
    "suisidal": "suicidal",
    "suicidial": "suicidal",
    "suicidel": "suicidal",
    "sucidial": "suicidal",
    "sucide": "suicide",
    "suicde": "suicide",
    "suiside": "suicide",
    "sucidio": "suicidio",
    "suisidio": "suicidio",
    "qiero": "quiero",
    "kiero": "quiero",
    "qero": "quero",
    "qro": "quero",
    "kero": "quero",
    "pastis": "pastillas",
    "dnv": "de novo",
    "gnt": "gente",
    "oq": "o que",
    "cmg": "comigo",
    "vdd": "verdade",
    "pfv": "por favor",
    "pfvr": "por favor",
}
SPELLING_WORDS = re.compile(r"\b(" + "|".join(sorted(SPELLINGS, key=len, reverse=True)) + r")\b")
# Every spelling is one run of word characters, so SPELLING_WORDS matches exactly the runs that
# are one of them: finding the runs (one pass in C) and looking them up first skips the
# alternation of 76 words tried at every word boundary, three quarters of `normalise`'s time,
# in the many messages that use none of them.
assert all(re.fullmatch(r"\w+", word) for word in SPELLINGS)
WORD_RUNS = re.compile(r"\w+")
SPELLING_SET = frozenset(SPELLINGS)
# "ill"/"id" are words of their own; only before a verb do they mean "i'll"/"i'd".
I_WILL = re.compile(
    r"\b(ill|id)(?= (just |really |finally |never |probably )?(be|do|go|wait|kill|end|take|jump|"
    r"try|make|see|have|rather|die|say|leave|hurt|cut|never|want|like|love|miss|sleep)\b)"
)
CONTRACTIONS = (
    (re.compile(r"\bi am\b"), "i'm"),
    (re.compile(r"\b(my|your|him|her|it) self\b"), r"\1self"),
    (re.compile(r"\bthem selves\b"), "themselves"),
    (re.compile(r"\botra ves\b"), "otra vez"),
    # Chat Portuguese "n" for "não", only before a verb or "é" (English "rock n roll" stays).
    (
        re.compile(
            r"\bn(?= (quero|queria|aguento|consigo|sei|tenho|vou|posso|to|estou|acordar|acordo|"
            r"vejo|da|e|tem|faz|quer|gosto|ligo|importa|mereco|existo|aguentar|durmo|sinto)\b)"
        ),
        "nao",
    ),
)

# Most messages hold none of a rewrite's literals ("i am", "self"): skip its regex then.
I_WILL_GATE = gate(I_WILL)
CONTRACTION_GATES = tuple((pattern, spelled, gate(pattern)) for pattern, spelled in CONTRACTIONS)


@dataclass(frozen=True)
class Assessment:
    tier: int  # 0 none, 1 passive ideation or hopelessness, 2 intent, 3 act/means/plan/goodbye
    reason: str  # one sentence in the interface language; empty when tier is 0
    personal: list[PersonalDetail] = field(default_factory=list)
    category: str = ""  # a CATEGORY_TIERS key, "third_party" or "learned"; empty when tier is 0
    who: str = ""  # "self", "other" (someone the writer knows) or "" when tier is 0

    @property
    def offers_support(self) -> bool:
        return self.tier > 0

    @property
    def most_urgent(self) -> bool:
        return self.tier >= 3

    @property
    def about_someone_else(self) -> bool:
        return self.who == "other"


@dataclass(frozen=True)
class PhraseBook:
    lang: str
    reasons: dict[str, str]
    patterns: PatternSet  # every category's patterns, prefiltered together
    categories: tuple[str, ...]  # the category of each pattern, by index


@dataclass(frozen=True)
class Guards:
    """Every language's guards together: an English idiom stays an idiom for every book."""

    negators: frozenset[str]
    negation_exempt: frozenset[str]
    reporting: re.Pattern
    media: re.Pattern
    helping: re.Pattern
    recovery: re.Pattern
    milestones: re.Pattern  # recovered since: wins even over "again" or "relapsed"
    leisure: re.Pattern  # on the roof having coffee: a place, not a danger (acts and means)
    jokes: re.Pattern  # lol, jaja, kkk: a joking register for the whole message...
    serious: re.Pattern  # ...unless the writer says they mean it ("not joking", "en serio")
    stories: re.Pattern  # "that was 2020", "I'm still here": the whole message is a story
    advice_openers: re.Pattern  # "remember:", "recordatorio:": the message gives advice
    casual_goodbyes: re.Pattern  # "bye, logging off for the night", moving out: not a farewell
    idioms: PatternSet
    escalators: re.Pattern
    quote_frames: re.Pattern


@dataclass(frozen=True)
class Register:
    """What the whole message says about every match in it."""

    joking: bool = False
    story: bool = False
    advice: bool = False
    casual_goodbye: bool = False


@dataclass(frozen=True)
class Finding:
    tier: int
    category: str
    who: str


NOTHING = Finding(0, "", "")


CONCEPT = re.compile(r"\{([A-Z_]+)\}")


def expand(pattern: str, concepts: dict[str, str]) -> str:
    """`{NAME}` in a pattern stands for the concept NAME (a word list)."""
    return CONCEPT.sub(lambda m: f"(?:{concepts[m.group(1)]})", pattern)


def _combined(patterns: list[str]) -> re.Pattern:
    """One pattern for a guard list (guards run only on a match's clause, so they are cheap)."""
    if not patterns:
        return re.compile(r"$^")
    return re.compile("|".join(f"(?:{p})" for p in patterns))


@cache
def phrase_book(lang: str) -> PhraseBook:
    code = pick_language(lang, FOLDER)
    raw = load_toml(f"{FOLDER}/{code}.toml")
    concepts = dict(raw.get("concepts", {}))
    pairs = [(name, expand(p, concepts)) for name, items in raw["patterns"].items() for p in items]
    return PhraseBook(
        lang=code,
        reasons=dict(raw["reasons"]),
        patterns=PatternSet(pattern for _, pattern in pairs),
        categories=tuple(name for name, _ in pairs),
    )


@cache
def all_phrase_books() -> tuple[PhraseBook, ...]:
    return tuple(phrase_book(code) for code in sorted(available_languages(FOLDER)))


@cache
def guards() -> Guards:
    raws = [load_toml(f"{FOLDER}/{code}.toml")["guards"] for code in available_languages(FOLDER)]

    def merged(key: str) -> re.Pattern:
        return _combined([p for raw in raws for p in raw.get(key, [])])

    return Guards(
        negators=frozenset(w for raw in raws for w in raw["negators"]),
        negation_exempt=frozenset(w for raw in raws for w in raw["negation_exempt"]),
        reporting=merged("reporting"),
        media=merged("media"),
        helping=merged("helping"),
        recovery=merged("recovery"),
        milestones=merged("milestones"),
        leisure=merged("leisure"),
        jokes=merged("jokes"),
        serious=merged("serious"),
        stories=merged("stories"),
        advice_openers=merged("advice_openers"),
        casual_goodbyes=merged("casual_goodbyes"),
        idioms=PatternSet(p for raw in raws for p in raw.get("idioms", [])),
        escalators=merged("escalators"),
        quote_frames=merged("quote_frames"),
    )


def normalise(text: str) -> str:
    """Lower case, straight quotes, no accents, common contractions spelled one way."""
    if text.isascii():  # most chat: NFKC, NFKD and the quote marks change nothing in ASCII
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKC", text).lower()
        text = text.translate(QUOTE_MARKS)
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    if "  " in text or "\t" in text:  # (else every run is one space, written as one space)
        text = SPACES.sub(" ", text)
    if not SPELLING_SET.isdisjoint(WORD_RUNS.findall(text)):
        text = SPELLING_WORDS.sub(lambda m: SPELLINGS[m.group(1)], text)
    if I_WILL_GATE(text):
        text = I_WILL.sub(lambda m: "i'll" if m.group(1) == "ill" else "i'd", text)
    for pattern, spelled, could_match in CONTRACTION_GATES:
        if could_match(text):
            text = pattern.sub(spelled, text)
    return text


def _is_negated(before: str, book: Guards) -> bool:
    # Articles do not count towards the window: "no estoy pensando en el suicidio".
    words = [w for w in WORD.findall(before) if w not in ARTICLES][-NEGATION_WINDOW:]
    for index, word in enumerate(words):
        if word in book.negators:
            following = words[index + 1] if index + 1 < len(words) else ""
            if following not in book.negation_exempt:
                return True
    return False


def _blank_idioms(text: str, idioms: PatternSet) -> str:
    """Figures of speech become spaces (same length, so positions stay where they were)."""
    for index in idioms.candidates(text):
        text = idioms.pattern(index).sub(lambda m: " " * len(m.group(0)), text)
    return text


def _clause_start(sentence: str, position: int) -> int:
    start = 0
    for brk in CLAUSE_BREAKS.finditer(sentence, 0, position):
        if brk.end() <= position:
            start = brk.end()
    return start


def _clause_end(sentence: str, position: int) -> int:
    brk = CLAUSE_BREAKS.search(sentence, position)
    return brk.start() if brk else len(sentence)


def _sentence_finding(sentence: str, book: PhraseBook) -> Finding:
    """The most urgent guarded match in a whole message (patterns may span its sentences)."""
    return _blanked_finding(_blank_idioms(sentence, guards().idioms), book)


def _blanked_finding(sentence: str, book: PhraseBook) -> Finding:
    """`_sentence_finding` of a sentence whose figures of speech are already blanked out."""
    guard = guards()
    register: Register | None = None  # read once a pattern matches: most messages match none
    best = NOTHING
    done: set[str] = set()  # categories that already gave their finding
    candidates = book.patterns.candidates(sentence)
    # Most urgent categories first, so a tier-3 finding ends the search early.
    candidates.sort(key=lambda i: -CATEGORY_TIERS.get(book.categories[i], 2))
    for index in candidates:
        category = book.categories[index]
        tier = CATEGORY_TIERS.get(category, 2)
        if category in done or tier < best.tier or best.tier == 3:
            continue
        for match in book.patterns.pattern(index).finditer(sentence):
            if register is None:
                register = _register(sentence, guard)
            found = _guarded(sentence, match, category, tier, guard, register)
            if found is None:
                continue
            if found.tier > best.tier:
                best = found
            done.add(category)
            break
    return best


def _register(sentence: str, guard: Guards) -> Register:
    return Register(
        joking=bool(guard.jokes.search(sentence)) and not guard.serious.search(sentence),
        story=bool(guard.stories.search(sentence)) and not RELAPSE.search(sentence),
        advice=guard.advice_openers.match(sentence) is not None,
        casual_goodbye=bool(guard.casual_goodbyes.search(sentence)),
    )


def _guarded(
    sentence: str,
    match: re.Match,
    category: str,
    tier: int,
    guard: Guards,
    register: Register = Register(),
) -> Finding | None:
    """The finding a match gives, or None when a guard on its own clause (or the message's
    register: joking, a story told from a safe present, advice) cancels it."""
    start = _clause_start(sentence, match.start())
    end = _clause_end(sentence, match.start())
    if match.end() > end:  # a match that runs over a break reaches to the end of that clause
        end = _clause_end(sentence, match.end())
    clause, before = sentence[start:end], sentence[start : match.start()]
    if _is_negated(before, guard) or guard.media.search(clause):
        return None
    # Advice to others never cancels worry about a named person ("my friend is talking about suicide").
    own_person = category == THIRD_PARTY and OWN_PERSON.search(match.group(0)) is not None
    advice = register.advice or guard.helping.search(clause)
    if advice and tier < 3 and not own_person:
        return None
    if register.joking and category not in NOT_JOKED_AWAY:
        return None
    if register.story and category not in NOT_RECOVERY_GUARDED:
        return None
    if register.casual_goodbye and category == "goodbye":
        return None
    if category in LEISURE_GUARDED and guard.leisure.search(clause):
        return None
    if category != THIRD_PARTY and guard.reporting.search(before):
        return None
    if category not in NOT_RECOVERY_GUARDED:
        if guard.milestones.search(clause):
            return None
        relapse = RELAPSE.search(clause) is not None
        if not relapse and guard.recovery.search(clause):
            return None
    escalated = guard.escalators.search(clause) is not None
    if category == THIRD_PARTY:
        return Finding(3 if escalated else 2, THIRD_PARTY, "other")
    if category in ESCALATING and escalated:
        return Finding(3, category, "self")
    return Finding(tier, category, "self")


@dataclass(frozen=True)
class _Texts:
    """What of a message the phrase books read, the same for every book: each part stripped,
    its figures of speech blanked out, None when nothing is left to read."""

    quoted: tuple[str | None, ...]  # the words of people quoted with a frame ("my dad said '...'")
    outside: str | None  # the rest, the quotes cut out


def _readable(text: str) -> str | None:
    text = text.strip()
    return _blank_idioms(text, guards().idioms) if text else None


def _texts(normalised: str) -> _Texts:
    guard = guards()
    spans = list(QUOTED_SPANS.finditer(normalised))  # most messages quote nothing
    # A joking message ("my dad said 'I'd rather die than retire' lol") is no one's worry.
    joking = spans and guard.jokes.search(normalised) and not guard.serious.search(normalised)
    quoted = []
    for span in () if joking else spans:
        frame = normalised[max(0, span.start() - 80) : span.start()]
        if guard.quote_frames.search(frame) and not guard.media.search(frame):
            quoted.append(_readable(span.group(0)[1:-1]))
    unquoted = QUOTED_SPANS.sub(" , ", normalised) if spans else normalised
    return _Texts(tuple(quoted), _readable(unquoted))


def _findings(texts: _Texts, book: PhraseBook) -> Finding:
    best = NOTHING
    for quoted in texts.quoted:
        inner = _blanked_finding(quoted, book) if quoted is not None else NOTHING
        if inner.tier and inner.tier > best.tier:
            best = Finding(inner.tier, THIRD_PARTY, "other")
    outside = _blanked_finding(texts.outside, book) if texts.outside is not None else NOTHING
    return outside if outside.tier >= best.tier else best


def phrase_finding(normalised: str) -> Finding:
    """The most urgent finding across every phrase book; ties prefer the writer themself."""
    best = NOTHING
    texts = _texts(normalised)  # read once, for every book
    for book in all_phrase_books():
        found = _findings(texts, book)
        if found.tier > best.tier or (found.tier == best.tier and found.who == "self" != best.who):
            best = found
    return best


def crisis_finding(text: str) -> Finding:
    """The phrase books' finding, kept only when the learned model does not find the message
    clearly safe; else the model's own finding when it is confident."""
    return normalised_finding(normalise(text or ""))


def normalised_finding(normalised: str, *, learned: bool = True) -> Finding:
    """`crisis_finding` of text already normalised (`normalise`).

    `learned=False` is for a caller with no use for the model's own finding (a reader's view
    of someone else's message, where only the phrase books may label the writer): the model
    then runs only to veto a phrase-book match, so an ordinary message skips it, and where it
    would have answered LEARNED the answer is NOTHING."""
    best = phrase_finding(normalised)
    if best.tier and best.category in NEVER_VETOED:
        return best  # whatever the model says
    if not best.tier and not learned:
        return NOTHING
    model = shipped_model()
    score = model.score(normalised)
    if best.tier:
        return best if score >= model.veto else NOTHING
    if score >= model.threshold and long_enough_for_the_model(normalised):
        return Finding(1, LEARNED, "self")
    return NOTHING


def long_enough_for_the_model(normalised: str) -> bool:
    """Whether the learned model may offer help on its own (see LEARNED_MIN_WORDS)."""
    return len(_WORD.findall(normalised)) >= LEARNED_MIN_WORDS


def crisis_tier(text: str, lang: str | None = None) -> int:
    return crisis_finding(text).tier


def assess(text: str, lang: str | None = None, region: str | None = None) -> Assessment:
    """Check a draft. `lang` is the interface language for the reason; `region` guides phones."""
    text = text or ""
    found = crisis_finding(text)
    book = phrase_book(lang or "en")
    return Assessment(
        tier=found.tier,
        reason=book.reasons.get(found.category, "") if found.tier else "",
        personal=personal_details(text, book.lang, region),
        category=found.category,
        who=found.who,
    )
