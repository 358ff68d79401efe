"""What the seventh fresh-eyes tester found in the TUI, with the real binary in tmux and the
relay on loopback: `w` on one's own message opening "Warn a member" filled with oneself,
Escape in a safety-plan step throwing typed lines away, and an unlock dialog nothing leaves."""

from __future__ import annotations

import asyncio

import pytest

from peertui.core.engine import Engine
from peertui.paths import resolve_paths

from .conftest import PASSPHRASE
from .tmux import PEERTUI, Tmux, make_pair, start_peertui, terminal_env

pytestmark = pytest.mark.timeout(180)

SELF = "Moderators cannot warn, mute, remove or ban themselves, and alice is you."


def test_w_on_your_own_message_is_refused_once_before_any_form(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url)
    alice = start_peertui(pair.alice_home, width=100, height=30)
    try:
        alice.wait_for("connected")
        alice.type("a line of my own")
        alice.keys("Enter")
        alice.wait_for("alice: a line of my own")
        alice.keys("BTab")  # to the conversation, where the newest (her own) is highlighted
        alice.wait_for("Focus: Conversation")
        alice.wait_until(lambda s: "▶ #1 alice: a line of my own" in s, "her line highlighted")
        alice.keys("w")
        screen = alice.wait_for("themselves")
        assert "Warn a member" not in screen, screen
        assert screen.count("cannot warn, mute, remove or ban themselves") == 1, screen
        # The typed command is refused the same way, also before its form.
        alice.keys("Escape")
        alice.type("/mute alice 5")
        alice.keys("Enter")
        alice.wait_until(
            lambda s: "Mute a member" not in s and s.count("themselves") >= 1, "a refusal"
        )
        alice.keys("C-q")
    finally:
        alice.close()


def test_escape_in_a_safety_plan_step_asks_before_discarding_typed_lines(tmp_path):
    home = tmp_path / "home"
    asyncio.run(_new_home(home))
    tmux = start_peertui(home, width=100, height=30)
    try:
        tmux.wait_for("F3 safety plan")
        tmux.keys("F3")
        tmux.wait_for("Warning signs")
        tmux.keys("Enter")
        tmux.wait_for("One item per line")
        tmux.type("cannot sleep")
        tmux.keys("Escape")
        tmux.wait_for("Discard these lines?")
        tmux.keys("Escape")  # Escape again keeps editing: the lines are still there
        tmux.wait_until(lambda s: "Discard these lines?" not in s, "the question to close")
        tmux.type(" again")
        tmux.keys("C-s")
        tmux.wait_for("• cannot sleep again")
        # Unchanged, Escape closes at once, asking nothing.
        tmux.keys("Enter")
        tmux.wait_for("One item per line")
        tmux.keys("Escape")
        screen = tmux.wait_until(lambda s: "One item per line" not in s, "the editor to close")
        assert "Discard these lines?" not in screen
        # Changed, then "Discard them": gone, as chosen.
        tmux.keys("Enter")
        tmux.wait_for("One item per line")
        tmux.type(" and more")
        tmux.keys("Escape")
        tmux.wait_for("Discard these lines?")
        tmux.keys("Tab", "Tab", "Enter")  # Keep editing, Save them, Discard them
        screen = tmux.wait_until(lambda s: "One item per line" not in s, "the editor to close")
        assert "and more" not in screen and "• cannot sleep again" in screen, screen
    finally:
        tmux.close()


def test_the_unlock_dialog_says_escape_quits_and_safety_keys_still_work(tmp_path):
    home = tmp_path / "home"
    asyncio.run(_new_home(home))
    (resolve_paths(home).config_dir / "welcome-seen").touch()
    (resolve_paths(home).config_dir / "country-asked").touch()
    tmux = Tmux(terminal_env(home), 100, 30)
    try:
        tmux.type(f"unset PEERTUI_PASSPHRASE; {PEERTUI} --tui")
        tmux.keys("Enter")
        screen = tmux.wait_for("Unlock your history")
        assert "Escape quits peertui" in screen, screen
        tmux.keys("F1")
        tmux.wait_for("call your emergency number")  # the screen, not the F1 key label
        tmux.keys("Escape")  # back from the crisis lines to the question, not out
        tmux.wait_for("Unlock your history")
        tmux.keys("Escape")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


async def _new_home(home) -> None:
    engine = await Engine.open(resolve_paths(home), PASSPHRASE)
    await engine.close()


def test_a_full_disk_while_sending_says_so_and_gives_the_words_back(tmp_path, relay):
    from tests.e2e.faults import SmallDisk

    disk = SmallDisk(tmp_path / "disk", size_kib=8192)
    assert disk.real, "needs root for a small tmpfs (the tests run as root)"
    home = disk.dir / "home"

    async def host() -> None:
        engine = await Engine.open(resolve_paths(home), PASSPHRASE)
        try:
            await engine.host_group("evening", relay_url=relay.url, nick="alice")
        finally:
            await engine.close()

    asyncio.run(host())
    tmux = start_peertui(home, width=100, height=30)
    try:
        tmux.wait_for("connected")
        disk.fill()
        tmux.type("written on a full disk")
        tmux.keys("Enter")
        screen = tmux.wait_for("The disk is full")
        assert "internal error" not in screen and "StorageFull" not in screen, screen
        assert "▊  written on a full disk" in screen, screen  # back in the box
        assert "alice: written on a full disk" not in screen, screen
        disk.free()
        tmux.keys("Enter")
        tmux.wait_for("alice: written on a full disk")
    finally:
        tmux.close()
        disk.close()
