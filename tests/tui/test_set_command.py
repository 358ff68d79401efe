"""`/set <setting> <value>` in the TUI changes the setting in plain mode's words; a bad name or
value is said and the typed line is given back; `/set` alone lists every setting."""

from __future__ import annotations

import pytest

from peertui.config import load_settings
from peertui.tui.app import PeertuiApp
from peertui.tui.screens.dialogs import ListScreen
from peertui.tui.screens.settings import SettingsScreen

from .screen_text import screen_text
from .test_keyboard_and_commands import hosted, ready  # noqa: F401 - a fixture, found by name

pytestmark = pytest.mark.timeout(60)


def toasts(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_set_changes_one_setting_and_gives_back_a_bad_line(hosted):  # noqa: F811
    paths, _group_id = hosted
    app = PeertuiApp(paths)
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, app)
        composer = app.screen.query_one("#composer")

        await pilot.press(*"/set country gb", "enter")
        await pilot.pause(0.2)
        assert app.settings.country == "GB"
        assert "Saved: country = GB." in toasts(app)
        assert load_settings(paths)[0].country == "GB", "saved to disk, not only in memory"

        await pilot.press(*"/set colour blue", "enter")
        await pilot.pause(0.2)
        assert any("There is no setting 'colour'" in t for t in toasts(app))
        assert composer.value == "/set colour blue", "the typed line is given back"

        composer.clear()
        await pilot.press(*"/set reduced_motion maybe", "enter")
        await pilot.pause(0.2)
        assert any("'reduced_motion' is on or off, not 'maybe'" in t for t in toasts(app))
        assert app.settings.reduced_motion is False

        composer.clear()
        await pilot.press(*"/set", "enter")
        await pilot.pause(0.2)
        # `/set` alone lists every setting with its value, as plain mode does; F8 is the form.
        assert isinstance(app.screen, ListScreen)
        assert "country = GB - " in screen_text(app)
        await pilot.press("escape")
        await pilot.press("f8")
        await pilot.pause(0.2)
        assert isinstance(app.screen, SettingsScreen)
