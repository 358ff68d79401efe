"""fresh-eyes3 item 8 with the real programs: Bob in the TUI (tmux), Alice in plain mode
(pexpect), on a real relay. The relay is killed, Bob writes, then Alice writes, the relay comes
back: both show Bob's first (it was written first), with one "▶" on Bob's screen. Before the
fix each device put the other's message first.
"""

from __future__ import annotations

import time

import pytest
from tests.plain.people import PlainUser

from .conftest import PASSPHRASE
from .tmux import make_pair, start_peertui

pytestmark = pytest.mark.timeout(240)

BOB_WROTE = "bob typed this first while the relay was down"
ALICE_WROTE = "alice typed this a little later"


def test_two_front_ends_show_one_order_after_the_relay_was_down(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url)
    bob = start_peertui(pair.bob_home, 140, 30)
    alice = PlainUser(pair.alice_home, passphrase=PASSPHRASE)
    try:
        alice.ready()
        bob.wait_for("you are bob", timeout=40)
        relay.kill()
        bob.type(BOB_WROTE)
        bob.keys("Enter")
        bob.wait_for("(waiting to send)", timeout=30)
        time.sleep(1.5)  # written a clear moment apart: Bob's first
        alice.type(ALICE_WROTE)
        alice.expect(r"-- Not connected: message #\d+ is saved")
        relay.restart()

        def both_sent(screen: str) -> bool:
            return all(t in screen for t in (BOB_WROTE, ALICE_WROTE)) and (
                "(waiting to send)" not in screen
            )

        screen = bob.wait_until(both_sent, "both messages, Bob's sent", timeout=60)
        rows = screen.splitlines()
        bob_row = next(i for i, r in enumerate(rows) if BOB_WROTE in r)
        alice_row = next(i for i, r in enumerate(rows) if ALICE_WROTE in r)
        assert bob_row < alice_row, screen
        assert screen.count("▶") == 1, screen

        alice.expect(rf"#\d+ bob: {BOB_WROTE}", timeout=60)
        alice.run("/history 10", "/history 10")
        alice.expect_exact(ALICE_WROTE)
        alice.expect_exact("> ")
        listing = alice.transcript[alice.transcript.rindex("/history 10") :]
        assert listing.index(BOB_WROTE) < listing.index(ALICE_WROTE), listing
        assert alice.quit() == 0
    finally:
        alice.close()
        bob.close()
