"""The TUI follows plain mode's shared rules and words (ui/flows, ui/wording), with the real
binary in tmux, plain-mode people in a pty and the relay on loopback.

Before: the TUI decided by comparing texts whether to show a group's guidelines on approval,
and /accept always opened them, also while the request was still waiting; a member who was
muted or removed saw only the log line (no word on what it meant, until when, or that the
safety keys still work) and the status line never said "muted"; a moderator acting on a
member with an open report was not told of it; and /status was plain-only.

Commands are typed in a burst (`type`) and at 30 ms a key (`type_slowly`), as people type.
"""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from tests.plain.people import admitted, host_group, invite_of

from peertui.core.engine import Engine
from peertui.paths import resolve_paths

from .conftest import PASSPHRASE
from .tmux import Tmux, start_peertui

pytestmark = pytest.mark.timeout(240)


def ask_to_join(home, token: str, nick: str) -> None:
    """The TUI person's request, made before their terminal opens (the join form has its own
    tests): the general guidelines accepted, as the form accepts them."""

    async def join() -> None:
        engine = await Engine.open(resolve_paths(home), PASSPHRASE)
        try:
            await engine.join(token, nick)
        finally:
            await engine.close()

    asyncio.run(join())


def slowly(tmux: Tmux, line: str) -> None:
    tmux.type_slowly([*line, "Enter"])


def typed(tmux: Tmux, line: str) -> None:
    tmux.type(line)
    tmux.wait_for(f"▊  {line}", timeout=10)  # in the composer, then Enter
    tmux.keys("Enter")


def flat(screen: str) -> str:
    """The screen's words as one line: a notice wraps at the terminal's width."""
    return re.sub(r"\s+", " ", screen.replace("│", " ").replace("┃", " "))


def wait_words(tmux: Tmux, words: str, timeout: float = 20.0) -> str:
    return tmux.wait_until(lambda s: words in flat(s), repr(words), timeout=timeout)


def test_guidelines_accepted_at_join_are_not_asked_again_and_accept_while_waiting_says_so(
    tmp_path, relay, plain
):
    host = plain(tmp_path / "host")
    token = host_group(host, relay.url)
    ask_to_join(tmp_path / "river", token, "river")
    host.expect_exact("-- river asks to join.")
    river = start_peertui(tmp_path / "river", width=120, height=40)
    try:
        river.wait_for("waiting for approval")
        typed(river, "/accept")  # a burst
        screen = wait_words(river, "is still waiting for a moderator's approval")
        assert "you can post" not in flat(screen).casefold(), screen
        assert "Please read this group's guidelines" not in screen

        host.run("/approve river", "admitted river.")
        wait_words(river, "You are now a member of Tuesday circle.")
        # The general guidelines, accepted on joining, are the group's: no dialog again.
        slowly(river, "hello, first time here")
        host.expect_exact("river: hello, first time here")
        assert "Please read this group's guidelines" not in river.everything()

        slowly(river, "/accept")  # at 30 ms a key: asked for, they are shown to read
        river.wait_for("Please read this group's guidelines")
        river.keys("Enter")  # the first answer has the focus: accept
        wait_words(river, "You accepted the guidelines of Tuesday circle. You can post.")
        river.keys("C-q")
        river.wait_until_shell_runs()
    finally:
        river.close()


def test_guidelines_of_its_own_are_shown_on_approval_and_accepting_says_what_it_means(
    tmp_path, relay, plain
):
    host = plain(tmp_path / "host")
    host.run(f"/host Tuesday circle {relay.url}", "-- Tuesday circle is ready")
    # Connected first: a line arriving while a guideline is asked makes plain mode ask whether
    # the answer was meant for the question (ui/flows.is_it_for).
    if "-- Connected to" not in host.transcript:
        host.expect_exact("-- Connected to")
    host.run("/guidelines edit", "?? Guideline 1 (an empty line finishes)?")
    host.run("Be gentle with each other.", "?? Guideline 2")
    host.type("")
    host.run("yes", "-- The new guidelines are published.")
    token = invite_of(host)
    ask_to_join(tmp_path / "river", token, "river")
    host.expect_exact("-- river asks to join.")
    river = start_peertui(tmp_path / "river", width=120, height=40)
    try:
        river.wait_for("waiting for approval")
        host.run("/approve river", "admitted river.")
        screen = river.wait_for("Please read this group's guidelines")
        river.wait_for("Be gentle with each other.")
        # Until accepted, the status line says why a message would not go.
        wait_words(river, "Accept the group's guidelines before posting")
        assert "I accept" in screen
        river.keys("Enter")  # the first answer has the focus: accept
        wait_words(river, "You accepted the guidelines of Tuesday circle. You can post.")
        river.wait_until(
            lambda s: "Accept the group's guidelines before posting" not in flat(s),
            "the status line without the guidelines",
        )
        typed(river, "thank you, I read them")
        host.expect_exact("river: thank you, I read them")
        river.keys("C-q")
        river.wait_until_shell_runs()
    finally:
        river.close()


def test_a_muted_member_is_told_the_keys_and_until_when_and_a_moderator_the_report(
    tmp_path, relay, plain
):
    host = plain(tmp_path / "host")
    token = host_group(host, relay.url)
    ask_to_join(tmp_path / "river", token, "river")
    host.expect_exact("-- river asks to join.")
    host.run("/approve river", "admitted river.")
    sage = plain(tmp_path / "sage")
    admitted(host, sage, invite_of(host), "sage")
    sage.expect_exact("-- You are now a member of Tuesday circle.")
    river = start_peertui(tmp_path / "river", width=120, height=40)
    try:
        river.wait_for("you are river")
        river.wait_for("connected")
        slowly(river, "/status")
        wait_words(river, "Current group: Tuesday circle (you are river, member)")
        wait_words(river, "the relay is connected")

        host.run("/mute river 10 cooling off", "muted river until")
        screen = wait_words(river, "You are muted in Tuesday circle until")
        words = flat(screen)
        # The TUI's own keys, not plain mode's commands.
        assert "The moderation log (F10) shows who did it and why." in words, screen
        assert "Crisis lines (F1), grounding (F2) and your safety plan (F3) still work." in words
        # The status line says it while it lasts (it is the screen's first row).
        first = river.wait_until(
            lambda s: "You are muted until" in s.splitlines()[0], "the status line"
        )
        until = re.search(r"muted until (\d\d:\d\d) UTC", first.splitlines()[0])
        assert until, first
        typed(river, "/status")
        wait_words(river, f"You are muted until {until.group(1)} UTC: you can read but not post.")
        river.keys("F1")  # crisis lines still open while muted
        river.wait_for("call your emergency number")  # the screen itself, not "Crisis lines (F1)"
        river.keys("Escape")
        river.wait_until(lambda s: "Focus: Message" in s, "back at the composer")

        host.run("/unmute river", "unmuted river")
        river.wait_until(
            lambda s: "You are muted until" not in s.splitlines()[0], "the status line again"
        )
        typed(river, "/status")
        wait_words(river, "You can post.")

        # River moderates: told which of sage's messages was reported before muting them.
        host.run("/promote river", "river")
        river.wait_for("moderator")
        sage.type("you are all useless")
        number = host.expect(r"#(\d+) sage: you are all useless").group(1)
        river.wait_for("sage: you are all useless")
        host.run(f"/report {number} rude to everyone", f"reported message #{number}")
        river.wait_for("was reported")
        time.sleep(0.5)
        slowly(river, "/mute sage 10 cooling off")
        screen = wait_words(river, "sage's message #")
        words = flat(screen)
        assert "was flagged in a report: rude to everyone." in words, screen
        assert "/dismiss 1 takes the report off the list." in words, screen
        sage.expect_exact("muted sage until")

        host.run("/remove river enough for today", "removed river")
        screen = wait_words(river, "You were removed from Tuesday circle")
        assert "Crisis lines (F1)" in flat(screen), screen
        river.keys("C-q")
        river.wait_until_shell_runs()
    finally:
        river.close()
    # Said to the member only.
    assert "You are muted in" not in host.transcript
    assert "was flagged in a report" not in sage.transcript
