"""Issue 10, items 5 and 7, with every part a real program: the TUI binary in tmux, plain mode
in a pseudo-terminal (pexpect), the relay on loopback.

Item 7: a message waiting for slow mode that can no longer go out (read-only turned on) comes
back into the TUI's composer with the reason in words, and is still there after a restart.
Item 5: moderation actions done in the TUI are announced once, by nickname (never a raw member
id), and the TUI's moderation log has the same lines as plain mode's /modlog."""

from __future__ import annotations

import asyncio
import re

import pytest

from peertui.core.engine import Engine
from peertui.paths import resolve_paths

from .conftest import PASSPHRASE
from .tmux import make_pair, start_peertui

pytestmark = pytest.mark.timeout(180)


def test_a_returned_waiting_message_is_in_the_composer_and_survives_a_restart(
    tmp_path, relay, plain
):
    pair = make_pair(tmp_path, relay.url)
    host = plain(pair.alice_home)
    bob = start_peertui(pair.bob_home, width=120, height=36)
    try:
        bob.wait_for("you are bob")
        bob.wait_for("connected")
        host.run("/slowmode 30", "alice (owner) set slow mode to 30 seconds")
        bob.wait_for("slow mode 30 s")
        bob.type("first under slow mode")
        bob.keys("Enter")
        bob.wait_for("bob: first under slow mode")
        bob.type("this one has to wait")
        bob.keys("Enter")
        bob.wait_for("this one has to wait (waiting to send)")
        host.run("/readonly on", "alice (owner) set read-only on")
        # The reason in words, in the conversation (it stays there after the pop-up has gone).
        screen = bob.wait_until(
            lambda s: "Your words: this one has to wait" in conversation_text(s),
            "the waiting message said to be returned",
            timeout=40,
        )
        said = conversation_text(screen)
        assert "Could not send a waiting message: The group is read-only" in said, screen
        assert "It is back in the message box" in said, screen
        assert "this one has to wait" in composer_text(screen), screen
        bob.keys("C-q")
        bob.wait_until_shell_runs()
    finally:
        bob.close()

    # Started again, the words are where the member left them: in the message box.
    again = start_peertui(pair.bob_home, width=120, height=36)
    try:
        again.wait_for("you are bob")
        screen = again.wait_until(
            lambda s: "this one has to wait" in composer_text(s),
            "the returned words back in the message box after a restart",
        )
        assert "(waiting to send)" not in screen, "nothing is sent again by itself"
        again.keys("C-q")
        again.wait_until_shell_runs()
    finally:
        again.close()
    assert "bob: this one has to wait" not in host.transcript
    assert host.quit() == 0


def conversation_text(screen: str) -> str:
    """The conversation pane's rows joined into one line of words (wrapped lines rejoined)."""
    rows = [row.split("││")[1] for row in screen.splitlines() if row.count("││") >= 2]
    return " ".join(" ".join(row.strip("│ ▶").split()) for row in rows)


def conversation_rows(screen: str) -> list[str]:
    """The conversation pane's rows, each stripped of its frame and highlight (a wide terminal,
    so a line is a row)."""
    rows = [row.split("││")[1] for row in screen.splitlines() if row.count("││") >= 2]
    return [row.strip("│ ").removeprefix("▶ ").strip() for row in rows if row.strip("│ ")]


def modlog_rows(screen: str) -> list[str]:
    """The numbered entries of the moderation log window."""
    return [
        match.group(1).rstrip()
        for row in screen.splitlines()
        if (match := re.search(r"▊ (#\d+ .*?)\s*▎", row))
    ]


def composer_text(screen: str) -> str:
    """What is in the message box: the row under its "Focus:" or top edge."""
    rows = screen.splitlines()
    top = next(i for i, row in enumerate(rows) if "▊▔" in row)
    return rows[top + 1].split("▊", 1)[1].rstrip("│ ▎")


def invite_from(home) -> str:
    async def invite() -> str:
        engine = await Engine.open(resolve_paths(home), PASSPHRASE)
        try:
            (group,) = engine.groups()
            return await engine.create_invite(group.group_id)
        finally:
            await engine.close()

    return asyncio.run(invite())


def test_moderation_in_the_tui_is_said_once_by_name_and_logged_in_plain_modes_words(
    tmp_path, relay, plain
):
    pair = make_pair(tmp_path, relay.url)
    token = invite_from(pair.alice_home)
    alice = start_peertui(pair.alice_home, width=160, height=40)
    try:
        alice.wait_for("you are alice")
        alice.wait_for("connected")
        bob = plain(pair.bob_home)
        carol = plain(tmp_path / "carol")
        carol.join(token, "carol")
        carol.expect_exact("-- Asked to join as 'carol'")
        alice.wait_for("carol asked to join")
        # Bob hears of the admission before carol's nickname reaches him: "a new member".
        for line, said, bob_hears in (
            ("/approve carol", "alice (owner) admitted carol", "admitted a new member"),
            ("/warn carol please be gentle", "alice (owner) warned carol", "warned carol"),
            ("/mute carol 10 cool down", "alice (owner) muted carol", "muted carol"),
        ):
            alice.type(line)
            alice.keys("Enter")
            alice.wait_until(lambda s, said=said: said in conversation_text(s), said)
            bob.expect_exact(f"-- Moderation: alice (owner) {bob_hears}")
            if line.startswith("/approve"):
                # Actions about carol are named once her profile has arrived (before that the
                # words are "a member (id …)", by design): wait for it, as a person would.
                alice.wait_until(lambda s: "carol joined." in conversation_text(s), "carol joined")
                bob.expect_exact("-- carol joined.")
        carol.expect_exact("-- Moderation: alice (owner) muted carol")
        assert "-- A moderator warned you privately: please be gentle" in carol.transcript
        screen = alice.screen()
        rows = conversation_rows(screen)
        for sentence in (
            "— Moderation: alice (owner) admitted carol.",
            "— Moderation: alice (owner) warned carol (the reason went to them privately).",
        ):
            assert rows.count(sentence) == 1, (sentence, screen)
        muted = [row for row in rows if "muted carol" in row]
        assert len(muted) == 1 and re.fullmatch(
            r"— Moderation: alice \(owner\) muted carol until \d\d:\d\d UTC: cool down\.",
            muted[0],
        ), screen
        # Said once: no second line of the app's own ("Approved carol", "carol was muted").
        about_carol = [row for row in rows if "carol" in row]
        assert len(about_carol) == 5, "\n".join(
            about_carol
        )  # asked, admitted, joined, warned, muted
        assert "member-" not in screen and "(id " not in screen, screen
        assert "please be gentle" not in screen, "a warning's reason is for carol alone"

        alice.type("/modlog")
        alice.keys("Enter")
        # The window is drawn in steps under load: wait for all five entries.
        # (The frame that showed all five is the one compared: in one CI run under load a
        # later capture showed the list with one row; noted as an open lead.)
        whole = alice.wait_until(
            lambda s: len(modlog_rows(s)) == 5 and "muted carol" in modlog_rows(s)[-1],
            "the whole log listed",
        )
        tui_log = modlog_rows(whole)
        bob.type("/modlog")
        bob.expect(r"\n  #\d+ [^\r\n]* muted carol[^\r\n]*\r\n")
        plain_log = [
            line.removeprefix("  ")
            for line in bob.transcript.replace("\r\n", "\n").split("/modlog\n")[-1].split("\n")
            if re.match(r"  #\d+ ", line)
        ]
        assert len(tui_log) == 5 and tui_log == plain_log, (tui_log, plain_log)
        assert re.fullmatch(
            r"#5 \d{4}-\d\d-\d\d \d\d:\d\d UTC alice \(owner\) muted carol "
            r"until \d{4}-\d\d-\d\d \d\d:\d\d UTC: cool down",
            tui_log[-1],
        ), tui_log
        alice.keys("Escape")
        alice.wait_until(lambda s: not modlog_rows(s), "the log closed")
        alice.keys("C-q")
        alice.wait_until_shell_runs()
        for user in (bob, carol):
            assert user.quit() == 0
            assert "member-" not in user.transcript
    finally:
        alice.close()
