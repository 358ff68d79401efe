"""What a fresh-eyes tester of session 10 found in plain mode, typed through a real pty on a
real relay: a request waiting for approval was announced as "Connected to the relay of unnamed
group (waiting for approval)", and the relay going away while it waited as "The relay of
unnamed group (waiting for approval) is not reachable"; and a thanks for one's own message read
"robin thanked host for a message." (host being the one reading it), naming no message."""

from __future__ import annotations

import pytest
from tests.plain.people import admitted, ask_to_join, host_group

pytestmark = pytest.mark.timeout(200)


def test_a_request_waiting_for_approval_hears_of_its_relay_in_plain_words(plain_user, relay):
    host = plain_user("host").ready()
    token = host_group(host, relay.url)
    guest = plain_user("guest").ready()
    ask_to_join(host, guest, token, "robin")
    guest.expect_exact(
        "-- Connected to the relay. Your request to join is waiting for a moderator's approval."
    )
    relay.kill()
    guest.expect_exact(
        "-- The relay is not reachable; peertui keeps trying by itself, and your request to "
        "join still waits for a moderator's approval.",
        timeout=30,
    )
    relay.restart()
    guest.expect_exact(
        "-- Connected to the relay again. Your request to join is still waiting for a "
        "moderator's approval.",
        timeout=60,
    )
    host.run("/approve robin", "admitted robin.")
    guest.expect_exact("-- You are now a member of Tuesday circle.", timeout=30)
    assert "unnamed group" not in guest.transcript, guest.transcript
    assert host.quit() == 0
    assert guest.quit() == 0


def test_a_thanks_says_whose_message_and_which_one(plain_user, relay):
    host = plain_user("host").ready()
    token = host_group(host, relay.url)
    guest = plain_user("guest").ready()
    admitted(host, guest, token, "robin")
    guest.expect_exact("-- You are now a member of Tuesday circle.")
    third = plain_user("third").ready()
    admitted(host, third, token, "sky")
    third.expect_exact("-- You are now a member of Tuesday circle.")
    host.type("glad you are both here")
    mine = host.expect(r"#(\d+) host: glad you are both here").group(1)
    theirs = guest.expect(r"#(\d+) host: glad you are both here").group(1)
    seen = third.expect(r"#(\d+) host: glad you are both here").group(1)
    guest.run(f"/thanks {theirs}", f"Thanked host for message #{theirs}.")
    host.expect_exact(f"-- robin thanked you for message #{mine}.")
    third.expect_exact(f"-- robin thanked host for message #{seen}.")
    assert "thanked host" not in host.transcript, host.transcript
    for user in (host, guest, third):
        assert user.quit() == 0


def test_approving_a_misspelt_name_points_to_the_requests_not_the_members(plain_user, relay):
    """/approve rivr said "Nobody called 'rivr' is in this group. /members lists everyone.",
    and /members does not list the people asking to join."""
    host = plain_user("host").ready()
    token = host_group(host, relay.url)
    guest = plain_user("guest").ready()
    ask_to_join(host, guest, token, "river")
    host.run("/approve rivr", "!! Nobody called 'rivr' is asking to join")
    host.expect_exact("/requests lists who is")
    host.run("/deny rivr", "!! Nobody called 'rivr' is asking to join")
    host.run("/approve river", "admitted river.")
    assert "/members lists everyone" not in host.transcript, host.transcript
    assert host.quit() == 0
    assert guest.quit() == 0
