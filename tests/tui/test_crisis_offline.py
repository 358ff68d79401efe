"""F1 and /crisis in the real binary with no network, a fresh home and LANG=C.UTF-8: an
emergency number is always shown, and a guess is never silent."""

from __future__ import annotations

import os

import pytest

from peertui.tui.app import PeertuiApp

from .conftest import PASSPHRASE, wait_for
from .screen_text import screen_text
from .tmux import PEERTUI, Tmux

pytestmark = pytest.mark.timeout(90)


def test_f1_offline_in_a_fresh_home_with_a_c_locale_shows_emergency_numbers(tmp_path):
    env = {
        "PEERTUI_HOME": str(tmp_path / "fresh"),
        "PEERTUI_PASSPHRASE": PASSPHRASE,
        "PATH": os.environ.get("PATH", ""),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "PS1": "$ ",
    }
    tmux = Tmux(env, width=100, height=40)
    try:
        # A new network namespace: not even loopback is up.
        tmux.type(f"unshare -n {PEERTUI} --tui")
        tmux.keys("Enter")
        tmux.wait_for("Welcome to peertui")
        tmux.keys("F1")
        screen = tmux.wait_for("112 works in most of the world")
        assert "911 in most of the Americas" in screen and "999 in the UK" in screen
        tmux.type("sg")
        tmux.keys("Enter")
        screen = tmux.wait_for("National Mindline 1771")
        assert "1767" in screen and "6389 2222" not in screen
        tmux.keys("F12")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


async def test_a_guess_is_labelled_and_the_someone_else_guide_is_one_key_away(
    make_paths, monkeypatch
):
    for variable in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    app = PeertuiApp(make_paths())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f1")
        await wait_for(
            pilot,
            lambda: "Guessed from your system: United States" in screen_text(app),
            what="the guess label",
        )
        await pilot.press("ctrl+o")
        await wait_for(
            pilot,
            lambda: "Someone you know may be in danger" in screen_text(app),
            what="the someone-else guide",
        )
        assert "Call 911 now" in screen_text(app)


async def test_urge_surfing_and_own_pace_in_the_tui(make_paths):
    from peertui.tui.screens.grounding import ExerciseScreen

    app = PeertuiApp(make_paths())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f2")
        await wait_for(
            pilot, lambda: "Riding out an urge (15 minutes)" in screen_text(app), what="urge"
        )
        app.screen.query_one("#exercises").highlighted = (
            len(app.screen.query_one("#exercises").options) - 2
        )  # the 5-minute urge surfing
        await pilot.press("enter")
        assert isinstance(app.screen, ExerciseScreen)
        screen = app.screen
        await pilot.press("enter")  # setup 1, own pace
        check_in = next(i for i, s in enumerate(screen.exercise.steps) if s.check_in)
        screen.step_index = check_in
        await wait_for(
            pilot, lambda: "press Y if it has passed" in screen_text(app), what="check-in"
        )
        await pilot.press("y")
        assert screen.exercise.steps[screen.step_index].text.startswith("Well done for staying")
        await pilot.press("escape", "escape")
        # Own pace: 4-7-8 at 2-second counts keeps its shape.
        await pilot.press("f2")
        await wait_for(pilot, lambda: "4-7-8" in screen_text(app), what="the list")
        options = app.screen.query_one("#exercises")
        options.highlighted = next(
            i for i in range(options.option_count) if options.get_option_at_index(i).id == "478"
        )
        await pilot.press("enter", "2")
        timed = [s.seconds for s in app.screen.exercise.steps if s.seconds]
        assert min(timed) == 2 and max(timed) == 4
        await wait_for(pilot, lambda: "2-second counts" in screen_text(app), what="pace")


def test_safety_commands_typed_into_the_new_passphrase_field_are_carried_out(tmp_path, monkeypatch):
    """The passphrase dialog of a fresh home with no keyring and no network: /crisis with a
    country named in Spanish, /crisis alguien and /x do what they say, and none of them is
    taken for a passphrase ("/crisis mx" is long enough to have become one)."""
    monkeypatch.delenv("PEERTUI_PASSPHRASE", raising=False)  # tmux passes the test's on
    env = {
        "PEERTUI_HOME": str(tmp_path / "fresh"),
        "PATH": os.environ.get("PATH", ""),
        "TERM": "xterm-256color",
        "LANG": "es_MX.UTF-8",
        "PS1": "$ ",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    tmux = Tmux(env, width=100, height=40)
    try:
        tmux.type(f"unshare -n {PEERTUI} --tui")
        tmux.keys("Enter")
        tmux.wait_for("Te damos la bienvenida a peertui")
        tmux.keys("Escape")
        tmux.wait_for("Crea una frase de contraseña")
        tmux.type("/crisis Estados Unidos")  # a two-word name, not just its first word
        tmux.keys("Enter")
        screen = tmux.wait_for("Líneas de crisis de Estados Unidos (US)")
        assert "988" in screen
        tmux.keys("Escape")
        screen = tmux.wait_for("Crea una frase de contraseña")
        assert "Usa al menos 8" not in screen and "•" not in screen  # the field was emptied
        tmux.type("/crisis mx")
        tmux.keys("Enter")
        tmux.wait_for("Líneas de crisis de México (MX)")
        tmux.keys("Escape")
        tmux.wait_for("Crea una frase de contraseña")
        tmux.type("/crisis alguien")
        tmux.keys("Enter")
        screen = tmux.wait_for("Alguien que conoces puede estar en peligro")
        assert "Llama al 911 ahora" in screen  # the guessed country's emergency number
        tmux.keys("Escape")
        tmux.wait_for("Crea una frase de contraseña")
        tmux.type("/x")
        tmux.keys("Enter")
        tmux.wait_until_shell_runs()
        # Nothing was created from what was typed: the home has no database yet.
        assert not list((tmp_path / "fresh").rglob("*.db"))
    finally:
        tmux.close()
