"""Responses that fit the moment: urgent offers lead with the emergency number; the someone-else
guide; urge surfing and own-pace grounding."""

from __future__ import annotations

import pytest

from peertui.wellbeing import grounding, responses
from peertui.wellbeing.crisis import load_directory
from peertui.wellbeing.detect import assess


def test_the_most_urgent_offer_puts_the_emergency_number_and_top_line_first():
    gb = load_directory().get("GB")
    offer = responses.after_send_offer(assess("I'm on the bridge now"), gb, "en")
    assert offer.urgent and not offer.about_someone_else
    assert "call 999 or 112 now" in offer.lines[1]
    assert "116 123" in offer.lines[2]
    gentle = responses.after_send_offer(assess("I feel hopeless"), gb, "en")
    assert not gentle.urgent and "999" not in " ".join(gentle.lines)
    assert "116 123" in gentle.lines[1]


def test_no_country_still_gives_a_number():
    offer = responses.after_send_offer(assess("I took all my pills"), None, "en")
    assert "112" in offer.lines[1]


def test_worry_about_someone_else_gets_the_someone_else_guide():
    us = load_directory().get("US")
    offer = responses.after_send_offer(assess("my brother says he wants to die"), us, "en")
    text = "\n".join(offer.lines)
    assert offer.about_someone_else
    assert "Call 911 now" in text and "988 Suicide & Crisis Lifeline: 988" in text
    assert "Are you thinking about suicide?" in text
    spanish = "\n".join(responses.someone_else_guide(load_directory().get("MX"), "es"))
    assert "Llama al 911 ahora" in spanish and "800 911 2000" in spanish


def test_the_someone_else_guide_without_a_country_names_no_command_as_a_number():
    # With no country there is no line to name: the guide says where lines are listed, rather
    # than "Share the number with them: /crisis." (a command is not a number to share).
    text = "\n".join(responses.someone_else_guide(None, "en"))
    assert "Share the number with them: /crisis." not in text
    assert "a crisis line in their country (findahelpline.com lists them by country)" in text
    assert "Call 112 (911 in the Americas) now" in text


@pytest.mark.parametrize("minutes", [5, 15])
def test_urge_surfing_lasts_its_minutes_and_checks_in_every_wave(minutes):
    activity = grounding.urge_surfing(minutes, "en")
    assert activity.total_seconds == minutes * 60
    assert sum(step.check_in for step in activity.steps) == minutes // 5
    assert activity.steps[-1].check_in is False and activity.source
    with pytest.raises(ValueError, match="5 or 15"):
        grounding.urge_surfing(10)


def test_own_pace_grounding_keeps_proportions_or_waits_for_each_step():
    breathing = grounding.get_exercise("478")
    two = grounding.with_pace(breathing, 2)
    timed = [s.seconds for s in two.steps if s.seconds]
    assert min(timed) == 2 and max(timed) == 4, "4-7-8 keeps its 4:7:8 shape"
    assert all(s.seconds == 0 for s in grounding.with_pace(breathing, None).steps)
    assert [s.text for s in two.steps] == [s.text for s in breathing.steps]
    with pytest.raises(ValueError):
        grounding.with_pace(breathing, 7)
