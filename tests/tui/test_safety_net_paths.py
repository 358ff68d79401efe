"""Issue 15's paths in the real TUI binary (tmux): a keyring home opened where no keyring is
reachable, the after-send offer fitted to the moment, the someone-else guide, and a received
cry for help shown with its note and reported with r then Enter."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import time

import keyring
import pytest
from tests.core.test_store import MemoryKeyring

from peertui.core.engine import Engine
from peertui.core.errors import NotAllowed
from peertui.core.store import Store
from peertui.paths import resolve_paths

from .conftest import PASSPHRASE
from .tmux import PEERTUI, Tmux, make_pair, start_peertui

pytestmark = pytest.mark.timeout(120)

CRY = "I am going to end my life tonight"


def test_a_keyring_home_without_a_keyring_is_not_asked_for_a_passphrase(tmp_path, monkeypatch):
    """Over SSH the keyring cannot be reached: the TUI says why it stays locked, asks for no
    passphrase (the home has none), and the crisis lines are one key away."""
    monkeypatch.delenv("PEERTUI_PASSPHRASE")  # tmux passes the test's environment on
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        paths = resolve_paths(tmp_path / "desk")
        Store.open(paths, None).close()
    finally:
        keyring.set_keyring(previous)
    for marker in ("welcome-seen", "country-asked"):
        (paths.config_dir / marker).touch()
    env = {
        "PEERTUI_HOME": str(tmp_path / "desk"),
        "PATH": os.environ.get("PATH", ""),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "PS1": "$ ",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    tmux = Tmux(env, width=100, height=40)
    try:
        tmux.type(f"{PEERTUI} --tui")
        tmux.keys("Enter")
        screen = tmux.wait_for("peertui stays locked")
        assert "keeps its database key in the system keyring" in " ".join(screen.split())
        assert "Unlock your history" not in screen and "passphrase" not in screen.lower()
        tmux.keys("F1")
        screen = tmux.wait_for("112 works in most of the world")
        tmux.type("sg")
        tmux.keys("Enter")
        screen = tmux.wait_for("National Mindline 1771")
        assert "6389 2222" not in screen
        tmux.keys("F12")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


def test_offer_guide_and_a_received_cry_for_help_in_the_tui(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url)

    async def bob_moderates_and_writes() -> None:
        # Bob moderates too, so the report Alice makes has someone to reach.
        alice = await Engine.open(resolve_paths(pair.alice_home), PASSPHRASE)
        try:
            await alice.promote(pair.group_id, "bob")
        finally:
            await alice.close()
        bob = await Engine.open(resolve_paths(pair.bob_home), PASSPHRASE)
        try:
            await bob.send(pair.group_id, CRY)
        finally:
            await bob.close()

    async def reports_bob_received() -> list[str]:
        bob = await Engine.open(resolve_paths(pair.bob_home), PASSPHRASE)
        try:
            deadline = time.monotonic() + 20
            while True:  # until Bob's engine has caught up with the relay
                with contextlib.suppress(NotAllowed):
                    found = bob.reports(pair.group_id)
                    if found or time.monotonic() > deadline:
                        return [f"{r.reason} | {r.text}" for r in found]
                assert time.monotonic() < deadline, "Bob never caught up as a moderator"
                await asyncio.sleep(0.1)
        finally:
            await bob.close()

    asyncio.run(bob_moderates_and_writes())

    def reports_bob_received_now() -> list[str]:
        return asyncio.run(reports_bob_received())

    tmux = start_peertui(pair.alice_home, width=120, height=40)
    try:
        # Received: shown (not folded) with a note for the reader and the one key to report.
        screen = tmux.wait_for(f"bob: {CRY}")
        assert "folded" not in screen
        screen = tmux.wait_for("The writer may be in crisis.")
        # The note names its own message, so a report never lands on the line below it.
        number = re.search(rf"#(\d+) bob: {re.escape(CRY)}", screen).group(1)
        assert f"/report {number} (or r with this message highlighted) tells" in screen
        tmux.keys("BTab")  # to the messages: the newest, Bob's, is highlighted
        tmux.wait_for("Focus: Conversation")
        tmux.keys("r")
        screen = tmux.wait_for("Report this message to the moderators")
        assert "The writer may be in crisis and need support." in screen
        tmux.keys("Enter")
        tmux.wait_for("You reported message #")
        # An ordinary end-to-end report: Bob, a moderator, has it with the filled-in reason.
        assert reports_bob_received_now() == [
            f"The writer may be in crisis and need support. | {CRY}"
        ]
        tmux.keys("Escape")

        # The most urgent tier: the emergency number and the top line come first.
        tmux.type("/set country GB")
        tmux.keys("Enter")
        tmux.wait_for("GB")
        tmux.type("i'm up on the roof now")
        tmux.keys("Enter")
        screen = tmux.wait_for("You matter, and help can reach you right now.")
        lines = [line.strip(" │█▌▐") for line in screen.splitlines()]
        title = next(i for i, line in enumerate(lines) if "You matter" in line)
        below = " ".join(lines[title + 1 : title + 6])
        assert below.index("call 999 or 112 now") < below.index("Samaritans: 116 123")
        tmux.wait_for("Not now")
        tmux.keys("Escape")
        tmux.wait_until(lambda s: "You matter" not in s, "the offer closed", timeout=10)

        # Worry about someone else: the guide is offered and opens with Enter.
        tmux.type("my sister texted me that she wants to kill herself")
        tmux.keys("Enter")
        # (both, in one frame: the dialog's buttons can be drawn a frame before its text)
        screen = tmux.wait_until(
            lambda s: "How to help them" in s and "worried about someone" in s,
            "the someone-else offer",
        )
        tmux.keys("Enter")
        screen = tmux.wait_for("Someone you know may be in danger")
        assert "Call 999 or 112 now" in screen
        assert "Are you thinking about suicide?" in screen
        tmux.keys("Escape")
        tmux.wait_until(lambda s: "Someone you know" not in s, "the guide closed", timeout=10)

        # The safety plan: its professionals step starts with the country's lines, and the
        # last step is the reasons for living.
        tmux.keys("F3")
        screen = tmux.wait_for("7. Reasons for living")
        assert "Emergency: 999 or 112" in screen and "Samaritans: 116 123" in screen
        tmux.keys("F12")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


def test_urge_surfing_and_own_pace_in_the_real_binary(tmp_path):
    tmux = start_peertui(tmp_path / "alice", width=100, height=30)
    try:
        tmux.wait_for("F1 crisis lines")
        tmux.keys("F2")
        tmux.wait_for("Riding out an urge (5 minutes)")
        for _ in range(5):  # five grounding exercises come first
            tmux.keys("Down")
        tmux.keys("Enter")
        screen = tmux.wait_for("An urge is like a wave")
        assert "Riding out an urge (5 minutes)" in screen
        for _ in range(12):  # Enter moves on at each step, timed or not
            tmux.keys("Enter")
            time.sleep(0.2)
            if "Has the urge passed" in tmux.screen():
                break
        screen = tmux.wait_for("Has the urge passed, or is it weaker now?")
        tmux.keys("y")
        tmux.wait_for("Well done for staying with it.")
        tmux.keys("Escape")
        tmux.wait_until(lambda s: "Well done" not in s, "the exercise stopped", timeout=10)
        tmux.keys("Escape")
        tmux.wait_until(lambda s: "choose an exercise" not in s, "back home", timeout=10)

        # Own pace: box breathing at 2-second counts, chosen before it begins.
        tmux.keys("F2")
        tmux.wait_for("Box breathing")
        tmux.keys("Down")  # box breathing is second, after the five senses
        tmux.keys("Enter")
        tmux.wait_for("Press Enter to begin")
        tmux.keys("s")  # step by step first, then a mind changed: the count is still heard
        tmux.wait_for("Own pace: step by step. Press Enter to begin.")
        tmux.keys("2")
        tmux.wait_for("Own pace: 2-second counts. Press Enter to begin.")
        tmux.keys("Enter", "Enter")
        tmux.wait_for("Breathe in slowly through your nose.")
        tmux.keys("F12")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()
