"""First run, settings and themes, reduced motion, key remapping, resizing."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from peertui.config import load_settings
from peertui.tui.app import PeertuiApp
from peertui.tui.screens.first_run import FirstRunScreen, welcome_text
from peertui.tui.screens.home import HomeScreen
from peertui.tui.screens.settings import SettingsScreen

from .conftest import wait_for
from .screen_text import screen_text

pytestmark = pytest.mark.timeout(60)


async def test_first_run_explains_and_is_shown_only_once(make_paths):
    paths = make_paths(welcome_seen=False)
    app = PeertuiApp(paths)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, FirstRunScreen)
        text = " ".join(screen_text(app).split())  # the text wraps; compare words
        for words in (
            "not therapy",
            "not a crisis service",
            "What the relay can see",
            "Quick exit: F12",
            "F1",
        ):
            assert words in text
        # Lower down (out of view at 80x24): the key that opens Settings, not the palette's
        # way round.
        assert "Settings (F8) changes it" in welcome_text()
        await pilot.press("enter")
        assert isinstance(app.screen, HomeScreen)
    again = PeertuiApp(paths)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(again.screen, HomeScreen)


async def test_theme_switch_and_reduced_motion_are_saved(make_paths):
    paths = make_paths()
    app = PeertuiApp(paths)
    async with app.run_test(size=(100, 40)) as pilot:
        assert app.theme == "dark"
        assert set(app.peertui_themes) >= {"dark", "light", "high-contrast", "calm"}
        await pilot.press("f8")
        # (A key pressed as the app starts waits for its first screen: wait for the form.)
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen), what="settings")
        app.screen.query_one("#set-theme").value = "high-contrast"
        await wait_for(pilot, lambda: app.theme == "high-contrast", what="the theme at once")
        app.screen.query_one("#set-motion").value = True
        app.screen.query_one("#set-country").value = "de"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="home again")
        assert app.animation_level == "none"
        assert app.screen.query_one("#composer", Input).cursor_blink is False
        await pilot.press("f5")  # a screen opened later gets a still cursor too
        await wait_for(pilot, lambda: type(app.screen).__name__ == "JoinScreen")
        await pilot.pause()
        assert app.screen.query_one("#join-invite", Input).cursor_blink is False
        await pilot.press("escape")
    saved, problems = load_settings(paths)
    assert problems == []
    assert (saved.theme, saved.reduced_motion, saved.country) == ("high-contrast", True, "DE")


async def test_settings_refuse_bad_values_in_words(make_paths):
    paths = make_paths()
    app = PeertuiApp(paths)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen), what="settings")
        app.screen.query_one("#set-proxy").value = "tor please"
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: any("proxy must start with socks5://" in n.message for n in app._notifications),
            what="the refusal in words",
        )
        assert isinstance(app.screen, SettingsScreen), "nothing is saved while a value is wrong"
    assert not paths.config_file.exists()


async def test_broken_user_theme_and_unknown_theme_are_one_notice(make_paths):
    paths = make_paths()
    (paths.themes_dir / "mine.toml").write_text('name = "mine"\nprimary = 12\n')
    paths.config_file.write_text('theme = "sparkly"\n')
    app = PeertuiApp(paths)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == "dark"
        notices = [n for n in app._notifications if "Some settings were not used" in n.title]
        assert len(notices) == 1
        assert "mine.toml" in notices[0].message and "sparkly" in notices[0].message


async def test_user_theme_and_remapped_crisis_key(make_paths):
    paths = make_paths()
    (paths.themes_dir / "dusk.toml").write_text('primary = "#aa88cc"\nbackground = "#101018"\n')
    paths.config_file.write_text('theme = "dusk"\n[keybindings]\n"peertui.crisis" = "ctrl+l"\n')
    app = PeertuiApp(paths)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "dusk"
        # At 80 columns the longer key name makes the line fall back to one-word labels.
        assert "CTRL+L crisis · F2 grounding" in screen_text(app)
        await pilot.press("ctrl+l")
        assert type(app.screen).__name__ == "CrisisScreen"


async def test_resize_keeps_the_draft(make_paths):
    app = PeertuiApp(make_paths())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"still typing this")
        assert "F12 quick exit" in screen_text(app)
        await pilot.resize_terminal(200, 60)
        await pilot.pause()
        assert app.screen.query_one("#members").display, "wide screens show the members panel"
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.screen.query_one("#members").display
        assert app.screen.query_one("#composer", Input).value == "still typing this"
        assert "F12 quick exit" in screen_text(app)


async def test_command_palette_lists_every_action_and_runs_one(make_paths):
    from peertui.tui import bindings
    from peertui.tui.commands import palette_actions

    titles = {action.title for action in palette_actions()}
    for binding in bindings.APP + bindings.HOME + bindings.MESSAGES:
        if binding.action != "screen.focus_composer":
            assert binding.tooltip and any(a.help == binding.tooltip for a in palette_actions())
    assert {"Erase everything", "Hide message", "Slow mode"} <= titles
    app = PeertuiApp(make_paths())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"grounding")
        await wait_for(pilot, lambda: "Grounding" in screen_text(app), what="the match")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: type(app.screen).__name__ == "GroundingScreen",
            what="the palette to run the action",
        )
