"""/slowmode N and /readonly on|off typed whole are done at once in the TUI, as in plain mode
(one rule: `ui.commands.asks_first`), so a command typed straight after is never swallowed by a
confirmation dialog. The real binary in tmux, in a burst and at 30 ms a key."""

from __future__ import annotations

import pytest

from .tmux import make_pair, start_peertui

pytestmark = pytest.mark.timeout(180)


def test_group_settings_typed_whole_are_done_at_once_and_keep_what_follows(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url)
    tmux = start_peertui(pair.alice_home, width=120, height=36)
    try:
        tmux.wait_for("you are alice")
        tmux.wait_for("connected")
        # A burst: two commands and a message, each right after the other.
        tmux.type("/slowmode 30")
        tmux.keys("Enter")
        tmux.type("/readonly on")
        tmux.keys("Enter")
        tmux.type("moderators still post")
        tmux.keys("Enter")
        screen = tmux.wait_until(
            lambda s: (
                "set slow mode to 30 seconds" in s
                and "set read-only on" in s
                and "alice: moderators still post" in s
            ),
            "both settings done and the message sent",
        )
        assert "Change slow mode?" not in screen and "Make the group read-only?" not in screen
        # 30 ms a key: the same, turned back off.
        tmux.type_slowly([*"/slowmode off", "Enter", *"/readonly off", "Enter"])
        tmux.wait_until(
            lambda s: (
                "turned slow mode off" in s or "set slow mode to 0" in s or "slow mode off" in s
            ),
            "slow mode turned off",
        )
        tmux.wait_until(lambda s: "set read-only off" in s, "read-only turned off")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()
