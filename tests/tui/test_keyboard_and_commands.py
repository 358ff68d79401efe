"""Typing is never lost or turned into an action by surprise; the composer's slash commands;
mod-log lines that survive a reload; folded search results; a palette with peertui's own
entries only; a first start that creates a passphrase after the welcome."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from peertui.core.engine import Engine
from peertui.tui.app import PeertuiApp
from peertui.tui.screens.crisis import CrisisScreen
from peertui.tui.screens.dialogs import FormScreen, ListScreen
from peertui.tui.screens.first_run import FirstRunScreen
from peertui.tui.screens.grounding import ExerciseScreen, GroundingScreen
from peertui.tui.screens.home import HomeScreen
from peertui.tui.screens.host import HostScreen
from peertui.tui.screens.safety_plan import SafetyPlanScreen
from peertui.tui.screens.unlock import UnlockScreen
from peertui.tui.widgets.conversation import SystemLine

from .conftest import PASSPHRASE, in_front, wait_for
from .screen_text import screen_text

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def hosted(make_paths, relay):
    paths = make_paths("alice")
    engine = await Engine.open(paths, PASSPHRASE)
    group = await engine.host_group("evening", relay_url=relay.url, nick="alice")
    await engine.send(group.group_id, "hello everyone")
    await engine.send(group.group_id, "a hard day", cw="loss")
    await engine.set_readonly(group.group_id, True)
    await engine.set_readonly(group.group_id, False)
    await engine.close()
    return paths, group.group_id


async def ready(pilot, app) -> None:
    """The history open and shown, and the message checks loaded, however long a loaded
    machine takes: it is CPU work (the key derivation, opening the group, the first frames:
    0.5 s on a quiet machine, then 1.1 s of the checks' lists in a thread), and took over
    15 s once in CI with 4 workers on 2 cores."""
    await wait_for(
        pilot,
        lambda: (
            app.engine is not None
            and in_front(app, HomeScreen)
            and "hello everyone" in screen_text(app)
        ),
        timeout=60,
        what="the history open and its messages shown",
    )
    # The engine loads the checks' lists in a thread when it opens; the first message sent
    # waits for none of it (its own check would load them beside the warm-up, twice the work).
    warming = app.engine._warming
    await wait_for(pilot, lambda: warming is None or warming.done(), timeout=60, what="warm-up")


def sent(app, group_id) -> list[tuple[str, str]]:
    return [(m.text, m.cw) for m in app.engine.history(group_id) if m.seq > 0]


# About 14 s on a quiet machine (16 steps, each a screen or a send): 60 s leaves too little
# room at CI's load.
@pytest.mark.timeout(240)
async def test_slash_commands_are_understood_not_posted(hosted):
    paths, group_id = hosted
    app = PeertuiApp(paths)
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, app)
        composer = app.screen.query_one("#composer")

        await pilot.press(*"/cw work | my boss shouted", "enter")
        await wait_for(
            pilot,
            lambda: ("my boss shouted", "work") in sent(app, group_id),
            what="the message sent behind its warning",
        )
        await wait_for(pilot, lambda: "content warning: work" in screen_text(app))
        assert "my boss shouted" not in screen_text(app)

        await pilot.press(*"//shrug", "enter")
        await wait_for(pilot, lambda: ("/shrug", "") in sent(app, group_id), what="//shrug")

        await pilot.press(*"/frobnicate", "enter")
        await pilot.pause()
        assert any("There is no command" in n.message for n in app._notifications)
        assert composer.value == "/frobnicate", "a refused command stays in the box"
        assert not any(text.startswith("/frob") for text, _ in sent(app, group_id))
        composer.value = ""

        # /host <name> [relay] fills the form with what was typed.
        await pilot.press(*"/host Tuesday circle http://127.0.0.1:9", "enter")
        await wait_for(pilot, lambda: in_front(app, HostScreen), what="the host form")
        await pilot.pause()
        assert app.screen.query_one("#host-name", Input).value == "Tuesday circle"
        assert app.screen.query_one("#host-relay", Input).value == "http://127.0.0.1:9"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HostScreen), what="closed")

        await pilot.press(*"/crisis singapore", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CrisisScreen), what="crisis by name")
        await pilot.pause()
        assert app.screen._iso2 == "SG" and "1767" in screen_text(app)
        # The screen's own field takes names too, whole (it once kept two letters: "Ge…" → GE).
        await pilot.press(*"Germany", "enter")
        await wait_for(pilot, lambda: app.screen._iso2 == "DE", what="Germany by name")
        assert "Crisis lines for Germany (DE)" in screen_text(app)
        await pilot.press("escape")

        await pilot.press(*"/help", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ListScreen), what="the help")
        await pilot.pause()
        assert "/crisis" in screen_text(app) and "/help moderation" in screen_text(app)
        await pilot.press("escape")
        await pilot.press(*"/help slowmode", "enter")
        await wait_for(pilot, lambda: "/slowmode <seconds>|off" in screen_text(app), what="usage")
        await pilot.press("escape")

        await pilot.press(*"/crisis de", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CrisisScreen), what="crisis lines")
        await pilot.pause()
        assert app.screen._iso2 == "DE"
        await pilot.press("escape")
        await pilot.press(*"/ground", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, GroundingScreen), what="grounding")
        await pilot.press("escape")
        await pilot.press(*"/ground box", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ExerciseScreen), what="an exercise")
        await pilot.press("escape")
        await pilot.press(*"/plan", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SafetyPlanScreen), what="the plan")
        await pilot.press("escape")
        assert [text for text, _ in sent(app, group_id)][:2] == ["hello everyone", "a hard day"]
        assert len(sent(app, group_id)) == 4, "only the /cw message and //shrug were posted"


async def test_letters_typed_outside_the_composer_land_in_it(hosted):
    paths, group_id = hosted
    app = PeertuiApp(paths)
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, app)
        home = app.screen
        composer = home.query_one("#composer")

        home.query_one("#groups").focus()
        await pilot.pause()
        assert "Focus: Groups" in screen_text(app)
        await pilot.press(*"hi")
        assert composer.has_focus and composer.value == "hi"

        home.query_one("#members").focus()
        await pilot.press("y")
        assert composer.value == "hiy"

        home.query_one("#messages").focus()
        await pilot.pause()
        assert "Focus: Conversation" in screen_text(app)
        assert "▶ " in screen_text(app), "the selected line is marked, not only coloured"
        await pilot.press("a")  # not a key of the message list
        assert composer.has_focus and composer.value == "hiya"

        # After any dialog the keyboard is back in the composer.
        home.query_one("#messages").focus()
        await pilot.press("k")  # mute a word, for this person only
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="the form")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.pause()
        assert composer.has_focus


async def test_moderation_lines_and_folds_survive_a_reload(hosted):
    paths, group_id = hosted
    app = PeertuiApp(paths)
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, app)
        lines = [
            item.text
            for item in app.screen.query_one("#messages").items
            if isinstance(item, SystemLine)
        ]
        assert any("set read-only" in line for line in lines), lines
        assert "alice: [content warning: loss" in screen_text(app)

        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="search")
        await pilot.press(*"hard", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ListScreen), what="results")
        await pilot.pause()
        results = screen_text(app)
        assert "content warning: loss" in results
        assert "a hard day" not in results, "a folded message stays folded in search results"


async def test_palette_offers_only_peertui_entries_and_no_screenshots(hosted):
    paths, _ = hosted
    app = PeertuiApp(paths)
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"screenshot")
        await pilot.pause(0.5)
        assert "Save screenshot" not in screen_text(app)
        for _ in "screenshot":
            await pilot.press("backspace")
        await pilot.press(*"theme")
        await pilot.pause(0.5)
        text = screen_text(app)
        assert "Theme: calm" in text
        assert "textual-dark" not in text and "nord" not in text
        await pilot.press("escape")
        with pytest.raises(PermissionError):
            app.save_screenshot()


async def test_footer_fits_at_80_columns(hosted):
    paths, _ = hosted
    app = PeertuiApp(paths)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        # The owner's whole footer, last key included, fits in 80 columns.
        await wait_for(
            pilot,
            lambda: "f11 Reports" in screen_text(app).splitlines()[-1],
            what="the whole footer",
        )


async def test_first_start_creates_a_passphrase_after_the_welcome(make_paths, monkeypatch):
    monkeypatch.delenv("PEERTUI_PASSPHRASE")
    paths = make_paths("new", welcome_seen=False)
    app = PeertuiApp(paths)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: app.locked, what="the store to ask for a passphrase")
        assert isinstance(app.screen, FirstRunScreen), "the welcome is not hidden"
        await pilot.press("f3")
        assert any("Unlock first" in n.message for n in app._notifications)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen), what="unlock")
        await pilot.pause()
        assert "NEW passphrase" in screen_text(app)
        await pilot.press(*"short", "enter")
        await pilot.pause()
        assert "at least 8 characters" in screen_text(app)
        app.screen.query_one("#passphrase").value = "long enough words"
        await pilot.press("enter", *"long enough wordz", "enter")
        await pilot.pause()
        assert "differ" in screen_text(app)
        await pilot.press(*"long enough words", "enter")
        await wait_for(pilot, lambda: app.engine is not None, what="the new store to open")
        assert not app.locked
