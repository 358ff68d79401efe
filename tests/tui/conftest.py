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
    raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")


async def wait_until(condition: Callable[[], object], timeout: float = 15.0, what: str = ""):
    """The same, outside an app (for a second engine driven directly by the test)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
