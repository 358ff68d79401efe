"""Unlocking with a passphrase typed in the app, and NO_COLOR."""

from __future__ import annotations

import pytest
from textual.filter import Monochrome

from peertui.core.engine import Engine
from peertui.tui.app import PeertuiApp
from peertui.tui.screens.unlock import UnlockScreen

from .conftest import PASSPHRASE, wait_for
from .screen_text import screen_text

pytestmark = pytest.mark.timeout(60)


async def test_wrong_passphrase_asks_again_and_crisis_lines_still_work(make_paths):
    paths = make_paths()
    engine = await Engine.open(paths, PASSPHRASE)
    engine.save_safety_plan(engine.safety_plan())
    await engine.close()

    app = PeertuiApp(paths, passphrase="not the passphrase")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen), what="unlock")
        await pilot.pause()
        assert "did not open your history" in " ".join(screen_text(app).split())
        await pilot.press("f1")  # safety first: crisis lines need no unlocking
        assert type(app.screen).__name__ == "CrisisScreen"
        await pilot.press("escape")
        assert isinstance(app.screen, UnlockScreen)
        await pilot.press(*PASSPHRASE, "enter")
        await wait_for(pilot, lambda: app.engine is not None, what="the engine to open")
        assert not isinstance(app.screen, UnlockScreen)
        assert PASSPHRASE not in screen_text(app)


async def test_no_color_is_honoured(make_paths, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = PeertuiApp(make_paths())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.no_color
        assert any(isinstance(f, Monochrome) for f in app._filters), "output is monochrome"
        # Meaning never rests on colour: the safety keys and states are words.
        assert "F12 quick exit" in screen_text(app)
