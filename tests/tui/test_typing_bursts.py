"""Issue 10, item 1: keys that arrive right after Enter belong to the next message.

The real binary in tmux, keys sent in one burst (as a paste without bracketed paste, or typing
ahead while the app is busy) and at 30 ms per key; each message must reach Bob exactly once,
as typed, and Alice's own history must hold the same.
"""

from __future__ import annotations

import pytest

from .tmux import history_of, make_pair, start_peertui

pytestmark = pytest.mark.timeout(120)

WORDS = ["burst 1", "burst 2", "burst 3"]


def _send_and_check(tmp_path, relay, send) -> None:
    pair = make_pair(tmp_path, relay.url)
    tmux = start_peertui(pair.alice_home)
    try:
        tmux.wait_for("evening")
        tmux.wait_for("Enter sends")
        send(tmux)
        # Own messages show at once as "waiting to send"; quit only once the relay took all
        # three (a waiting one stays in the outbox and would reach Bob only at the next start).
        tmux.wait_until(
            lambda screen: (
                all(f"alice: {w}" in screen for w in WORDS) and "waiting to send" not in screen
            ),
            "all three shown and sent",
        )
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()
    received = history_of(pair.bob_home, pair.group_id, wait_for=len(WORDS))
    assert [t for t in received if t.startswith("burst")] == WORDS, received
    sent = history_of(pair.alice_home, pair.group_id, wait_for=len(WORDS))
    assert [t for t in sent if t.startswith("burst")] == WORDS, sent


def test_three_messages_in_one_burst_arrive_once_each_as_typed(tmp_path, relay):
    def burst(tmux) -> None:
        # A slip corrected in the same burst: Backspace acts where it was typed, not later.
        tmux.keys("burst 1", "Enter", "burst 2", "Enter", "burst 3x", "BSpace", "Enter")

    _send_and_check(tmp_path, relay, burst)


def test_three_messages_at_30_ms_per_key_arrive_once_each_as_typed(tmp_path, relay):
    def slowly(tmux) -> None:
        keys: list[str] = []
        for word in WORDS:
            keys += [*word, "Enter"]
        keys[-2:-1] = ["3", "x", "BSpace"]
        tmux.type_slowly(keys, 0.03)

    _send_and_check(tmp_path, relay, slowly)
