"""How often the detector offers crisis help on ordinary talk: the false-alarm rate.

    python tests/wellbeing/ordinary_eval.py            # both probes, one JSON line per language
    python tests/wellbeing/ordinary_eval.py --misses   # ... with the sentences that fired

The held-out sets are half crisis messages, so their precision says little about a real group,
where nearly every message is ordinary: a detector that fires on one ordinary message in eight
labels a member "may be in crisis" several times an evening. Two probes, neither trained on:

- `neutral`: tests/wellbeing/data/neutral/neutral_*.txt, ordinary chat written for this (see
  that folder's README); never trained or tuned on.
- `interface`: half of the sentences and words of peertui's own interface text in the three
  languages (the msgids and the es / pt_BR translations), chosen by a hash of the text. Nobody
  wrote these to be safe or unsafe, which makes them a fair sample of neutral text. The other
  half (`interface_half(lang, trained=True)`) is ordinary text the model is trained on.
"""

from __future__ import annotations

import json
import re
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po

from peertui.wellbeing.detect import crisis_finding

ROOT = Path(__file__).resolve().parents[2]
NEUTRAL = Path(__file__).parent / "data" / "neutral"
CATALOGUES = {"es": "es", "pt": "pt_BR"}
LANGUAGES = ("en", "es", "pt")
PLACEHOLDER = re.compile(r"\{[^}]*\}|%\(\w+\)[sd]|%[sd]")
SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+|\n")
WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class Probe:
    name: str
    lang: str
    texts: tuple[str, ...]


def neutral(lang: str) -> Probe:
    path = NEUTRAL / f"neutral_{lang}.txt"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    texts = tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))
    return Probe("neutral", lang, texts)


def _catalogue_texts() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {lang: set() for lang in LANGUAGES}
    for lang, folder in CATALOGUES.items():
        path = ROOT / "src" / "peertui" / "locale" / folder / "LC_MESSAGES" / "peertui.po"
        with path.open("rb") as handle:
            catalogue = read_po(handle)
        for message in catalogue:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            found["en"].update(ids)
            found[lang].update(s for s in strings if s)
    return found


def interface_half(lang: str, *, trained: bool) -> tuple[str, ...]:
    """One half of the interface text: the trained half, or the held-out half."""
    pieces: set[str] = set()
    for text in _catalogue_texts()[lang]:
        for piece in SENTENCE_END.split(PLACEHOLDER.sub("x", text)):
            piece = piece.strip()
            if len(piece) > 2:
                pieces.add(piece)
            pieces.update(word.lower() for word in WORD.findall(piece))
    wanted = 0 if trained else 1
    return tuple(sorted(p for p in pieces if zlib.crc32(p.encode("utf-8")) % 2 == wanted))


def interface(lang: str) -> Probe:
    return Probe("interface", lang, interface_half(lang, trained=False))


def fired(probe: Probe) -> list[str]:
    return [text for text in probe.texts if crisis_finding(text).tier]


def measure(probe: Probe, *, with_misses: bool = False) -> dict:
    hits = fired(probe)
    result: dict = {
        "probe": probe.name,
        "lang": probe.lang,
        "n": len(probe.texts),
        "false_alarms": len(hits),
        "rate": round(len(hits) / len(probe.texts), 4) if probe.texts else 0.0,
    }
    if with_misses:
        result["fired"] = hits
    return result


if __name__ == "__main__":
    for language in LANGUAGES:
        for make in (neutral, interface):
            probe = make(language)
            if probe.texts:
                print(
                    json.dumps(
                        measure(probe, with_misses="--misses" in sys.argv), ensure_ascii=False
                    )
                )
