"""What the third fresh-eyes tester found in the TUI, with the real binary in tmux, plain mode
in a pty and the relay on loopback: the warn form sending an empty reason, and the join form
putting the focus on the invite (its text selected) after a nickname error, so the next key
wiped the pasted invite."""

from __future__ import annotations

import asyncio

import pytest
from tests.plain.people import host_group

from peertui.core.engine import Engine
from peertui.paths import resolve_paths

from .conftest import PASSPHRASE
from .tmux import make_pair, start_peertui

pytestmark = pytest.mark.timeout(180)


def test_the_warn_form_refuses_an_empty_reason_and_keeps_the_focus_in_it(tmp_path, relay, plain):
    pair = make_pair(tmp_path, relay.url)
    bob = plain(pair.bob_home)
    alice = start_peertui(pair.alice_home, width=120, height=36)
    try:
        alice.wait_for("connected")
        alice.type("/warn bob")
        alice.keys("Enter")
        alice.wait_for("Reason (sent to them privately)")
        alice.keys("Enter")  # no reason
        alice.wait_for("Give a reason")
        # Still the form, and what is typed now is the reason.
        alice.type("please keep it kind")
        alice.keys("Enter")
        bob.expect_exact("please keep it kind")
        alice.keys("C-q")
    finally:
        alice.close()
    warnings = [line for line in bob.lines() if "warned you" in line]
    assert warnings and all(not line.rstrip().endswith(":") for line in warnings), warnings


def test_after_a_nickname_error_the_focus_is_on_the_nickname_and_the_invite_is_kept(
    tmp_path, relay, plain
):
    host = plain(tmp_path / "host")
    token = host_group(host, relay.url)
    river = start_peertui(tmp_path / "river", width=120, height=60)
    try:
        river.wait_for("F5")
        river.keys("F5")
        river.wait_for("Join a group")
        river.paste(token)
        river.keys("Tab")
        river.type("a" * 45)  # longer than a nickname may be
        river.keys("C-s")
        screen = river.wait_until(
            lambda s: "at most 40 characters" in s or "tick the box" in s, "an error"
        )
        if "at most 40 characters" not in screen:
            river.keys("Space")
            river.keys("C-s")
            river.wait_for("at most 40 characters")
        river.type("ZZZ")  # the next keys: into the nickname the error is about
        river.wait_for("aaaZZZ")
        river.keys("C-u")
        river.type("kit")
        river.keys("C-s")
        screen = river.wait_until(
            lambda s: "Request sent" in s or "waiting for" in s or "tick the box" in s,
            "the next step",
        )
        if "tick the box" in screen:
            river.keys("Space")
            river.keys("C-s")
        host.expect_exact("-- kit asks to join.")
        river.keys("C-q")
    finally:
        river.close()


def test_the_join_requests_list_shows_a_request_that_arrives_while_it_is_open(
    tmp_path, relay, plain
):
    pair = make_pair(tmp_path, relay.url)
    token = asyncio.run(invite_for(pair.alice_home, pair.group_id))
    alice = start_peertui(pair.alice_home, width=120, height=36)
    try:
        alice.wait_for("connected")
        alice.keys("F9")
        alice.wait_for("No one is waiting to join.")
        kit = plain(tmp_path / "kit")
        kit.join(token, "kit")
        kit.expect_exact("-- Asked to join as 'kit'")
        # The open list follows: kit appears in it without closing and opening it again.
        alice.wait_until(
            lambda s: "Join requests" in s and "kit" in s and "No one is waiting" not in s,
            "kit in the open list",
        )
        alice.keys("Enter")
        alice.wait_for("Join request from kit")
    finally:
        alice.close()


async def invite_for(home, group_id: str) -> str:
    engine = await Engine.open(resolve_paths(home), PASSPHRASE)
    try:
        return await engine.create_invite(group_id)
    finally:
        await engine.close()


def test_guidelines_written_as_two_lines_are_two_lines_in_the_accept_dialog(tmp_path, relay, plain):
    pair = make_pair(tmp_path, relay.url)
    host = plain(pair.alice_home)
    bob = start_peertui(pair.bob_home, width=120, height=40)
    try:
        bob.wait_for("connected")
        host.run("/guidelines edit", "?? Guideline 1 (an empty line finishes)?")
        host.run("Be gentle with each other.", "?? Guideline 2")
        host.run("No advice unless asked.", "?? Guideline 3")
        host.type("")
        host.run("yes", "-- The new guidelines are published.")
        bob.wait_for("changed the guidelines")
        bob.type("hello again")
        bob.keys("Enter")
        screen = bob.wait_for("Please read this group's guidelines")
        screen = bob.wait_for("No advice unless asked.")
        rows = [row for row in screen.splitlines() if "Be gentle with each other." in row]
        assert rows and all("No advice" not in row for row in rows), screen
    finally:
        bob.close()
