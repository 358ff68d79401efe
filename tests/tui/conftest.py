"""Shared helpers for the TUI tests: a private home per app, and waiting on real events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from tests.plain.people import PlainUser

from peertui.paths import resolve_paths

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _passphrase(monkeypatch):
    # There is no OS keyring backend here, so the store derives its key from a passphrase.
    monkeypatch.setenv("PEERTUI_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def plain():
    """Start plain-mode people beside a TUI under test (same passphrase, patient timeout);
    each is killed at teardown and what it printed shown if the test failed."""
    started: list[PlainUser] = []

    def start(home) -> PlainUser:
        user = PlainUser(home, passphrase=PASSPHRASE, timeout=30)
        started.append(user)
        return user.ready()

    yield start
    for user in started:
        user.close()
        print(f"===== {user.home.name} (plain) =====\n{user.transcript}")


@pytest.fixture
def make_paths(tmp_path):
    def make(name: str = "alice", *, welcome_seen: bool = True, country_asked: bool = True):
        paths = resolve_paths(tmp_path / name)
        if welcome_seen:
            (paths.config_dir / "welcome-seen").touch()
        if country_asked:  # the first run's country question (tests/tui/test_first_run_country.py)
            (paths.config_dir / "country-asked").touch()
        return paths

    return make


async def wait_for(pilot, condition: Callable[[], object], timeout: float = 15.0, what: str = ""):
    """Let the app run until `condition()` is truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        await pilot.pause(0.05)
    # Looked at once more after the deadline: the app shares the loop with this wait, and on
    # a loaded machine one turn (the store's key derivation, a screen composing) can outlast
    # the time left, so what came true during it was reported as never having come.
    if result := condition():
        return result
    raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")


def in_front(app, screen_type: type) -> bool:
    """`screen_type` is the screen in front and has composed its fields: a screen is in front
    as soon as it is pushed, before its widgets exist (a query then finds nothing)."""
    return isinstance(app.screen, screen_type) and app.screen.is_mounted


async def wait_until(condition: Callable[[], object], timeout: float = 15.0, what: str = ""):
    """The same, outside an app (for a second engine driven directly by the test)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        await asyncio.sleep(0.05)
    if result := condition():  # once more after the deadline, as in wait_for
        return result
    raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")


@pytest.fixture
async def engine_open_held(make_paths, monkeypatch):
    """A home whose encrypted store opens only when the test sets the returned event (a slow
    disk, a slow key derivation): keys pressed meanwhile meet a TUI whose history is opening."""
    from peertui.core.engine import Engine

    paths = make_paths()
    engine = await Engine.open(paths, PASSPHRASE)
    await engine.close()
    opening = asyncio.Event()
    really_open = Engine.open.__func__  # type: ignore[attr-defined]

    async def slow_open(cls, *args, **kwargs):
        await opening.wait()
        return await really_open(cls, *args, **kwargs)

    monkeypatch.setattr(Engine, "open", classmethod(slow_open))
    return paths, opening
