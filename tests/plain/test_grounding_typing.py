"""Text typed during a step-by-step grounding exercise is kept, never posted to the group."""

from __future__ import annotations

import pytest
from tests.plain.people import message_lines, start_pair

pytestmark = pytest.mark.timeout(90)

STEP = "(press Enter for the next step, /stop to stop)"


def test_a_line_typed_at_a_grounding_step_is_kept_as_the_draft_and_not_sent(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)
    guest.type("/ground box step")
    guest.expect_exact(STEP)
    guest.type("hello while grounding")
    guest.expect_exact("-- Kept as your draft for Tuesday circle, not sent; /draft shows it.")
    # The exercise goes on: the same step is shown again and Enter moves to the next one.
    guest.expect_exact(STEP)
    steps_before = guest.transcript.count(STEP)
    guest.type("")
    guest.expect_exact(STEP)
    assert guest.transcript.count(STEP) == steps_before + 1
    guest.run("/stop", "-- Box breathing stopped.")
    guest.run("/draft", "  hello while grounding")

    # At a timed step too: kept, and the exercise goes on to its end.
    guest.type("/ground paced")
    guest.expect_exact(STEP)
    guest.type("")
    guest.expect_exact("seconds, round 1")
    guest.type("typed while pacing")
    guest.expect_exact("-- Kept as your draft for Tuesday circle, not sent; /draft shows it.")
    guest.expect_exact("own pace again. " + STEP, timeout=60)
    guest.run("", "-- Paced breathing finished.")
    guest.run("/draft", "  typed while pacing")

    # A marker message proves the host is caught up: the grounding line never arrived.
    guest.type("marker after grounding")
    host.expect_exact("robin: marker after grounding")
    assert not message_lines(host, "robin", "hello while grounding")
    assert not message_lines(guest, "robin", "hello while grounding")
    assert not message_lines(host, "robin", "typed while pacing")
    assert "Paced breathing stopped" not in guest.transcript
    assert "Box breathing stopped" in guest.transcript
    assert guest.transcript.count("Box breathing stopped") == 1
    assert guest.quit() == 0
    assert host.quit() == 0


def test_at_the_passphrase_question_a_line_typed_at_a_step_is_not_sent_or_shown_back(
    plain_user,
):
    plain_user("home", passphrase="tulips in the rain").ready().quit()
    user = plain_user("home", passphrase=None)
    user.expect_exact("?? Passphrase (not shown as you type")
    user.type("/ground box step")
    user.expect_exact(STEP)
    user.type("typed here by mistake")
    user.expect_exact("-- Not sent: nothing is sent while a grounding exercise runs.")
    user.expect_exact(STEP)
    user.run("/stop", "-- Box breathing stopped.")
    user.expect_exact("?? Passphrase (not shown as you type")
    user.type("tulips in the rain")
    user.ready()
    assert user.quit() == 0
    # Only the terminal's own echo of the typing: plain mode did not print it back.
    assert user.transcript.count("typed here by mistake") <= 1
    assert "did not open your history" not in user.transcript
    assert "Traceback" not in user.transcript
