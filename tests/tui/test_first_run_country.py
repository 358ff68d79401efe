"""The TUI's first run asks for the country (issue 15): the guess pre-filled and labelled, a typo
answered with a suggestion and the typed text kept, a reply meant for the group moved to the
message box, F1 and quick exit working while the question is open; and the real binary, offline
in a fresh home with LANG=C.UTF-8, in tmux with keys typed 30 ms apart."""

from __future__ import annotations

import tomllib

import pytest
from textual.widgets import Input

from peertui.paths import resolve_paths
from peertui.tui.app import PeertuiApp
from peertui.tui.screens.crisis import CrisisScreen
from peertui.tui.screens.dialogs import FormScreen
from peertui.tui.screens.home import HomeScreen
from peertui.tui.screens.settings import SettingsScreen

from .conftest import in_front, wait_for
from .screen_text import screen_text
from .tmux import PEERTUI, Tmux, terminal_env

pytestmark = pytest.mark.timeout(120)


def _locale(monkeypatch, value: str) -> None:
    for variable in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", value)


def saved_country(paths) -> str:
    return tomllib.loads(paths.config_file.read_text()).get("country", "")


def _field(app) -> Input:
    return app.screen.query_one("#field-answer", Input)


async def _question(pilot, app) -> Input:
    await wait_for(
        pilot,
        lambda: (
            isinstance(app.screen, FormScreen)
            and app.screen.query("#field-answer")
            and _field(app).has_focus
        ),
        timeout=60,  # the first question gathers CLDR's names (about a second when idle)
        what="the country question",
    )
    return _field(app)


async def test_guess_prefilled_f1_while_open_typo_suggests_and_a_name_is_saved(
    make_paths, monkeypatch
):
    _locale(monkeypatch, "en_US.UTF-8")
    paths = make_paths(country_asked=False)
    app = PeertuiApp(paths)
    async with app.run_test(size=(100, 40)) as pilot:
        field = await _question(pilot, app)
        label = "Guessed from your system: United States - not there? type your country."
        assert label in app.screen.explanation
        assert field.value == "United States"
        # Crisis help is one key away while the question is open, and the question comes back.
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, CrisisScreen), what="F1")
        await wait_for(pilot, lambda: "988" in screen_text(app), what="US lines")
        await pilot.press("escape")
        field = await _question(pilot, app)
        # Typing replaces the guess; a typo is answered with a suggestion, the text kept.
        await pilot.press(*"mexcio", "enter")
        await wait_for(
            pilot,
            lambda: (
                'No country is called "mexcio". Did you mean Mexico?'
                in getattr(app.screen, "problem_text", "")
            ),
            what="the suggestion",
        )
        field = _field(app)
        assert field.value == "mexcio", "what was typed stays in the field"
        field.value = ""
        await pilot.press(*"México", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="the answer")
        assert app.settings.country == "MX"
        assert saved_country(paths) == "MX"
        await pilot.press("f1")
        await wait_for(pilot, lambda: "Crisis lines for Mexico" in screen_text(app), what="MX")
    again = PeertuiApp(paths)
    async with again.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: again.engine is not None, what="the engine")
        await pilot.pause(0.3)
        assert isinstance(again.screen, HomeScreen), "asked once"


async def test_a_reply_typed_into_the_question_goes_to_the_message_box(make_paths, monkeypatch):
    _locale(monkeypatch, "C.UTF-8")
    paths = make_paths(country_asked=False)
    app = PeertuiApp(paths)
    async with app.run_test(size=(100, 40)) as pilot:
        # The person is writing a message: the question waits, their keys stay theirs.
        await pilot.press(*"hel")
        await wait_for(pilot, lambda: app.engine is not None, what="the engine")
        await pilot.pause(2.0)
        assert isinstance(app.screen, HomeScreen), "not asked while a message is being written"
        home = app.screen
        composer = home.query_one("#composer", Input)
        assert composer.value == "hel"
        # The message box emptied: now it is asked.
        await pilot.press("backspace", "backspace", "backspace")
        field = await _question(pilot, app)
        assert field.value == "", "nothing to guess from C.UTF-8"
        assert "peertui could not tell your country from your system" in app.screen.explanation
        # A reply typed into the open question is not taken as a country either.
        await pilot.press(*"hello everyone", "enter")
        await wait_for(
            pilot,
            lambda: "does not know a country called" in getattr(app.screen, "problem_text", ""),
            what="the refusal",
        )
        assert isinstance(app.screen, FormScreen), "asked again"
        assert _field(app).value == "", "the field is free again"
        assert composer.value == "hello everyone"
        # Skip: Escape, or the Skip button.
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="skipped")
        assert saved_country(paths) == ""
        await wait_for(
            pilot,
            lambda: "shows 112, 911 and 999" in " ".join(screen_text(app).split()),
            what="skip",
        )
        # Changeable later in Settings, by name; a typo is refused in words.
        await pilot.press("f8")
        await wait_for(pilot, lambda: in_front(app, SettingsScreen), what="settings")
        app.screen.query_one("#set-country", Input).value = "untied kingdom"
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: any("Did you mean United Kingdom" in n.message for n in app._notifications),
            what="the refusal",
        )
        assert isinstance(app.screen, SettingsScreen)
        app.screen.query_one("#set-country", Input).value = "united kingdom"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="saved")
        assert saved_country(paths) == "GB"


def test_real_binary_offline_fresh_home_c_locale_keys_30ms_apart(tmp_path):
    """`unshare -n`: no network at all. Welcome, then the question; F1 works while it is open
    and shows an emergency number; a typo and an answer typed 30 ms per key; F12 leaves."""
    home = tmp_path / "fresh"
    tmux = Tmux(terminal_env(home), width=100, height=40)
    try:
        tmux.type(f"unshare -n {PEERTUI} --tui")
        tmux.keys("Enter")
        tmux.wait_for("Welcome to peertui")
        tmux.keys("Enter")
        tmux.wait_for("peertui could not tell your country")
        tmux.keys("F1")
        screen = tmux.wait_for("112 works in most of the world")
        assert "911 in most of the Americas" in screen
        tmux.keys("Escape")
        tmux.wait_for("peertui could not tell your country")
        tmux.type_slowly([*"singapur", "Enter"])  # Spanish for Singapore
        tmux.wait_for("Your country is Singapore (SG)")
        tmux.keys("F1")
        screen = tmux.wait_for("National Mindline 1771")
        assert "1767" in screen and "6389 2222" not in screen
        tmux.keys("F12")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()
    assert saved_country(resolve_paths(home)) == "SG"


def test_real_binary_typo_then_burst(tmp_path):
    home = tmp_path / "burst"
    (resolve_paths(home).config_dir / "welcome-seen").touch()
    tmux = Tmux(terminal_env(home), width=100, height=40)
    try:
        tmux.type(f"unshare -n {PEERTUI} --tui")
        tmux.keys("Enter")
        tmux.wait_for("peertui could not tell your country")
        tmux.type("grmany")  # one burst: all keys in a single write
        tmux.keys("Enter")
        tmux.wait_for("Did you mean Germany")
        # Six Backspaces, a new answer and Enter in one burst: each key in the order typed
        # (Textual would run Backspace only after the letters typed after it).
        tmux.type("\x7f" * len("grmany") + "DE")
        tmux.keys("Enter")
        tmux.wait_for("Your country is Germany (DE)")
        tmux.keys("F12")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()
    assert saved_country(resolve_paths(home)) == "DE"


async def test_quick_exit_while_the_question_is_open_leaves_and_asks_again_next_time(
    make_paths, monkeypatch
):
    _locale(monkeypatch, "C.UTF-8")
    paths = make_paths(country_asked=False)
    app = PeertuiApp(paths)
    async with app.run_test(size=(100, 40)) as pilot:
        await _question(pilot, app)
        await pilot.press(*"fra")  # half an answer
        await pilot.press("f12")
        await wait_for(pilot, lambda: app.quick_exited, what="the quick exit")
    assert app.return_code == 0
    assert not paths.country_marker.exists(), "not answered, so asked again"
    again = PeertuiApp(paths)
    async with again.run_test(size=(100, 40)) as pilot:
        await _question(pilot, again)
