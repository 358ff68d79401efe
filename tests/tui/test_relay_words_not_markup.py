"""A notice can carry words from the relay (a refusal code peertui does not word itself keeps
the relay's sentence): they are shown as words, never read as Textual markup, on the screens
whose notices go to a line of their own (crisis, grounding, the safety plan) as on the home."""

from __future__ import annotations

from peertui.tui.app import PeertuiApp
from peertui.tui.screens.crisis import CrisisScreen

from .conftest import wait_for

HOSTILE = "Refused: [/b] [@click=app.quit]press here[/] [link='http://127.0.0.1:1']help[/link]"


async def test_relay_words_with_markup_are_shown_as_words_on_the_crisis_screen(make_paths):
    app = PeertuiApp(make_paths())
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, what="the engine to open")
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, CrisisScreen), what="crisis")
        app.notify(HOSTILE, severity="error")
        await pilot.pause()
        hint = str(app.screen.query_one("#screen-hint").render())
        assert "[@click=app.quit]press here[/]" in hint and "[/b]" in hint
        assert isinstance(app.screen, CrisisScreen), "the crisis lines are still up"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CrisisScreen), what="home")
        app.notify(HOSTILE)  # on the home: its notice line, also words
        app.screen.set_status(HOSTILE)  # where an error from the relay stays said
        await pilot.pause()
        assert "[@click=app.quit]" in str(app.screen.query_one("#status").render())
        assert app.is_running
