"""Issue 10, item 8: invites survive copy and paste, and pasted lines are never dropped.

The real binary in tmux: the invite dialog shows the whole invite, folded at the width; Copy hands the whole
invite to the terminal's clipboard (tmux keeps what a program copies with OSC 52 as a paste
buffer); an invite pasted wrapped over three lines is read whole by the Join field; several
lines pasted into the composer are all kept.
"""

from __future__ import annotations

import asyncio
import re
import textwrap

import pytest

from peertui.core.engine import Engine
from peertui.paths import resolve_paths

from .conftest import PASSPHRASE
from .test_refused_command import composer_text
from .tmux import history_of, start_peertui

pytestmark = pytest.mark.timeout(120)


def host_alone(tmp_path, relay_url: str) -> str:
    async def prepare() -> str:
        engine = await Engine.open(resolve_paths(tmp_path / "alice"), PASSPHRASE)
        try:
            group = await engine.host_group("evening", relay_url=relay_url, nick="alice")
            return group.group_id
        finally:
            await engine.close()

    return asyncio.run(prepare())


def test_invite_shown_on_one_line_copied_whole_and_read_back_when_wrapped(tmp_path, relay):
    host_alone(tmp_path, relay.url)
    tmux = start_peertui(tmp_path / "alice", width=100, height=30)
    try:
        tmux.run("set-option", "-s", "set-clipboard", "on")
        tmux.wait_for("you are alice")
        tmux.keys("F6")
        screen = tmux.wait_for("Invite to evening")
        tmux.keys("C-y")
        tmux.wait_for("clipboard")
        token = tmux.run("show-buffer").strip()
        assert token.startswith("peertui:") and len(token) > 100, token
        rows = [row for row in screen.splitlines() if "peertui:" in row]
        assert len(rows) == 1 and token[:60] in rows[0], "the invite starts on a line of its own"
        lines = screen.splitlines()
        first = lines.index(rows[0])
        shown = "".join(line.strip(" │") for line in lines[first : first + 3])
        assert token in shown, "all of the invite is in view, folded at the width"

        tmux.keys("Escape")
        tmux.wait_for("Enter sends")
        tmux.keys("F5")
        tmux.wait_for("Join a group")
        wrapped = "\n".join(textwrap.wrap(token, 60))
        assert wrapped.count("\n") >= 2, "wrapped over three lines, as a copy from a dialog"
        tmux.paste(wrapped + "\n")
        tmux.keys("Enter")
        tmux.wait_for("The invite is whole")

        # Escape, and a paste straight after it (before the form has even closed): the paste
        # is for the message box, shown, said and sent as one message, never typed into the
        # form that closed.
        tmux.keys("Escape")
        paste_three_lines_and_send(tmux)
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


def paste_three_lines_and_send(tmux) -> None:
    tmux.paste("first line\nsecond line\r\nthird line\n")
    tmux.wait_for("first line / second line / third line")
    tmux.wait_for("3 lines")  # said, not done silently
    tmux.keys("Enter")
    # (the sent line starts with its number, so it may wrap: read it unwrapped)
    tmux.wait_until(
        lambda screen: (
            "alice: first line / second line / third line" in re.sub(r"[│\s]+", " ", screen)
        ),
        "the pasted lines sent as one message",
    )


def test_pasted_lines_become_one_message_said_and_sent(tmp_path, relay):
    group_id = host_alone(tmp_path, relay.url)
    tmux = start_peertui(tmp_path / "alice", width=100, height=30)
    try:
        tmux.wait_for("you are alice")
        paste_three_lines_and_send(tmux)
        # With the focus on the messages (or nowhere, a dialog just closed), a paste is words
        # for the message box all the same, as typed letters are.
        tmux.keys("BTab")
        tmux.wait_for("Thanks")  # the footer offers what can be done to a message
        tmux.paste("fourth line\nfifth line")
        tmux.wait_until(
            lambda screen: composer_text(screen) == "fourth line / fifth line",
            "the paste in the message box",
        )
        tmux.wait_for("2 lines")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()
    assert "first line / second line / third line" in history_of(tmp_path / "alice", group_id, 1)
