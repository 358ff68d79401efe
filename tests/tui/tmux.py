"""The real `peertui` binary in a real terminal: a private tmux server per test, and a group
of two prepared through real engines against the real relay."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from peertui.core.engine import Engine
from peertui.core.events import JoinApproved, JoinRequested
from peertui.paths import resolve_paths

from .conftest import PASSPHRASE

PEERTUI = str(Path(sys.executable).with_name("peertui"))


class Tmux:
    """One private tmux server (its own socket) holding one shell, 80x24 unless told."""

    def __init__(self, env: dict[str, str], width: int = 80, height: int = 24) -> None:
        self.socket = f"peertui-test-{uuid.uuid4().hex[:8]}"
        args = ["new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height)]
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

    def type_slowly(self, keys: list[str], delay: float = 0.03) -> None:
        """Each key on its own, `delay` seconds apart (a fast typist: 30 ms per key)."""
        for key in keys:
            if key in ("Enter", "Escape", "BSpace", "Tab", "BTab"):
                self.keys(key)
            else:
                self.type(key)
            time.sleep(delay)

    def paste(self, text: str) -> None:
        """A paste the way a terminal sends one: bracketed, so line breaks stay text."""
        self.run("set-buffer", "-b", "p", text)
        self.run("paste-buffer", "-p", "-b", "p", "-t", "t")

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "t")

    def everything(self) -> str:
        """The visible screen and the whole scrollback."""
        return self.run("capture-pane", "-p", "-S", "-", "-t", "t")

    def cursor(self) -> tuple[int, int]:
        """Where the terminal's cursor is: (column, row), from 0."""
        x, y = self.run("display-message", "-p", "-t", "t", "#{cursor_x} #{cursor_y}").split()
        return int(x), int(y)

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        # Once more after the deadline: on a loaded machine one capture can outlast the time
        # left, and what appeared during it would be reported as never having appeared.
        if text in (screen := self.screen()):
            return screen
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.screen()}")

    def wait_until(self, condition, what: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if condition(screen):
                return screen
            time.sleep(0.1)
        if condition(screen := self.screen()):  # once more after the deadline (wait_for)
            return screen
        raise AssertionError(f"never {what}; the screen shows:\n{self.screen()}")

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


def terminal_env(home: Path) -> dict[str, str]:
    return {
        "PEERTUI_HOME": str(home),
        "PEERTUI_PASSPHRASE": PASSPHRASE,
        "PATH": os.environ.get("PATH", ""),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "PS1": "$ ",
    }


def start_peertui(
    home: Path, width: int = 80, height: int = 24, env: dict[str, str] | None = None
) -> Tmux:
    """`peertui --tui` in a fresh terminal, past the welcome text, at the conversation;
    `env` adds to (or replaces) the terminal's variables, e.g. LANG."""
    (resolve_paths(home).config_dir / "welcome-seen").touch()
    (resolve_paths(home).config_dir / "country-asked").touch()
    tmux = Tmux(terminal_env(home) | (env or {}), width, height)
    tmux.type(f"{PEERTUI} --tui")
    tmux.keys("Enter")
    return tmux


@dataclass
class Pair:
    """Alice (the owner, used through the binary) and Bob (a member), in one group."""

    alice_home: Path
    bob_home: Path
    group_id: str


async def _until(condition, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def make_pair(tmp_path: Path, relay_url: str, guidelines: str = "") -> Pair:
    """Alice hosts, Bob joins and is approved and accepts: both closed again afterwards."""

    async def prepare() -> Pair:
        alice = await Engine.open(resolve_paths(tmp_path / "alice"), PASSPHRASE)
        bob = await Engine.open(resolve_paths(tmp_path / "bob"), PASSPHRASE)
        alice_events: list = []
        bob_events: list = []
        alice.subscribe(alice_events.append)
        bob.subscribe(bob_events.append)
        try:
            kwargs = {"guidelines": guidelines} if guidelines else {}
            group = await alice.host_group("evening", relay_url=relay_url, nick="alice", **kwargs)
            token = await alice.create_invite(group.group_id)
            await bob.join(token, "bob")
            await _until(
                lambda: any(isinstance(e, JoinRequested) for e in alice_events), "the request"
            )
            await alice.approve(group.group_id, "bob")
            await _until(lambda: any(isinstance(e, JoinApproved) for e in bob_events), "approval")
            bob.accept_guidelines(group.group_id)
            return Pair(tmp_path / "alice", tmp_path / "bob", group.group_id)
        finally:
            await bob.close()
            await alice.close()

    return asyncio.run(prepare())


def history_of(home: Path, group_id: str, wait_for: int = 0, timeout: float = 20.0) -> list[str]:
    """The texts in a home's history after it has caught up with the relay."""

    async def read() -> list[str]:
        engine = await Engine.open(resolve_paths(home), PASSPHRASE)
        try:
            deadline = time.monotonic() + timeout
            while True:
                texts = [m.text for m in engine.history(group_id, limit=200) if m.seq > 0]
                if len(texts) >= wait_for or time.monotonic() > deadline:
                    return texts
                await asyncio.sleep(0.1)
        finally:
            await engine.close()

    return asyncio.run(read())
