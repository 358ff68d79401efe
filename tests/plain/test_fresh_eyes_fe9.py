"""What the ninth fresh-eyes tester found in plain mode, typed through a real pty on a real
relay: a request waiting for approval was said twice in one line ("Current group: unnamed
group (waiting for approval) (you are robin, waiting for approval)"), and /groups called the
same state "pending" where the TUI says "waiting for approval"."""

from __future__ import annotations

import pytest
from tests.plain.people import host_group

pytestmark = pytest.mark.timeout(200)


def test_a_request_waiting_for_approval_is_said_once_in_status_and_groups(plain_user, relay):
    host = plain_user("host").ready()
    token = host_group(host, relay.url)
    guest = plain_user("guest").ready()
    guest.join(token, "robin")
    guest.expect_exact("-- Asked to join as 'robin'")
    host.expect_exact("-- robin asks to join.")
    start = len(guest.transcript)
    guest.run("/status", "-- You cannot post yet")
    guest.run("/groups", "1. ")
    guest.expect_exact("> ")
    said = guest.transcript[start:]
    status = said.split("Current group:", 1)[1].split("--", 1)[0]
    assert status.count("waiting for approval") == 1, said
    listed = said.split("1. ", 1)[1].split(">", 1)[0]
    assert listed.count("waiting for approval") == 1, said
    assert "pending" not in listed, said
    assert guest.quit() == 0


def test_a_pace_asked_of_an_exercise_with_no_clock_is_not_claimed(plain_user):
    user = plain_user(offline=True).ready()
    start = len(user.transcript)
    user.run("/ground senses 3", "There is no clock")
    user.run("/stop", "> ")
    said = user.transcript[start:]
    assert "counts of 3 seconds" not in said, said
    assert "This exercise has no clock: every step waits for Enter." in said, said
    start = len(user.transcript)
    user.run("/ground box 3", "Your pace: counts of 3 seconds")  # timed: the pace is kept
    user.run("/stop", "> ")
    assert user.quit() == 0
