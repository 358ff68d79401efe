"""The TUI keeps a proxy typed in Settings in the encrypted store, never in config.toml."""

from __future__ import annotations

from textual.widgets import Input

from peertui.tui.app import PeertuiApp
from peertui.tui.screens.settings import SettingsScreen

from .conftest import in_front, wait_for

TOR = "socks5h://127.0.0.1:9050"


async def test_a_proxy_saved_in_settings_is_kept_encrypted_and_shown_again(make_paths):
    paths = make_paths()
    app = PeertuiApp(paths)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, what="the history to unlock")
        await pilot.press("f8")
        await wait_for(pilot, lambda: in_front(app, SettingsScreen))
        app.screen.query_one("#set-proxy", Input).value = TOR
        app.screen.query_one("#set-retention", Input).value = "30"
        app.screen.query_one("#set-country", Input).value = "ie"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, SettingsScreen))
    text = paths.config_file.read_text()
    assert "socks5" not in text and "retention" not in text
    assert 'country = "IE"' in text  # crisis lines need it before any passphrase

    again = PeertuiApp(paths)
    async with again.run_test(size=(100, 40)) as pilot:
        assert again.settings.country == "IE"  # known before unlocking
        await wait_for(pilot, lambda: again.engine is not None, what="the history to unlock")
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(again.screen, SettingsScreen))
        assert again.screen.query_one("#set-proxy", Input).value == TOR
        assert again.screen.query_one("#set-retention", Input).value == "30"
        await pilot.press("escape")
