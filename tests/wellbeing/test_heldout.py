"""The held-out corpus holds the detector's figures: development sets (tuned on, including the
spent frozen v1 to v7 sets) get regression floors; a blind set (any frozenN_* not yet reported
on: frozen14_* when it arrives, found by its file name) gets only checks of its size and format
here, no detector figures, until the lead has measured it once.

A failure on a blind set shows only counts and category names, never a sentence. The floors are
the measured figures rounded down: a change that loses recall or precision there fails here.
docs/WELLBEING.md publishes the same figures; a test keeps the two in step.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import spent_sets
from heldout_eval import FOLDER, LANGUAGES, URGENT, is_blind, load, measure

DOCS = Path(__file__).resolve().parents[2] / "docs" / "WELLBEING.md"
# | frozen2 | en | 0.9 | 0.85 | ... : split, language, precision, recall of any offer.
DOC_ROW = re.compile(
    r"^\|\s*(dev|dev3|dev7|dev9|dev10|frozen|frozen2|frozen3|frozen4|frozen5|frozen6|frozen7|frozen8|frozen9|frozen10|frozen11|frozen12|frozen13|dev12|tuning)\s*\|\s*(en|es|pt)\s*\|"
    r"\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|",
    re.M,
)


def floor(
    precision: float, recall: float, act: float | None, goodbye: float | None
) -> dict[str, float | None]:
    # None: the set has no message of that category.
    return {"precision": precision, "recall": recall, "act_in_progress": act, "goodbye": goodbye}


FLOORS = {
    # Development data (tuned on, and the learned model is trained on all of it): these only
    # guard against regressions (in-sample figures of the detector9 round, 2026-12-02, rounded
    # down, at most 0.99; dev3 es/pt fell from 0.98 to 0.94/0.92 when the model-alone threshold
    # rose from 1.7 to 1.9 to keep the ordinary-talk probes within their ceilings). The honest
    # figures are the cross-validated and leave-one-set-out ones
    # in docs/WELLBEING.md (tools/train_detector.py --cv-only). frozen6 and frozen7 (spent since
    # 2026-12-01 22:07 and 2026-12-02 03:14 UTC) and dev7 (written blind to the detector) are
    # trained on now, so their floors are in-sample; a blind set (frozen14_*) has no floor here
    # until the lead has measured it once.
    # Lowered in the detector10 round (goodbye-structure cue features, PTDM3), in-sample only:
    # dev3_en recall 0.98 -> 0.97 and goodbyes 1.0 -> 0.95 (one of 24), dev7_en acts 1.0 -> 0.98
    # (one of 57), dev7_es goodbyes 1.0 -> 0.99 (one of 111), dev9_en recall 0.99 -> 0.97 and goodbyes 1.0 -> 0.96 (one of 25). Out of fold,
    # the measure of what generalises, the same change raised pooled recall on the honest pool
    # from 0.846 to 0.873 (goodbyes 0.774 -> 0.818, acts 0.943 -> 0.950; docs/WELLBEING.md).
    # Lowered again when detector10 shipped (lead, 2026-12-02 17:50 UTC: cue features, ordinary
    # talk weight 2, third-party worry never vetoed so "my brother says he wants to die" keeps its
    # offer): in-sample precision by 0.01-0.03 on dev3, dev7, frozen, frozen2, frozen4-7; out of
    # fold on the honest pool P 0.935 / R 0.846 -> 0.917 / 0.891.
    ("dev", "en"): floor(0.99, 0.99, 1.0, 1.0),
    ("dev", "es"): floor(0.99, 0.99, 1.0, 1.0),
    ("dev", "pt"): floor(0.99, 0.99, 1.0, 1.0),
    ("dev3", "en"): floor(0.95, 0.97, 1.0, 0.95),
    ("dev3", "es"): floor(0.95, 0.96, 1.0, 1.0),
    ("dev3", "pt"): floor(0.96, 0.99, 1.0, 1.0),
    ("dev7", "en"): floor(0.92, 0.98, 0.98, 0.99),
    ("dev7", "es"): floor(0.96, 0.97, 1.0, 0.99),
    ("dev7", "pt"): floor(0.95, 0.98, 1.0, 1.0),
    # dev9: the detector9 tuner's own probe round (no acts in progress in it), trained on.
    ("dev9", "en"): floor(0.95, 0.97, None, 0.96),
    ("dev9", "es"): floor(0.97, 0.99, None, 1.0),
    ("dev9", "pt"): floor(0.95, 0.99, None, 1.0),
    ("frozen", "en"): floor(0.99, 0.99, 1.0, 1.0),
    ("frozen", "es"): floor(0.99, 0.99, 1.0, 1.0),
    ("frozen", "pt"): floor(0.97, 0.98, 1.0, 1.0),
    ("tuning", "en"): floor(0.99, 0.99, 1.0, 1.0),
    ("tuning", "es"): floor(0.99, 0.99, 1.0, 1.0),
    ("tuning", "pt"): floor(0.99, 0.99, 1.0, 1.0),
    ("frozen2", "en"): floor(0.96, 0.97, 1.0, 1.0),
    ("frozen2", "es"): floor(0.98, 0.98, 1.0, 1.0),
    ("frozen2", "pt"): floor(0.98, 0.99, 1.0, 1.0),
    ("frozen3", "en"): floor(0.98, 0.99, 1.0, 1.0),
    ("frozen3", "es"): floor(0.99, 0.99, 1.0, 1.0),
    ("frozen3", "pt"): floor(0.96, 0.99, 1.0, 1.0),
    ("frozen4", "en"): floor(0.98, 0.99, 1.0, 1.0),
    ("frozen4", "es"): floor(0.99, 0.99, 0.95, 1.0),
    ("frozen4", "pt"): floor(0.97, 0.99, 1.0, 1.0),
    ("frozen5", "en"): floor(0.95, 0.99, 1.0, 1.0),
    ("frozen5", "es"): floor(0.96, 0.99, 1.0, 1.0),
    ("frozen5", "pt"): floor(0.98, 0.99, 1.0, 1.0),
    ("frozen6", "en"): floor(0.93, 0.99, 1.0, 1.0),
    ("frozen6", "es"): floor(0.97, 0.99, 1.0, 1.0),
    ("frozen6", "pt"): floor(0.94, 0.99, 1.0, 1.0),
    ("frozen7", "en"): floor(0.97, 0.98, 1.0, 1.0),
    ("frozen7", "es"): floor(0.99, 0.98, 1.0, 1.0),
    ("frozen7", "pt"): floor(0.96, 0.98, 1.0, 1.0),
    # frozen8 (blind at main c93f233, measured once by the lead 2026-12-02 03:57 UTC; its blind
    # figures were EN 0.958 / 0.896, ES 0.991 / 0.849, PT 0.962 / 0.863) is trained on since detector9,
    # so these floors are in-sample too.
    ("frozen8", "en"): floor(0.98, 0.99, 1.0, 1.0),
    ("frozen8", "es"): floor(0.99, 0.99, 1.0, 1.0),
    ("frozen8", "pt"): floor(0.98, 0.99, 1.0, 1.0),
    # frozen9 (blind at main 9b6e020, measured once by the lead 2026-12-02 06:56 UTC with the
    # detector9 model: EN 0.94 / 0.84, ES 0.918 / 0.808, PT 0.929 / 0.805, goodbyes 0.567 / 0.667 /
    # 0.68) is trained on since detector10, so these floors are in-sample too.
    ("frozen9", "en"): floor(0.95, 0.98, 1.0, 1.0),
    ("frozen9", "es"): floor(0.96, 0.99, 1.0, 1.0),
    ("frozen9", "pt"): floor(0.96, 0.99, 1.0, 1.0),
    # dev10: the detector10 tuner's own probe round, trained on.
    ("dev10", "en"): floor(0.95, 0.99, 1.0, 1.0),
    ("dev10", "es"): floor(0.99, 0.99, 1.0, 1.0),
    ("dev10", "pt"): floor(0.99, 0.99, 1.0, 1.0),
    # frozen10 and frozen11: blind when measured (2026-12-02 17:53 and 2026-12-03 08:02 UTC, the
    # detector10 model; blind goodbyes en/es/pt 0.875 / 0.714 / 0.76 and 0.821 / 0.778 / 0.852).
    # The model is still not trained on them, but the detector12 round read their goodbye misses
    # and wrote phrase families in their structure, so since then these floors are IN-SAMPLE for
    # the phrase books (rounded down from detector12's figures), no longer honest figures.
    ("frozen10", "en"): floor(0.91, 0.92, 0.95, 0.90),
    ("frozen10", "es"): floor(0.91, 0.85, 1.0, 0.82),
    ("frozen10", "pt"): floor(0.93, 0.89, 0.95, 0.88),
    ("frozen11", "en"): floor(0.93, 0.93, 0.96, 0.92),
    ("frozen11", "es"): floor(0.93, 0.92, 0.96, 0.96),
    ("frozen11", "pt"): floor(0.94, 0.90, 1.0, 0.96),
    # dev12: the detector12 tuner's own probe round (goodbyes and look-alikes, no acts in
    # progress). Its figures after that round's phrase families; the families were written with
    # its misses in view, so in-sample for the phrase books (the model is not trained on it).
    ("dev12", "en"): floor(0.95, 0.83, None, 0.83),
    ("dev12", "es"): floor(0.89, 0.92, None, 0.92),
    ("dev12", "pt"): floor(0.91, 0.95, None, 0.95),
    # frozen12: blind when measured (2026-12-03 13:27 UTC, main 442a991: the detector12 phrase
    # books with the detector10 model; honest figures en 0.924 / 0.893, goodbyes 0.895, es 0.928 /
    # 0.871, goodbyes 0.829, pt 0.908 / 0.85, goodbyes 0.733). The detector13 round then read its
    # goodbye and passive-ideation misses and wrote phrase families from their shapes, so these floors are IN-SAMPLE
    # (tuned on) for the phrase books, rounded down; the model is not trained on it.
    ("frozen12", "en"): floor(0.92, 0.93, 0.96, 0.99),
    ("frozen12", "es"): floor(0.93, 0.91, 1.0, 0.97),
    ("frozen12", "pt"): floor(0.91, 0.91, 1.0, 0.93),
    # frozen13: blind when measured (2026-12-03 17:10 UTC, main 529f126: the detector13 phrase
    # books with the detector10 model), held at those honest figures, rounded down.
    ("frozen13", "en"): floor(0.90, 0.91, 0.96, 0.94),
    ("frozen13", "es"): floor(0.92, 0.91, 0.96, 0.93),
    ("frozen13", "pt"): floor(0.89, 0.90, 0.94, 0.89),
}


@pytest.mark.parametrize(("split", "lang"), sorted(FLOORS))
def test_figures_hold_their_floor(split, lang):
    result = measure(split, lang)
    wanted = FLOORS[(split, lang)]
    assert result["precision"] >= wanted["precision"], (split, lang, result["precision"])
    assert result["recall"] >= wanted["recall"], (split, lang, result["recall"])
    for category in ("act_in_progress", "goodbye"):
        if wanted[category] is None:
            assert category not in result["categories"], (split, lang, category)
            continue
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
SPENT_FROZEN = [(s, lang) for s in spent_sets.SPENT_FROZEN for lang in LANGUAGES]


def test_any_frozen_set_not_listed_as_spent_is_blind():
    assert is_blind("frozen14", "en") and is_blind("frozen14", "pt") and is_blind("frozen15", "es")
    assert not any(is_blind(split, lang) for split, lang in SPENT_FROZEN)


def test_blind_sets_are_never_shown_sentence_by_sentence(tmp_path, monkeypatch):
    # A stand-in blind file (not a real one): measuring it row by row is refused before reading.
    monkeypatch.setattr("heldout_eval.FOLDER", tmp_path)
    (tmp_path / "frozen14_en.tsv").write_text("1\t3\tself\tgoodbye\tx\n", encoding="utf-8")
    with pytest.raises(ValueError, match="never shown"):
        measure("frozen14", "en", with_misses=True)
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
