"""What a second fresh-eyes round found in the TUI, with the real binary in tmux: a held Enter
on the safety plan opened one editor per repeat, and the letters typed next were lost; on a
40x12 terminal the new passphrase's fields were below the dialog's edge, never seen."""

from __future__ import annotations

import asyncio

import pytest

from peertui.core.engine import Engine
from peertui.paths import resolve_paths

from .conftest import PASSPHRASE
from .tmux import PEERTUI, Tmux, start_peertui, terminal_env

pytestmark = pytest.mark.timeout(120)

EDITOR = "One item per line"


def test_keys_after_a_held_enter_on_the_safety_plan_go_into_the_one_editor_it_opens(tmp_path):
    home = tmp_path / "home"
    asyncio.run(_new_home(home))
    tmux = start_peertui(home, width=100, height=30)
    try:
        tmux.wait_for("F3 safety plan")
        tmux.keys("F3")
        tmux.wait_for("Enter edits the highlighted step")
        # A held Enter repeats, and the words come right behind it, in one burst.
        tmux.keys("Enter", "Enter", "Enter", "Enter")
        tmux.type("cannot sleep")
        tmux.wait_for("cannot sleep")
        tmux.keys("C-s")
        screen = tmux.wait_until(
            lambda s: "• cannot sleep" in s and EDITOR not in s, "the plan with the entry"
        )
        # One editor was opened, not one per repeat: the plan itself is in front now.
        assert "Enter edits the highlighted step" in screen, screen
        tmux.keys("Escape")
        tmux.wait_until(lambda s: "Your safety plan" not in s, "the plan to close")
    finally:
        tmux.close()


def test_a_new_passphrase_can_be_seen_being_typed_on_a_40x12_terminal(tmp_path):
    home = tmp_path / "home"
    config = resolve_paths(home).config_dir
    config.mkdir(parents=True, exist_ok=True)
    (config / "country-asked").touch()
    tmux = Tmux(terminal_env(home), 40, 12)
    try:
        tmux.type(f"unset PEERTUI_PASSPHRASE; {PEERTUI} --tui")
        tmux.keys("Enter")
        tmux.wait_for("Welcome to peertui")
        tmux.keys("Escape")
        # The field, not the title: at 12 rows the dialog scrolls its focused field into view,
        # and the title above it is out of view once it has (CI saw either, by timing).
        tmux.wait_for("new passphrase")
        tmux.type("tulips in the rain")
        tmux.wait_for("•" * len("tulips in the rain"))  # the field, scrolled into view
        tmux.keys("Enter")
        tmux.wait_for("the same again")
        tmux.type("tulips in the rain")
        tmux.keys("Enter")
        tmux.wait_until(lambda s: "the same again" not in s, "the dialog to close")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


async def _new_home(home) -> None:
    engine = await Engine.open(resolve_paths(home), PASSPHRASE)
    await engine.close()
