"""The held-out corpus holds the detector's figures: development sets (tuned on) and the blind
frozen sets (never tuned on: frozen2_en/es/pt and frozen_pt).

Blind figures are asserted only in aggregate, so a failure never shows a blind sentence. The
floors are the figures measured once, at the commit named in docs/WELLBEING.md, rounded down:
a change that loses recall or precision there fails here. docs/WELLBEING.md publishes the same
figures; a test keeps the two in step.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from heldout_eval import URGENT, is_blind, load, measure

DOCS = Path(__file__).resolve().parents[2] / "docs" / "WELLBEING.md"
# | frozen2 | en | 0.9 | 0.85 | ... : split, language, precision, recall of any offer.
DOC_ROW = re.compile(
    r"^\|\s*(dev|frozen|frozen2|tuning)\s*\|\s*(en|es|pt)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|",
    re.M,
)


def floor(precision: float, recall: float, act: float, goodbye: float) -> dict[str, float]:
    return {"precision": precision, "recall": recall, "act_in_progress": act, "goodbye": goodbye}


FLOORS = {
    # Development data: tuned on, so these only guard against regressions.
    ("dev", "en"): floor(0.99, 0.99, 1.0, 1.0),
    ("dev", "es"): floor(0.99, 0.99, 1.0, 1.0),
    ("dev", "pt"): floor(0.99, 0.99, 1.0, 1.0),
    ("frozen", "en"): floor(0.99, 0.98, 1.0, 1.0),  # v1, spent: development data now
    ("frozen", "es"): floor(0.99, 0.99, 1.0, 1.0),  # v1, spent: development data now
    ("tuning", "en"): floor(0.98, 0.98, 1.0, 1.0),  # the tuner's own probe rounds
    ("tuning", "es"): floor(0.99, 0.99, 1.0, 1.0),
    ("tuning", "pt"): floor(0.99, 0.99, 1.0, 1.0),
    # Blind sets, measured once after tuning ended (commit 3008f21, 2026-12-01 12:54 UTC; see
    # docs/WELLBEING.md): the achieved figures rounded down. Below issue 15's targets (recall
    # 0.85 at precision 0.90, acts and goodbyes 0.9), and reported as such.
    ("frozen2", "en"): floor(0.87, 0.66, 0.64, 0.57),
    ("frozen2", "es"): floor(0.91, 0.70, 0.83, 0.54),
    ("frozen2", "pt"): floor(0.88, 0.70, 0.90, 0.40),
    ("frozen", "pt"): floor(0.87, 0.71, 0.87, 0.62),
}


@pytest.mark.parametrize(("split", "lang"), sorted(FLOORS))
def test_figures_hold_their_floor(split, lang):
    result = measure(split, lang)
    wanted = FLOORS[(split, lang)]
    assert result["precision"] >= wanted["precision"], (split, lang, result["precision"])
    assert result["recall"] >= wanted["recall"], (split, lang, result["recall"])
    for category in ("act_in_progress", "goodbye"):
        got = result["categories"][category]["recall"]
        assert got >= wanted[category], (split, lang, category, got)


def test_published_figures_are_the_measured_ones():
    published = {
        (s, lang): (float(p), float(r)) for s, lang, p, r in DOC_ROW.findall(DOCS.read_text())
    }
    assert set(published) == set(FLOORS)
    for (split, lang), (precision, recall) in published.items():
        result = measure(split, lang)
        assert (result["precision"], result["recall"]) == (precision, recall), (split, lang)


def test_blind_sets_are_never_shown_sentence_by_sentence():
    for split, lang in (("frozen2", "en"), ("frozen2", "es"), ("frozen2", "pt"), ("frozen", "pt")):
        assert is_blind(split, lang)
        with pytest.raises(ValueError, match="never shown"):
            measure(split, lang, with_misses=True)
    # The spent v1 sets and the development sets may be shown, to tune on.
    for split, lang in (("frozen", "en"), ("frozen", "es"), ("dev", "pt"), ("tuning", "en")):
        assert not is_blind(split, lang)
        assert "misses" in measure(split, lang, with_misses=True)


def test_blind_sets_are_big_and_varied_enough():
    for split, lang, minimum in (
        ("frozen2", "en", 250),
        ("frozen2", "es", 180),
        ("frozen2", "pt", 160),
        ("frozen", "pt", 150),
    ):
        rows = load(split, lang)
        assert len(rows) >= minimum
        assert {row.category for row in rows} >= set(URGENT) | {"recovery_story", "idiom"}
