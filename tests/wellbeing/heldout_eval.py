"""Measure the detector on the held-out corpus (tests/wellbeing/data/heldout/, see its README).

    python tests/wellbeing/heldout_eval.py dev             # figures for dev_en, dev_es, dev_pt
    python tests/wellbeing/heldout_eval.py dev --misses    # and every miss, to tune on
    python tests/wellbeing/heldout_eval.py frozen          # frozen_en/es/pt (v1, spent)
    python tests/wellbeing/heldout_eval.py frozen2         # frozen2_en/es/pt (v2, spent)
    python tests/wellbeing/heldout_eval.py frozen3         # frozen3_en/es/pt (v3, spent)
    python tests/wellbeing/heldout_eval.py frozen4         # frozen4_en/es/pt (v4, spent)
    python tests/wellbeing/heldout_eval.py frozen5         # frozen5_en/es/pt (v5, spent)
    python tests/wellbeing/heldout_eval.py frozen6         # frozen6_en/es/pt (v6, spent)
    python tests/wellbeing/heldout_eval.py frozen7         # frozen7_en/es/pt (v7, spent)
    python tests/wellbeing/heldout_eval.py dev7            # dev7_en/es/pt (development)
    python tests/wellbeing/heldout_eval.py frozen8         # frozen8_en/es/pt (v8, spent)
    python tests/wellbeing/heldout_eval.py frozen9         # frozen9_en/es/pt (v9, spent)
    python tests/wellbeing/heldout_eval.py dev9            # dev9_en/es/pt (tuner-written, development)
    python tests/wellbeing/heldout_eval.py frozen14 --blind # a blind set: aggregates only

Spent sets were reported once and are development data now (they may be shown with
--misses): frozen_en/es (v1, detector at commit 1eff70c), frozen_pt and frozen2_en/es/pt
(detector at commit 3008f21, 2026-12-01), frozen3_en/es/pt (detector at commit dafd4fd,
2026-12-01 15:37 UTC), frozen4_en/es/pt (detector at commit 3b1e04d, 2026-12-01 16:16 UTC), frozen5_en/es/pt (main at
0958772, measured by the lead 2026-12-01 19:31 UTC), frozen6_en/es/pt (main at 1474db6, measured
by the lead 2026-12-01 22:07 UTC), frozen7_en/es/pt (main at f576a34, measured by the lead
2026-12-02 03:14 UTC),
frozen8_en/es/pt (main at c93f233,
measured by the lead 2026-12-02 03:57 UTC), frozen9_en/es/pt (main at 9b6e020, measured by the
lead 2026-12-02 06:56 UTC). The list is tests/wellbeing/spent_sets.py, shared with
tools/train_detector.py.
Every other frozen set (frozen14_* and any later one) is blind, by its name alone, and never
tuned on: for it
this script prints only aggregate figures and refuses --misses, so no blind sentence is ever
shown to whoever tunes the detector; it is measured only when --blind is given, so a tuning
run never measures it by accident.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from spent_sets import SPENT_FROZEN

from peertui.wellbeing.detect import assess

FOLDER = Path(__file__).parent / "data" / "heldout"
LANGUAGES = ("en", "es", "pt")
URGENT = ("act_in_progress", "means_at_hand", "plan_time", "goodbye")
# The spent frozen sets: one list, shared with tools/train_detector.py (spent_sets.py).
SPENT = frozenset((split, lang) for split in SPENT_FROZEN for lang in LANGUAGES)


@dataclass(frozen=True)
class Row:
    offer: bool
    urgency: int
    who: str
    category: str
    text: str


def is_blind(split: str, lang: str) -> bool:
    """A set nobody tuning the detector may read: every frozen set not yet spent."""
    return split.startswith("frozen") and (split, lang) not in SPENT


def available(split: str) -> list[str]:
    return [lang for lang in LANGUAGES if (FOLDER / f"{split}_{lang}.tsv").exists()]


def load(split: str, lang: str) -> list[Row]:
    rows = []
    path = FOLDER / f"{split}_{lang}.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        offer, urgency, who, category, text = line.split("\t")
        rows.append(Row(offer == "1", int(urgency), who, category, text))
    return rows


def _ratio(hits: int, total: int) -> float:
    return round(hits / total, 3) if total else 1.0


def measure(split: str, lang: str, *, with_misses: bool = False) -> dict:
    if with_misses and is_blind(split, lang):
        raise ValueError(f"the blind set {split}_{lang} is never shown sentence by sentence")
    rows = load(split, lang)
    said = [assess(row.text, lang).offers_support for row in rows]
    pairs = list(zip(rows, said, strict=True))
    true_pos = sum(1 for row, got in pairs if got and row.offer)
    offered = sum(said)
    positives = sum(1 for row in rows if row.offer)
    per_category = {}
    for category in sorted({row.category for row in rows}):
        mine = [(row, got) for row, got in pairs if row.category == category]
        positive = mine[0][0].offer
        hits = sum(1 for row, got in mine if got == positive)
        key = "recall" if positive else "no_false_offer"
        per_category[category] = {key: _ratio(hits, len(mine)), "n": len(mine)}
    result = {
        "split": split,
        "lang": lang,
        "rows": len(rows),
        "precision": _ratio(true_pos, offered),
        "recall": _ratio(true_pos, positives),
        "false_offer_rate": _ratio(offered - true_pos, len(rows) - positives),
        "categories": per_category,
    }
    if with_misses:
        result["misses"] = [
            {"expected": row.offer, "category": row.category, "text": row.text}
            for row, got in pairs
            if got != row.offer
        ]
    return result


if __name__ == "__main__":
    chosen = sys.argv[1] if len(sys.argv) > 1 else "dev"
    for language in available(chosen):
        if is_blind(chosen, language) and "--blind" not in sys.argv:
            continue
        misses = "--misses" in sys.argv and not is_blind(chosen, language)
        print(json.dumps(measure(chosen, language, with_misses=misses), ensure_ascii=False))
