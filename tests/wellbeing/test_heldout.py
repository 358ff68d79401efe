"""The held-out corpus holds the detector's figures: development sets (tuned on, including the
spent frozen v1 and v2 sets) and the frozen3 set (never tuned on, measured once: now spent).

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
    r"^\|\s*(dev|dev3|frozen|frozen2|frozen3|tuning)\s*\|\s*(en|es|pt)\s*\|"
    r"\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|",
    re.M,
)


def floor(precision: float, recall: float, act: float, goodbye: float) -> dict[str, float]:
    return {"precision": precision, "recall": recall, "act_in_progress": act, "goodbye": goodbye}


FLOORS = {
    # Development data (tuned on, and the learned model is trained on all of it): these only
    # guard against regressions. The honest figures are the cross-validated ones in
    # docs/WELLBEING.md (tools/train_detector.py --cv-only) and the blind frozen3 ones.
    ("dev", "en"): floor(0.99, 0.99, 1.0, 1.0),
    ("dev", "es"): floor(0.99, 0.99, 1.0, 1.0),
    ("dev", "pt"): floor(0.99, 0.99, 1.0, 1.0),
    ("dev3", "en"): floor(0.97, 0.96, 1.0, 0.91),
    ("dev3", "es"): floor(0.98, 0.99, 1.0, 0.95),
    ("dev3", "pt"): floor(0.99, 0.99, 1.0, 1.0),
    ("frozen", "en"): floor(0.99, 0.99, 1.0, 1.0),  # v1, spent: development data now
    ("frozen", "es"): floor(0.99, 0.99, 1.0, 1.0),  # v1, spent: development data now
    ("frozen", "pt"): floor(0.99, 0.98, 1.0, 1.0),  # spent (reported 2026-12-01)
    ("tuning", "en"): floor(0.99, 0.99, 1.0, 1.0),  # the tuner's own probe rounds
    ("tuning", "es"): floor(0.99, 0.99, 1.0, 1.0),
    ("tuning", "pt"): floor(0.99, 0.99, 1.0, 1.0),
    # frozen2 was blind until measured once (commit 3008f21, 2026-12-01 12:54 UTC; see
    # docs/WELLBEING.md); spent since, so development data: regression floors only.
    ("frozen2", "en"): floor(0.99, 0.96, 1.0, 0.92),
    ("frozen2", "es"): floor(0.99, 0.98, 1.0, 1.0),
    ("frozen2", "pt"): floor(0.98, 0.99, 1.0, 1.0),
    # The blind set, measured once after the last tuning commit (dafd4fd, 2026-12-01 15:37 UTC;
    # see docs/WELLBEING.md): the achieved figures rounded down. English meets issue 15's
    # any-offer target (recall 0.85 at precision 0.90); Spanish is 0.005 short on recall;
    # acts in progress meet 0.9, goodbyes (0.60 / 0.74 / 0.74) do not.
    ("frozen3", "en"): floor(0.94, 0.85, 0.9, 0.6),
    ("frozen3", "es"): floor(0.93, 0.84, 0.9, 0.73),
    ("frozen3", "pt"): floor(0.92, 0.85, 1.0, 0.73),
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


BLIND = (("frozen3", "en", 260), ("frozen3", "es", 200), ("frozen3", "pt", 180))


def test_blind_sets_are_never_shown_sentence_by_sentence():
    for split, lang, _ in BLIND:
        assert is_blind(split, lang)
        with pytest.raises(ValueError, match="never shown"):
            measure(split, lang, with_misses=True)
    # The spent frozen sets (v1, v2) and the development sets may be shown, to tune on.
    spent = [("frozen", lang) for lang in ("en", "es", "pt")]
    spent += [("frozen2", lang) for lang in ("en", "es", "pt")]
    for split, lang in (*spent, ("dev", "pt"), ("tuning", "en")):
        assert not is_blind(split, lang)
        assert "misses" in measure(split, lang, with_misses=True)


def test_blind_sets_are_big_and_varied_enough():
    wanted = set(URGENT) | {"recovery_story", "idiom", "helping_others", "third_party"}
    for split, lang, minimum in BLIND:
        rows = load(split, lang)
        # Only counts and category names reach an assertion message, never a blind row.
        count, missing = len(rows), sorted(wanted - {row.category for row in rows})
        del rows
        assert count >= minimum, (split, lang, count)
        assert not missing, (split, lang, missing)
