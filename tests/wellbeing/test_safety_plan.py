"""Safety plan: the six steps plus reasons for living, EN and ES, round trips, plain lines."""

from __future__ import annotations

import json

import pytest

from peertui.wellbeing.crisis import load_directory
from peertui.wellbeing.safety_plan import (
    STEP_IDS,
    SafetyPlan,
    format_lines,
    steps,
    with_crisis_lines,
)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_seven_steps_with_titles_and_prompts(lang):
    infos = steps(lang)
    assert [s.id for s in infos] == list(STEP_IDS)
    assert len(STEP_IDS) == 7 and STEP_IDS[-1] == "reasons_for_living"
    for info in infos:
        assert info.title.strip() and info.prompt.strip()
    assert steps("es")[0].title != steps("en")[0].title
    assert steps("de") == steps("en")


def test_dict_round_trip_survives_json():
    plan = SafetyPlan(
        {
            "warning_signs": ["not sleeping", "cancelling plans"],
            "support": ["Sam – text first"],
            "safe_environment": ["give the spare key to Ana"],
        }
    )
    again = SafetyPlan.from_dict(json.loads(json.dumps(plan.to_dict())))
    assert again == plan
    assert again.entries["coping"] == []


def test_from_dict_tolerates_missing_unknown_and_malformed():
    assert SafetyPlan.from_dict(None).is_empty()
    assert SafetyPlan.from_dict({"version": 9}).is_empty()
    plan = SafetyPlan.from_dict(
        {
            "version": 2,
            "colour": "blue",
            "entries": {
                "coping": "go for a walk",
                "support": [" ", "Mum", 42],
                "pets": ["Rex"],
                "distraction": {"odd": True},
            },
        }
    )
    assert plan.entries["coping"] == ["go for a walk"]
    assert plan.entries["support"] == ["Mum", "42"]
    assert plan.entries["distraction"] == []
    assert plan.to_dict()["entries"]["pets"] == ["Rex"], "a newer version's step is not lost"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_format_lines_shows_every_step_in_order(lang):
    plan = SafetyPlan({"coping": ["music"], "professionals": ["Dr Lee 555 0100"]})
    lines = format_lines(plan, lang)
    titles = [s.title for s in steps(lang)]
    positions = [lines.index(f"{n}. {t}") for n, t in enumerate(titles, start=1)]
    assert positions == sorted(positions)
    assert "   - music" in lines and "   - Dr Lee 555 0100" in lines
    assert all("\n" not in line for line in lines)
    empty_marker = {"en": "(nothing written yet)", "es": "(todavía no hay nada escrito)"}[lang]
    assert sum(line.strip() == empty_marker for line in lines) == 5


def test_professionals_step_is_prefilled_with_the_countrys_lines_only_when_empty():
    gb = load_directory().get("GB")
    filled = with_crisis_lines(SafetyPlan(), gb)
    assert filled.entries["professionals"][0] == "Emergency: 999 or 112"
    assert any("116 123" in entry for entry in filled.entries["professionals"])
    mine = SafetyPlan({"professionals": ["Dr Lee 555 0100"]})
    assert with_crisis_lines(mine, gb).entries["professionals"] == ["Dr Lee 555 0100"]
    assert with_crisis_lines(SafetyPlan(), None).entries["professionals"] == []
