"""Grounding exercises: five of them, complete in English and Spanish, with sound timings."""

from __future__ import annotations

import pytest

from peertui.wellbeing.grounding import (
    EXERCISE_IDS,
    Exercise,
    UnknownExercise,
    get_exercise,
    list_exercises,
)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_five_complete_exercises_per_language(lang):
    exercises = list_exercises(lang)
    assert [e.id for e in exercises] == list(EXERCISE_IDS)
    for exercise in exercises:
        assert exercise.lang == lang
        for text in (exercise.title, exercise.summary, exercise.intro):
            assert text.strip()
        assert exercise.steps and all(s.text.strip() for s in exercise.steps)
        assert all(s.seconds >= 0 for s in exercise.steps)
        assert exercise.cautions and all(c.strip() for c in exercise.cautions)


def test_spanish_is_a_translation_not_a_copy():
    for en, es in zip(list_exercises("en"), list_exercises("es"), strict=True):
        assert en.id == es.id
        assert en.title != es.title and en.intro != es.intro
        assert [s.seconds for s in en.steps] == [s.seconds for s in es.steps]
        assert [s.text for s in en.steps] != [s.text for s in es.steps]


def cycle_of(exercise: Exercise) -> list[float]:
    return [s.seconds for s in exercise.steps if s.round == 1]


def test_box_has_four_four_second_phases():
    box = get_exercise("box")
    assert cycle_of(box) == [4, 4, 4, 4]
    assert box.rounds >= 3
    assert sum(1 for s in box.steps if s.round) == 4 * box.rounds
    assert box.steps[1].round_label == f"round 1 of {box.rounds}"
    assert get_exercise("box", "es").steps[1].round_label == f"ronda 1 de {box.rounds}"
    assert any("dizzy" in c for c in box.cautions)


def test_other_timings_follow_the_research():
    assert cycle_of(get_exercise("478")) == [4, 7, 8]
    assert get_exercise("478").rounds <= 4, "no more than four breaths while new to it"
    paced = get_exercise("paced")
    assert cycle_of(paced) == [5.5, 5.5]
    assert 150 <= paced.total_seconds <= 330, "about three to five minutes"
    pmr = [s.seconds for s in get_exercise("pmr").steps if s.seconds]
    assert pmr[0::2] == [5] * (len(pmr) // 2) and pmr[1::2] == [15] * (len(pmr) // 2)
    assert len(pmr) // 2 >= 4
    assert all(s.seconds == 0 for s in get_exercise("senses").steps), "at your own pace"


def test_unknown_id_lists_valid_ids_and_unknown_language_is_english():
    with pytest.raises(UnknownExercise) as caught:
        get_exercise("yoga")
    message = str(caught.value)
    assert "yoga" in message and all(i in message for i in EXERCISE_IDS)
    assert get_exercise("BOX", "fr").title == get_exercise("box", "en").title
    assert get_exercise("box", "es_MX.UTF-8").lang == "es"
    assert get_exercise("box", "").lang == "en"
