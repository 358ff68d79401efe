"""What the eighth fresh-eyes tester found in the TUI, with the real binary in tmux, a plain
host in a pty and the relay on loopback: at 80x24 the notice line above the panes cut a long
notice off mid-sentence ("... and your safety plan (F3) still"), and a removed member was told
the removal twice."""

from __future__ import annotations

import re

import pytest
from tests.e2e.faults import SmallDisk
from tests.plain.people import host_group

from .test_guidelines_and_sanctions_tmux import ask_to_join, flat, wait_words
from .tmux import make_pair, start_peertui

pytestmark = pytest.mark.timeout(180)


def above_the_panes(screen: str) -> str:
    """The status line and the notice line: every row above the panes' top border."""
    rows = screen.splitlines()
    top = next(i for i, row in enumerate(rows) if row.startswith("╭"))
    return flat("\n".join(rows[:top]))


def test_a_long_notice_is_shown_whole_at_80x24_and_a_removal_is_told_once(tmp_path, relay, plain):
    host = plain(tmp_path / "host")
    token = host_group(host, relay.url)
    ask_to_join(tmp_path / "river", token, "river")
    host.expect_exact("-- river asks to join.")
    host.run("/approve river", "admitted river.")
    river = start_peertui(tmp_path / "river", width=80, height=24)
    try:
        river.wait_for("you are river")
        river.wait_for("connected")
        host.run("/warn river please use a content warning", "warned river")
        wait_words(river, "A moderator warned you privately")
        host.run("/mute river 10 cooling off", "muted river until")
        # Two notices at once, the second three rows long at this width: both whole.
        screen = river.wait_until(
            lambda s: "still work." in above_the_panes(s), "the mute's notice shown whole"
        )
        assert "A moderator warned you privately" in above_the_panes(screen), screen
        host.run("/unmute river", "unmuted river")
        host.run("/remove river enough for today", "removed river")
        screen = river.wait_until(
            lambda s: (
                "You were removed from" in above_the_panes(s)
                and "still work." in above_the_panes(s).split("You were removed from", 1)[1]
            ),
            "the removal's notice shown whole",
        )
        everything = flat(river.everything())
        told = everything.split("removed river: enough for today", 1)[-1]
        assert len(re.findall("You were removed from", told)) <= 2, screen  # notice + its line
        assert "by its moderators" not in everything, screen
        river.keys("C-q")
        river.wait_until_shell_runs()
    finally:
        river.close()


def test_a_safety_plan_step_saved_on_a_full_disk_comes_back_in_its_editor(tmp_path):
    disk = SmallDisk(tmp_path / "disk", size_kib=8192)
    assert disk.real, "needs root for a small tmpfs (the tests run as root)"
    home = disk.dir / "home"
    tmux = start_peertui(home, width=100, height=30)
    try:
        tmux.wait_for("No groups yet")  # unlocked: the home is set up on the disk
        disk.fill()
        tmux.keys("F3")
        tmux.wait_for("Warning signs")
        tmux.keys("Enter")
        tmux.wait_for("One item per line")
        tmux.type("cannot sleep")
        tmux.keys("C-s")
        screen = tmux.wait_for("safety plan was not saved")
        assert "(save)" not in screen, screen
        # The words are back in the step's editor, not lost.
        screen = tmux.wait_until(
            lambda s: "One item per line" in s and "cannot sleep" in s, "the editor again"
        )
        disk.free()
        tmux.keys("C-s")
        tmux.wait_for("• cannot sleep")
        tmux.keys("C-q")
    finally:
        tmux.close()
        disk.close()


def test_ban_after_remove_says_they_are_gone_in_the_tui_too(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url)
    alice = start_peertui(pair.alice_home, width=100, height=30)
    try:
        alice.wait_for("connected")
        alice.type("/remove bob")
        alice.keys("Enter")
        alice.wait_for("removed bob")
        alice.type("/ban bob")
        alice.keys("Enter")
        screen = wait_words(alice, "bob is no longer in this group")
        assert "Nobody called" not in flat(screen), screen
        alice.keys("C-q")
    finally:
        alice.close()
