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

MAGIC = b"PTDM1\n"
HEADER = struct.Struct("<6sIffff")  # magic, bits, bias, scale, offer threshold, veto threshold
# Words, and punctuation marks but the comma: "?" and "..." carry tone, while a comma was
# learnt as strong evidence of safety ("I'm not ok, I want to die" scored as safe).
TOKEN = re.compile(r"[a-z0-9']+|[^\sa-z0-9',]")
CHAR_SIZES = (3, 4, 5)
MIN_CHAR_WORD = 4
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


def features(normalised: str) -> set[str]:
    """Word unigrams and bigrams, and character 3–5-grams inside each word of 4+ letters
    (with its edges). Short words and grams across words are left to the word features:
    otherwise "is", "to" and "and" become diffuse evidence that long messages carry."""
    words = TOKEN.findall(normalised)
    found = {"w:" + w for w in words}
    found.update("b:" + a + " " + b for a, b in zip(words, words[1:], strict=False))
    for word in words:
        if len(word) < MIN_CHAR_WORD:
            continue
        padded = " " + word + " "
        for size in CHAR_SIZES:
            found.update("c:" + padded[i : i + size] for i in range(len(padded) - size + 1))
    return found


def buckets(normalised: str, bits: int) -> set[int]:
    """The hash buckets of `features(normalised)`, built word by word from a cache: chat
    repeats its words, and hashing each word's dozen n-grams again was most of a score.
    A set of buckets is a union over words (plus the bigrams), so the answer is the same as
    hashing the whole feature set (`tests/wellbeing/test_matching_equivalence.py`)."""
    words = TOKEN.findall(normalised)
    found: set[int] = set().union(*[_word_buckets(word, bits) for word in words])
    found.update(map(_bigram_bucket, words, words[1:], [bits] * (len(words) - 1)))
    return found


def _hash(feature: str, bits: int) -> int:
    return zlib.crc32(feature.encode("utf-8")) & ((1 << bits) - 1)


@lru_cache(maxsize=1 << 16)
def _bigram_bucket(first: str, second: str, bits: int) -> int:
    return _hash(f"b:{first} {second}", bits)


@lru_cache(maxsize=1 << 16)
def _word_buckets(word: str, bits: int) -> frozenset[int]:
    """One word's unigram and character n-gram buckets (as `features` makes them)."""
    grams = {"w:" + word}
    if len(word) >= MIN_CHAR_WORD:
        padded = " " + word + " "
        for size in CHAR_SIZES:
            grams.update("c:" + padded[i : i + size] for i in range(len(padded) - size + 1))
    return frozenset(_hash(gram, bits) for gram in grams)


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
