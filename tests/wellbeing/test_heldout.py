"""The held-out corpus holds the detector's figures: development sets (tuned on, including the
spent frozen v1 to v5 sets) get regression floors; a blind set (any frozenN_* not yet reported
on: frozen6_* when it arrives, found by its file name) gets only checks of its size and format
here, no detector figures, until the lead has measured it once.

A failure on a blind set shows only counts and category names, never a sentence. The floors are
the measured figures rounded down: a change that loses recall or precision there fails here.
docs/WELLBEING.md publishes the same figures; a test keeps the two in step.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from heldout_eval import FOLDER, LANGUAGES, URGENT, is_blind, load, measure

DOCS = Path(__file__).resolve().parents[2] / "docs" / "WELLBEING.md"
# | frozen2 | en | 0.9 | 0.85 | ... : split, language, precision, recall of any offer.
DOC_ROW = re.compile(
    r"^\|\s*(dev|dev3|frozen|frozen2|frozen3|frozen4|frozen5|tuning)\s*\|\s*(en|es|pt)\s*\|"
    r"\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|",
    re.M,
)


def floor(precision: float, recall: float, act: float, goodbye: float) -> dict[str, float]:
    return {"precision": precision, "recall": recall, "act_in_progress": act, "goodbye": goodbye}


FLOORS = {
    # Development data (tuned on, and the learned model is trained on all of it): these only
    # guard against regressions (in-sample figures of the detector6 round, 2026-12-01, rounded
    # down, at most 0.99). The honest figures are the cross-validated and leave-one-set-out ones
    # in docs/WELLBEING.md (tools/train_detector.py --cv-only); a blind set (frozen6_*) has no
    # floor here until the lead has measured it once.
    ("dev", "en"): floor(0.99, 0.99, 1.0, 1.0),
    ("dev", "es"): floor(0.99, 0.99, 1.0, 1.0),
    ("dev", "pt"): floor(0.99, 0.99, 1.0, 1.0),
    ("dev3", "en"): floor(0.96, 0.94, 1.0, 0.91),
    ("dev3", "es"): floor(0.97, 0.94, 1.0, 1.0),
    ("dev3", "pt"): floor(0.96, 0.91, 1.0, 1.0),  # detector6 retrain: 2 more false offers
    ("frozen", "en"): floor(0.99, 0.99, 1.0, 1.0),  # v1, spent: development data now
    ("frozen", "es"): floor(0.99, 0.99, 1.0, 1.0),  # v1, spent: development data now
    ("frozen", "pt"): floor(0.97, 0.95, 1.0, 0.75),  # spent (reported 2026-12-01)
    ("tuning", "en"): floor(0.99, 0.99, 1.0, 0.98),  # the tuners' own probe rounds
    ("tuning", "es"): floor(0.99, 0.99, 1.0, 1.0),
    ("tuning", "pt"): floor(0.99, 0.99, 1.0, 1.0),
    # frozen2 (blind at 3008f21), frozen3 (blind at dafd4fd) and frozen4 (blind at 3b1e04d,
    # 2026-12-01 16:16 UTC: EN P 0.967 / R 0.921, ES 0.905 / 0.913, PT 0.911 / 0.854) are spent:
    # development data, tuned and trained on since; regression floors only.
    ("frozen2", "en"): floor(0.96, 0.96, 1.0, 1.0),
    ("frozen2", "es"): floor(0.98, 0.96, 1.0, 0.9),
    ("frozen2", "pt"): floor(0.97, 0.93, 1.0, 1.0),
    ("frozen3", "en"): floor(0.98, 0.97, 1.0, 0.95),
    ("frozen3", "es"): floor(0.98, 0.99, 1.0, 1.0),
    ("frozen3", "pt"): floor(0.96, 0.97, 1.0, 1.0),
    ("frozen4", "en"): floor(0.99, 0.96, 1.0, 0.96),
    ("frozen4", "es"): floor(0.99, 0.97, 0.95, 1.0),
    ("frozen4", "pt"): floor(0.99, 0.99, 1.0, 1.0),
    # frozen5 (blind at main 0958772, measured once by the lead 2026-12-01 19:31 UTC: EN P 0.947 /
    # R 0.905, ES 0.925 / 0.845, PT 0.933 / 0.806) is spent: the detector6 round tuned on it.
    ("frozen5", "en"): floor(0.95, 0.99, 1.0, 1.0),
    ("frozen5", "es"): floor(0.96, 0.99, 1.0, 1.0),
    ("frozen5", "pt"): floor(0.98, 0.98, 0.96, 1.0),
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


# Blind sets by file name only: every frozenN_<lang>.tsv that is not spent.
BLIND = sorted(
    (path.stem.split("_")[0], lang)
    for lang in LANGUAGES
    for path in FOLDER.glob(f"frozen*_{lang}.tsv")
    if is_blind(path.stem.split("_")[0], lang)
)
SPENT_FROZEN = [
    (s, lang)
    for s in ("frozen", "frozen2", "frozen3", "frozen4", "frozen5", "frozen6")
    for lang in LANGUAGES
]


def test_any_frozen_set_not_listed_as_spent_is_blind():
    assert is_blind("frozen7", "en") and is_blind("frozen7", "pt") and is_blind("frozen12", "es")
    assert not any(is_blind(split, lang) for split, lang in SPENT_FROZEN)


def test_blind_sets_are_never_shown_sentence_by_sentence(tmp_path, monkeypatch):
    # A stand-in blind file (not a real one): measuring it row by row is refused before reading.
    monkeypatch.setattr("heldout_eval.FOLDER", tmp_path)
    (tmp_path / "frozen9_en.tsv").write_text("1\t3\tself\tgoodbye\tx\n", encoding="utf-8")
    with pytest.raises(ValueError, match="never shown"):
        measure("frozen9", "en", with_misses=True)
    monkeypatch.undo()
    for split, lang in BLIND:
        with pytest.raises(ValueError, match="never shown"):
            measure(split, lang, with_misses=True)
    # The spent frozen sets (v1 to v5) and the development sets may be shown, to tune on.
    for split, lang in (*SPENT_FROZEN, ("dev", "pt"), ("tuning", "en")):
        assert not is_blind(split, lang)
        assert "misses" in measure(split, lang, with_misses=True)


def test_blind_sets_are_big_and_varied_enough():
    """Size and format only: no detector runs on a blind set here."""
    wanted = set(URGENT) | {"recovery_story", "idiom", "helping_others", "third_party"}
    minimum = {"en": 200, "es": 150, "pt": 150}
    for split, lang in BLIND:
        rows = load(split, lang)
        # Only counts and category names reach an assertion message, never a blind row.
        count, missing = len(rows), sorted(wanted - {row.category for row in rows})
        # Enough goodbyes and acts in progress that the >= 0.9 recall target means something.
        urgent = {name: sum(1 for row in rows if row.category == name) for name in URGENT}
        del rows
        assert count >= minimum[lang], (split, lang, count)
        assert not missing, (split, lang, missing)
        assert urgent["goodbye"] >= 25 and urgent["act_in_progress"] >= 10, (split, lang, urgent)
