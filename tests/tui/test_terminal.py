"""The real `peertui` command in a real terminal (tmux, 80x24): first screen, then quick exit
leaves no conversation text on the screen or in the scrollback."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from peertui.core.engine import Engine

from .conftest import PASSPHRASE

pytestmark = pytest.mark.timeout(90)

PEERTUI = str(Path(sys.executable).with_name("peertui"))


class Tmux:
    """One private tmux server (its own socket) holding one 80x24 shell."""

    def __init__(self, env: dict[str, str]) -> None:
        self.socket = f"peertui-test-{uuid.uuid4().hex[:8]}"
        args = ["new-session", "-d", "-s", "t", "-x", "80", "-y", "24"]
        for name, value in env.items():
            args += ["-e", f"{name}={value}"]
        self.run(*args, "bash --noprofile --norc")

    def run(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "t", *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "t", "-l", text)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "t")

    def everything(self) -> str:
        """The visible screen and the whole scrollback."""
        return self.run("capture-pane", "-p", "-S", "-", "-t", "t")

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.screen()}")

    def wait_until_shell_runs(self, timeout: float = 15.0) -> None:
        """Until the program in the pane has exited and the shell is in front again."""
        deadline = time.monotonic() + timeout
        while (
            self.run("display-message", "-p", "-t", "t", "#{pane_current_command}").strip()
            != "bash"
        ):
            assert time.monotonic() < deadline, "peertui did not exit"
            time.sleep(0.1)
        time.sleep(0.2)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)


@pytest.fixture
def home_with_group(tmp_path, relay):
    from peertui.paths import resolve_paths

    async def prepare():
        engine = await Engine.open(resolve_paths(tmp_path / "home"), PASSPHRASE)
        await engine.host_group("evening", relay_url=relay.url, nick="alice")
        await engine.close()

    asyncio.run(prepare())
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
