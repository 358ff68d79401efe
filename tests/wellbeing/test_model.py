"""The detector's learned second opinion (peertui.wellbeing.model): the shipped weights load,
scores are deterministic, help is offered only on evidence, and the trainer never reads the
blind set."""

from __future__ import annotations

import ast
from pathlib import Path

import heldout_eval
import pytest
import spent_sets

from peertui.wellbeing import detect
from peertui.wellbeing.model import Model, buckets, features, pack, shipped_model, unpack

TRAINER = Path(__file__).resolve().parents[2] / "tools" / "train_detector.py"


def test_shipped_model_loads_with_thresholds_that_make_sense():
    model = shipped_model()
    assert len(model.weights) == 1 << model.bits
    assert model.veto < model.threshold
    assert model.scale > 0


def test_features_and_scores_are_deterministic_and_order_free():
    text = detect.normalise("I can't do this anymore, I'm saying goodbye tonight")
    assert features(text) == features(text)
    assert "w:goodbye" in features(text)
    assert "b:goodbye tonight" in features(text)
    assert "c:bye " in features(text)
    assert buckets(text, 18) == buckets(text, 18)
    assert all(0 <= b < 1 << 18 for b in buckets(text, 18))
    assert shipped_model().score(text) == shipped_model().score(text)


def test_no_evidence_no_offer():
    model = shipped_model()
    for text in ("", "   ", "?!", "ok"):
        assert model.score(detect.normalise(text)) < model.threshold, text
        assert detect.assess(text, "en").tier == 0, text


@pytest.mark.parametrize(
    "text",
    [
        # Everyday chat, not in any training file.
        "morning all, slept badly again but the coffee is helping",
        "does the library open on sundays? need to return two books",
        "buenas, hoy fui al grupo por primera vez y me sentí un poco mejor",
        "mañana a la noche cocino para mis suegros, ¿ideas de postre?",
        "oi gente, alguém mais tem dificuldade pra dormir quando fica ansioso?",
        "hoje à noite tem jogo do meu time, quem vai assistir?",
    ],
)
def test_everyday_chat_gets_no_offer(text):
    assert detect.assess(text, "en").tier == 0


@pytest.mark.parametrize(
    "text",
    [
        # Wordings no phrase book has (checked below): the model alone must offer help.
        "everything feels pointless and I keep thinking my family would cope fine without me",
        "ya no le encuentro sentido a nada y creo que sería mejor desaparecer",
    ],
)
def test_the_model_finds_what_the_phrase_books_miss(text):
    normalised = detect.normalise(text)
    found = detect.assess(text, "en")
    assert found.offers_support
    if detect.phrase_finding(normalised).tier == 0:
        assert found.category == detect.LEARNED
        assert found.reason  # the reason names no category, but says why help is offered


def test_pack_and_unpack_round_trip_and_bad_files_are_refused():
    model = Model(4, 0.5, 0.01, 0.6, -1.0, bytes([1, 255] * 8))
    again = unpack(pack(model))
    assert again == Model(4, 0.5, pytest.approx(0.01), pytest.approx(0.6), -1.0, model.weights)
    with pytest.raises(ValueError, match="not a peertui detector model"):
        unpack(b"XXXXXX" + pack(model)[6:])
    with pytest.raises(ValueError, match="expected 16 weights"):
        pack(Model(4, 0.0, 0.01, 0.6, -1.0, b"\x00"))


def test_trainer_never_names_the_blind_set_among_its_inputs():
    tree = ast.parse(TRAINER.read_text(encoding="utf-8"))
    splits = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "SPLITS" for t in node.targets)
    )
    names = {elt.value for elt in splits.elts}
    # frozen5 to frozen8 are spent (reported once each: 2026-12-01 19:31 and 22:07 UTC,
    # 2026-12-02 03:14 and 03:57 UTC) and trained on since; dev7, dev9 and dev10 are development
    # data. frozen9 (spent 2026-12-02 06:56 UTC) is a training input since detector10.
    assert {"dev", "dev7", "dev9", "dev10", "frozen3", "frozen5", "frozen6", "frozen7"} <= names
    assert {"frozen8", "frozen9"} <= names
    # frozen12 and frozen13 are spent and not trained on yet; frozen14 would be blind.
    assert not any(name.startswith(("frozen12", "frozen13", "frozen14")) for name in names)
    # One list of spent sets (tests/wellbeing/spent_sets.py), imported by the trainer and by
    # heldout_eval.py, never a copy that could fall out of step.
    source = TRAINER.read_text(encoding="utf-8")
    assert "from spent_sets import SPENT_FROZEN" in source
    assert not any(
        isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "SPENT_FROZEN" for t in node.targets)
        for node in ast.walk(tree)
    )
    assert heldout_eval.SPENT_FROZEN is spent_sets.SPENT_FROZEN
    assert {"frozen5", "frozen6", "frozen7", "frozen8"} <= set(spent_sets.SPENT_FROZEN)
    assert "frozen9" in spent_sets.SPENT_FROZEN
    assert "frozen11" in spent_sets.SPENT_FROZEN
    assert "frozen12" in spent_sets.SPENT_FROZEN
    assert "frozen13" in spent_sets.SPENT_FROZEN
    assert "frozen14" not in spent_sets.SPENT_FROZEN
    # Every frozen set it trains on is one listed as spent: a new frozenN is blind by its name.
    assert {name for name in names if name.startswith("frozen")} <= set(spent_sets.SPENT_FROZEN)
    assert "_refuse_blind" in source
