"""Fresh-eyes round 3, urge surfing in plain mode through the real program: a rating typed at a
step is taken as the rating (never kept as a group draft), and "no" at the last check-in ends
differently from "yes": another round offered, the country's emergency number and top crisis
line shown, /crisis named."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.timeout(120)


def _to_the_check_in(user, rating: str) -> None:
    user.type("/ground urge")
    user.expect_exact("put anything you might hurt yourself with out of reach")
    user.type("")
    user.expect_exact("Rate the urge from 0 (none) to 10")
    user.type(rating)
    user.expect_exact(f"-- Noted: the urge is at {rating} out of 10. Nothing is sent.")
    user.expect_exact("Has the urge passed, or is it weaker now? Yes or no?")


def test_a_rating_is_noted_and_no_ends_with_gb_numbers_not_well_done(plain_user):
    user = plain_user("gb").ready()
    user.type("/host Tuesday circle")
    user.expect_exact("-- Tuesday circle is ready")
    user.run("/set country GB", "GB")
    mark = len(user.transcript)
    _to_the_check_in(user, "8")
    user.type("no")
    user.expect_exact("That is all right: some urges take longer to pass.")
    user.expect_exact("/ground urge again, or /ground urge 15 for the 15-minute version.")
    user.expect_exact("If you are in danger or have hurt yourself, call 999")
    user.expect_exact("Talk to someone now: Samaritans: 116 123.")
    user.expect_exact("/crisis shows every crisis line for your country.")
    user.expect_exact("-- Riding out an urge (5 minutes) ended.")
    seen = user.transcript[mark:]
    assert "Well done for staying with it" not in seen
    assert "Kept as your draft" not in seen
    # Nothing of the exercise became the group's draft.
    user.run("/draft", "-- No draft is kept for Tuesday circle.")
    assert user.quit() == 0


def test_a_sentence_at_the_check_in_is_not_yet_and_yes_still_ends_well(plain_user):
    user = plain_user("none", offline=True).ready()  # no country set, none guessed (C locale)
    _to_the_check_in(user, "10")
    user.type("its still really strong right now")
    user.expect_exact("That is all right: some urges take longer to pass.")
    user.expect_exact("call 112, 911 or 999 now.")
    user.expect_exact("/crisis shows every crisis line for your country.")
    user.expect_exact("-- Riding out an urge (5 minutes) ended.")
    assert "Well done for staying with it" not in user.transcript
    _to_the_check_in(user, "0")
    user.type("yes")
    user.expect_exact("Well done for staying with it.")
    user.type("")
    user.type("")
    user.expect_exact("-- Riding out an urge (5 minutes) finished. Well done.")
    # 11 is not a rating: it is text, and never sent.
    user.type("/ground urge")
    user.type("")
    user.expect_exact("Rate the urge from 0 (none) to 10")
    user.type("11")
    user.expect_exact("-- Not sent: nothing is sent while a grounding exercise runs.")
    user.run("/stop", "stopped.")
    assert user.quit() == 0
