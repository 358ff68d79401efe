"""Measure the crisis-language detector on the hand-written evaluation table.

Run `python tests/wellbeing/detect_eval.py` to print precision and recall per tier as JSON
(and the misses with --misses); the test suite holds the numbers at or above those
published in docs/WELLBEING.md.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from peertui.wellbeing.detect import assess

TABLE = Path(__file__).parent / "data" / "detect_eval.tsv"
TIERS = (0, 1, 2, 3)


@dataclass(frozen=True)
class Case:
    lang: str
    expected: int
    category: str
    text: str


def load_cases() -> list[Case]:
    cases = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lang, expected, category, text = line.split("\t")
        cases.append(Case(lang, int(expected), category, text))
    return cases


def measure(lang: str) -> dict:
    cases = [c for c in load_cases() if c.lang == lang]
    predicted = [assess(c.text, lang).tier for c in cases]
    per_tier = {}
    for tier in TIERS:
        hits = sum(1 for c, p in zip(cases, predicted, strict=True) if p == tier == c.expected)
        said = sum(1 for p in predicted if p == tier)
        truth = sum(1 for c in cases if c.expected == tier)
        per_tier[tier] = {
            "precision": round(hits / said, 3) if said else 1.0,
            "recall": round(hits / truth, 3) if truth else 1.0,
            "support": truth,
        }
    misses = [
        {"text": c.text, "expected": c.expected, "got": p, "category": c.category}
        for c, p in zip(cases, predicted, strict=True)
        if p != c.expected
    ]
    return {"lang": lang, "cases": len(cases), "tiers": per_tier, "misses": misses}


if __name__ == "__main__":
    for language in ("en", "es"):
        result = measure(language)
        if "--misses" not in sys.argv:
            result.pop("misses")
        print(json.dumps(result, ensure_ascii=False))
