"""A message with method details is folded for the reader, and one message can be hidden
(/hide N), in the TUI as in plain mode (tests/plain/test_safety_v2.py): the real binary in
tmux, the messages sent by a real second member through the relay."""

from __future__ import annotations

import asyncio
import re

import pytest

from peertui.core.engine import Engine
from peertui.paths import resolve_paths

from .conftest import PASSPHRASE
from .tmux import make_pair, start_peertui

pytestmark = pytest.mark.timeout(180)

METHOD = "I have 40 paracetamol counted out for tonight"
TO_HIDE = "a message to hide from my own view"


def test_a_method_is_folded_and_one_message_is_hidden_in_the_tui(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url)

    async def bob_writes() -> None:
        bob = await Engine.open(resolve_paths(pair.bob_home), PASSPHRASE)
        try:
            await bob.send(pair.group_id, METHOD)
            await bob.send(pair.group_id, TO_HIDE)
        finally:
            await bob.close()

    asyncio.run(bob_writes())
    tmux = start_peertui(pair.alice_home, width=120, height=36)
    try:
        tmux.wait_for("you are alice")
        # Folded for the reader: the method's words are not on the screen until opened.
        screen = tmux.wait_for("bob: [folded — may describe a method of self-harm")
        assert "paracetamol" not in screen, screen
        folded = re.search(r"#(\d+) bob: \[folded", screen)
        assert folded, screen
        tmux.type(f"/open {folded.group(1)}")
        tmux.keys("Enter")
        tmux.wait_for(f"bob: {METHOD}")

        screen = tmux.wait_for(f"bob: {TO_HIDE}")
        number = re.search(rf"#(\d+) bob: {TO_HIDE}", screen)
        assert number, screen
        tmux.type(f"/hide {number.group(1)}")
        tmux.keys("Enter")
        screen = tmux.wait_until(
            lambda s: TO_HIDE not in s and f"#{number.group(1)} bob: [hidden" in s,
            "the message hidden behind its label",
        )
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()

    # Hidden on this computer: still hidden after a restart.
    again = start_peertui(pair.alice_home, width=120, height=36)
    try:
        again.wait_for("you are alice")
        again.wait_until(
            lambda s: f"#{number.group(1)} bob: [hidden" in s and TO_HIDE not in s,
            "the message still hidden after a restart",
        )
        again.keys("C-q")
        again.wait_until_shell_runs()
    finally:
        again.close()
