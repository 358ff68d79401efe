"""A small learned second opinion for the phrase books: a linear model over hashed word and
character n-grams of the normalised text.

Why: the phrase books (`detect.py`) match families of wording, and every new writer brings
wordings none of them has (blind recall ≈ 0.7). A linear model over character n-grams
generalises across spellings, inflections and the three languages at once. It is trained
offline by `tools/train_detector.py` on the development data only, and shipped as weights in
`data/detect/model.bin`; inference here is plain Python (crc32 from the standard library, a
few hundred table look-ups), deterministic and offline. It reads its one data file the first
time it is used and never writes, logs or touches the network.

The feature function below is the one the trainer imports, so training and inference cannot
drift apart.
"""

from __future__ import annotations

import math
import re
import struct
import zlib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

# PTDM3: the features of the detector10 round (goodbye-structure cues added, `cue_features`);
# PTDM2 was the detector7 round's (light stems and word trigrams). An older file's weights were
# learnt on other buckets, so it is refused rather than misread.
MAGIC = b"PTDM3\n"
HEADER = struct.Struct("<6sIffff")  # magic, bits, bias, scale, offer threshold, veto threshold
# Words, and punctuation marks but the comma: "?" and "..." carry tone, while a comma was
# learnt as strong evidence of safety ("I'm not ok, I want to die" scored as safe).
TOKEN = re.compile(r"[a-z0-9']+|[^\sa-z0-9',]")
CHAR_SIZES = (3, 4, 5)
MIN_CHAR_WORD = 4
# A lemma-light form of a word: one common English, Spanish or Portuguese ending cut off
# ("goodbyes", "despidiendo", "despedindo" -> near their stem), longest ending first, keeping at
# least three letters. Not a stemmer for any one language: a cheap way for "arranged",
# "arranging" and "arrangements" to share evidence that only one of them had in training.
SUFFIXES = tuple(
    sorted(
        [
            "s",
            "es",
            "ing",
            "ings",
            "ed",
            "ly",
            "ness",
            "ment",
            "ments",
            "iendo",
            "ando",
            "ndo",
            "ado",
            "ada",
            "ados",
            "adas",
            "ido",
            "ida",
            "idos",
            "idas",
            "mos",
            "amos",
            "emos",
            "imos",
            "aba",
            "aban",
            "ían",
            "ía",
            "ción",
            "ciones",
            "ção",
            "ções",
            "mente",
            "ar",
            "er",
            "ir",
            "aste",
            "iste",
            "ou",
            "ei",
            "ão",
            "am",
            "em",
        ],
        key=len,
        reverse=True,
    )
)


# What a goodbye is made of, whatever its wording (issue 15, detector10 round): finality, an
# arrangement or handover, words to the others, reassurance that it is nobody's fault, a time,
# absence. Blind goodbyes came in new shapes every round and phrase lists tuned on one set's
# misses did not carry to the next; a word here only says which *part* of that structure it is,
# and the model learns from every set how much each part and each pair of parts weighs
# (recovery and past-time cues likewise, against them). Written from the structure, not from any
# set's sentences; normalised spellings (lower case, no accents), whole words, all languages.
def _words(*lines: str) -> tuple[str, ...]:
    return tuple(" ".join(lines).split())


CUE_WORDS: dict[str, tuple[str, ...]] = {
    "final": _words(
        "last final forever goodbye goodbyes bye farewell anymore ultima ultimo ultimas ",
        "ultimos siempre adios despedida despedirme despido despidiendo fin jamas sempre ",
        "adeus fim despedir despeco despedindo nunca never end over done good quiet",
    ),
    "arrange": _words(
        "gave given giving note notes letter letters envelope envelopes will password ",
        "passwords keys key box boxed labels labelled sorted arranged arrangements paid debts ",
        "cancelled canceled donated rehomed insurance instructions papers paperwork ",
        "belongings wrote written ready order settled regale di deje carta cartas sobre ",
        "testamento contrasena contrasenas llaves caja deudas pague cancele arregle organice ",
        "escribi lista dei deixei bilhete senha senhas chaves caixa dividas paguei cancelei ",
        "organizei escrevi pronto pronta resolvido doei papeis",
    ),
    "care": _words(
        "care after feed promise mind cuida cuiden cuidar cuidate cuidense promete prometio ",
        "cuidem cuide prometeu prometi",
    ),
    "others": _words(
        "you yall guys everyone everybody group server all thank thanks love ustedes todos ",
        "gracias chicos grupo gente vosotros obrigado obrigada voces pessoal galera amo ",
        "quiero team lot",
    ),
    "fault": _words(
        "fault blame sorry culpa perdon perdonen siento desculpa desculpem perdao failure"
    ),
    "time": _words(
        "tonight tomorrow today now soon morning friday saturday sunday noche hoy manana ",
        "ahora pronto hoje amanha agora noite logo week semana",
    ),
    "absent": _words(
        "won't gone going leave leaving back here around miss stop voy estare vuelvo extranen ",
        "vou estarei volto saudade saudades ir partir irme embora",
    ),
    "past": _words(
        "ago years used since sober clean recovered recovery glad still hace anos atras ",
        "limpio limpia sobrio alegro sigo atras limpo limpa feliz ainda continuo",
    ),
    "negated": _words("not don't no nao ni nem isn't ain't nada"),
}

# Which parts a word may be (a word can be two: Portuguese "pronto" is ready, Spanish soon).
CUES_OF: dict[str, tuple[str, ...]] = {}
for _cue, _cue_words in CUE_WORDS.items():
    for _word in _cue_words:
        CUES_OF[_word] = (*CUES_OF.get(_word, ()), _cue)
GOODBYE_PARTS = frozenset({"final", "arrange", "care", "others", "fault", "time", "absent"})
MAX_PARTS = 5


def cue_features(words: list[str]) -> set[str]:
    """Which parts of a goodbye's structure (and which counter-cues) a message has: one feature
    per part present, one per pair of parts, and how many goodbye parts (capped)."""
    return _cue_grams(sorted({cue for word in words for cue in CUES_OF.get(word, ())}))


def _cue_grams(present: list[str]) -> set[str]:
    found = {"k:" + cue for cue in present}
    found.update("kk:" + a + "+" + b for i, a in enumerate(present) for b in present[i + 1 :])
    parts = sum(1 for cue in present if cue in GOODBYE_PARTS)
    found.add(f"kn:{min(parts, MAX_PARTS)}")
    return found


MAX_CHARS = 600  # a longer message is scored on windows of this size, the highest wins


@dataclass(frozen=True)
class Model:
    bits: int
    bias: float
    scale: float  # int8 weight * scale = real weight
    threshold: float  # a score at or above this offers help on its own
    veto: float  # a phrase-book match whose message scores below this is not offered on
    weights: bytes  # one signed byte per hash bucket
    _signed: memoryview = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The same bytes read as signed: a look-up per bucket without a branch.
        object.__setattr__(self, "_signed", memoryview(self.weights).cast("b"))

    def score(self, normalised: str) -> float:
        """The log-odds that a caring app should offer help, for already normalised text."""
        if len(normalised) <= MAX_CHARS:
            return self._score(normalised)
        step = MAX_CHARS // 2
        starts = range(0, len(normalised) - step, step)
        return max(self._score(normalised[i : i + MAX_CHARS]) for i in starts)

    def _score(self, normalised: str) -> float:
        found = buckets(normalised, self.bits)
        total = sum(map(self._signed.__getitem__, found))
        # The features are a unit vector (each present bucket 1/sqrt(n)), as in training.
        return self.bias + total * self.scale / math.sqrt(len(found) or 1)

    def probability(self, normalised: str) -> float:
        return 1.0 / (1.0 + math.exp(-self.score(normalised)))


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """The lemma-light form of one word (see SUFFIXES)."""
    if len(word) <= 4:
        return word
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def features(normalised: str) -> set[str]:
    """Word unigrams, bigrams and trigrams; the unigrams and bigrams of the words' light stems
    (`stem`); and character 3–5-grams inside each word of 4+ letters (with its edges). Short
    words and grams across words are left to the word features: otherwise "is", "to" and "and"
    become diffuse evidence that long messages carry."""
    words = TOKEN.findall(normalised)
    found = {"w:" + w for w in words}
    found.update("b:" + a + " " + b for a, b in zip(words, words[1:], strict=False))
    found.update("t:" + " ".join(words[i : i + 3]) for i in range(len(words) - 2))
    stems = [stem(w) for w in words]
    found.update("s:" + w for w in stems)
    found.update("sb:" + a + " " + b for a, b in zip(stems, stems[1:], strict=False))
    for word in words:
        if len(word) < MIN_CHAR_WORD:
            continue
        padded = " " + word + " "
        for size in CHAR_SIZES:
            found.update("c:" + padded[i : i + size] for i in range(len(padded) - size + 1))
    found |= cue_features(words)
    return found


def buckets(normalised: str, bits: int) -> set[int]:
    """The hash buckets of `features(normalised)`, built word by word from a cache: chat
    repeats its words, and hashing each word's dozen n-grams again was most of a score.
    A set of buckets is a union over words (plus the bigrams), so the answer is the same as
    hashing the whole feature set (`tests/wellbeing/test_matching_equivalence.py`)."""
    words = TOKEN.findall(normalised)
    found: set[int] = set().union(*[_word_buckets(word, bits) for word in words])
    found.update(map(_bigram_bucket, words, words[1:], [bits] * (len(words) - 1)))
    stems = [stem(w) for w in words]
    found.update(_hash(f"sb:{a} {b}", bits) for a, b in zip(stems, stems[1:], strict=False))
    found.update(_hash("t:" + " ".join(words[i : i + 3]), bits) for i in range(len(words) - 2))
    present = frozenset(cue for word in words for cue in CUES_OF.get(word, ()))
    found |= _cue_buckets(present, bits)
    return found


def _hash(feature: str, bits: int) -> int:
    return zlib.crc32(feature.encode("utf-8")) & ((1 << bits) - 1)


@lru_cache(maxsize=1 << 16)
def _bigram_bucket(first: str, second: str, bits: int) -> int:
    return _hash(f"b:{first} {second}", bits)


@lru_cache(maxsize=1 << 16)
def _word_buckets(word: str, bits: int) -> frozenset[int]:
    """One word's unigram and character n-gram buckets (as `features` makes them)."""
    grams = {"w:" + word, "s:" + stem(word)}
    if len(word) >= MIN_CHAR_WORD:
        padded = " " + word + " "
        for size in CHAR_SIZES:
            grams.update("c:" + padded[i : i + size] for i in range(len(padded) - size + 1))
    return frozenset(_hash(gram, bits) for gram in grams)


@lru_cache(maxsize=1 << 12)
def _cue_buckets(present: frozenset[str], bits: int) -> frozenset[int]:
    """The buckets of `cue_features` for the cues present (few distinct sets recur)."""
    return frozenset(_hash(cue, bits) for cue in _cue_grams(sorted(present)))


def pack(model: Model) -> bytes:
    if len(model.weights) != 1 << model.bits:
        raise ValueError(f"expected {1 << model.bits} weights, got {len(model.weights)}")
    header = HEADER.pack(MAGIC, model.bits, model.bias, model.scale, model.threshold, model.veto)
    return header + zlib.compress(model.weights, 9)


def unpack(blob: bytes) -> Model:
    magic, bits, bias, scale, threshold, veto = HEADER.unpack_from(blob)
    if magic != MAGIC:
        raise ValueError("not a peertui detector model file")
    weights = zlib.decompress(blob[HEADER.size :])
    if len(weights) != 1 << bits:
        raise ValueError("the detector model file is truncated")
    return Model(bits, bias, scale, threshold, veto, weights)


@cache
def shipped_model() -> Model:
    blob = resources.files("peertui.wellbeing").joinpath("data", "detect", "model.bin")
    return unpack(blob.read_bytes())
