"""The real `peertui` command in a real terminal (tmux, 80x24): first screen, then quick exit
leaves no conversation text on the screen or in the scrollback."""

from __future__ import annotations

import asyncio
import os

import pytest

from peertui.core.engine import Engine

from .conftest import PASSPHRASE
from .tmux import PEERTUI, Tmux

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def home_with_group(tmp_path, relay):
    from peertui.paths import resolve_paths

    async def prepare():
        engine = await Engine.open(resolve_paths(tmp_path / "home"), PASSPHRASE)
        await engine.host_group("evening", relay_url=relay.url, nick="alice")
        await engine.close()

    asyncio.run(prepare())
    # Past the first run's country question (tested in test_first_run_country.py), not the welcome.
    resolve_paths(tmp_path / "home").country_marker.touch()
    return tmp_path / "home"


def test_first_screen_then_quick_exit_leaves_nothing_behind(home_with_group):
    env = {
        "PEERTUI_HOME": str(home_with_group),
        "PEERTUI_PASSPHRASE": PASSPHRASE,
        "PATH": os.environ.get("PATH", ""),
        "TERM": "xterm-256color",
        "PS1": "$ ",
    }
    tmux = Tmux(env)
    try:
        tmux.type("echo before-peertui")
        tmux.keys("Enter")
        tmux.type(f"{PEERTUI} --tui")
        tmux.keys("Enter")
        first = tmux.wait_for("Welcome to peertui")
        assert "F12" in first and "not therapy" in first
        tmux.keys("Enter")
        tmux.wait_for("alice")  # the conversation screen with the hosted group
        tmux.type("sent-words-kiwi")
        tmux.keys("Enter")
        tmux.wait_for("alice: sent-words-kiwi")
        tmux.type("draft-words-mango")
        tmux.wait_for("draft-words-mango")
        tmux.keys("F12")
        tmux.wait_until_shell_runs()
        leftovers = tmux.everything()
        for secret in (
            "sent-words-kiwi",
            "draft-words-mango",
            "evening",
            "before-peertui",
            "Welcome",
        ):
            assert secret not in leftovers, f"{secret!r} is still in the terminal:\n{leftovers}"
    finally:
        tmux.close()
