"""Guidelines at /join, at approval and at /accept follow one shared rule (ui/flows.py).

Before: a member who said yes to the guidelines at /join was still told to type /accept once
approved; /accept while still waiting for approval said "you can post"; and a nickname too
long was refused only after the guidelines question.
"""

from __future__ import annotations

import pytest
from tests.plain.people import admitted, host_group, invite_of

pytestmark = pytest.mark.timeout(90)

TOO_LONG = "a" * 41


def test_guidelines_accepted_at_join_are_not_asked_again(plain_user):
    host = plain_user("host").ready()
    token = host_group(host, None)
    guest = plain_user("guest").ready()
    admitted(host, guest, token)
    guest.expect_exact("-- You are now a member of Tuesday circle.")
    guest.type("hello, first time here")
    host.expect_exact("robin: hello, first time here")
    guest.expect_exact("robin: hello, first time here")
    guest.run("/accept", "-- You accepted the guidelines of Tuesday circle. You can post.")
    assert guest.quit() == 0
    assert host.quit() == 0
    assert "/accept" not in "\n".join(line for line in guest.lines() if line.startswith("-- "))
    assert "Do you accept this group's guidelines" not in guest.transcript


def test_other_guidelines_are_shown_on_approval_with_how_to_accept(plain_user):
    host = plain_user("host").ready()
    host.run("/host Tuesday circle", "-- Tuesday circle is ready")
    # Connected first, so the group's lines come in a known order (the connection line is an
    # aside: typed at a guideline after it, a line is still the answer; test_questions.py).
    host.wait_connected()
    host.run("/guidelines edit", "?? Guideline 1 (an empty line finishes)?")
    host.run("Be gentle with each other.", "?? Guideline 2")
    host.type("")
    host.run("yes", "-- The new guidelines are published.")
    token = invite_of(host)
    guest = plain_user("guest").ready()
    admitted(host, guest, token)
    guest.expect_exact("-- You are now a member of Tuesday circle.")
    guest.expect_exact("  Be gentle with each other.")
    guest.expect_exact("type /accept")
    guest.run("/accept", "-- You accepted the guidelines of Tuesday circle. You can post.")
    assert guest.quit() == 0
    assert host.quit() == 0


def test_accept_while_waiting_for_approval_does_not_say_you_can_post(plain_user):
    host = plain_user("host").ready()
    token = host_group(host, None)
    guest = plain_user("guest").ready()
    guest.join(token)
    guest.expect_exact("-- Asked to join as 'robin'")
    guest.run("/accept", "-- Your request to join")
    guest.expect_exact("is still waiting for a moderator's approval.")
    assert guest.quit() == 0
    assert host.quit() == 0
    assert "can post" not in guest.transcript


def test_a_nickname_too_long_is_refused_before_the_guidelines_question(plain_user):
    host = plain_user("host").ready()
    token = host_group(host, None)
    guest = plain_user("guest").ready()
    guest.type(f"/join {token} {TOO_LONG}")
    guest.expect_exact("!! A nickname can be at most 40 characters. Type another, or /cancel.")
    guest.expect_exact("?? Nickname to use in this group (one word, or /cancel)?")
    start = len(guest.transcript)
    guest.run("robin", "?? Do you accept these guidelines: yes or no?")
    assert "Do you accept these guidelines" not in guest.transcript[:start]
    guest.type("yes")
    guest.expect_exact("-- Asked to join as 'robin'")
    host.expect_exact("-- robin asks to join.")
    assert guest.quit() == 0
    assert host.quit() == 0
