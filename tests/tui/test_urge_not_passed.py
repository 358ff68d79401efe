"""Fresh-eyes round 3, urge surfing in the real TUI binary (tmux, 80x24): a digit typed during
the exercise is taken as the rating, and "not yet" at the last check-in ends differently from
"yes": another round offered, the country's emergency number and top crisis line, /crisis."""

from __future__ import annotations

import time

import pytest

from peertui.paths import resolve_paths

from .tmux import start_peertui

pytestmark = pytest.mark.timeout(120)


def _open_urge(tmux) -> None:
    tmux.keys("F2")
    tmux.wait_for("Riding out an urge (5 minutes)")
    for _ in range(5):  # five grounding exercises come first
        tmux.keys("Down")
    tmux.keys("Enter")
    tmux.wait_for("An urge is like a wave")
    tmux.keys("Enter", "Enter")
    tmux.wait_for("Rate the urge from 0")


def _to_the_check_in(tmux) -> None:
    for _ in range(12):  # Enter moves on at each step, timed or not
        tmux.keys("Enter")
        time.sleep(0.2)
        if "Has the urge passed" in tmux.screen():
            break
    tmux.wait_for("Has the urge passed, or is it weaker now?")


def test_a_rating_is_noted_and_not_yet_ends_with_the_countrys_numbers(tmp_path):
    home = tmp_path / "alice"
    config = resolve_paths(home).config_dir
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text('country = "GB"\n')
    tmux = start_peertui(home, width=80, height=24)
    try:
        tmux.wait_for("F1 crisis lines")
        _open_urge(tmux)
        tmux.keys("8")
        tmux.wait_for("Noted: the urge is at 8 out of 10.")
        tmux.keys("1", "0")
        tmux.wait_for("Noted: the urge is at 10 out of 10.")
        _to_the_check_in(tmux)
        tmux.keys("n")
        screen = tmux.wait_for("some urges take longer to pass")
        text = " ".join(line.strip(" │█▌▐") for line in screen.splitlines())
        assert "Well done" not in text
        assert "/ground urge 15" in text
        assert "call 999 or 112" in text
        assert "Samaritans: 116 123" in text
        assert "/crisis shows every crisis line" in text
        tmux.keys("Escape")
        tmux.wait_until(lambda s: "longer to pass" not in s, "the exercise closed", timeout=10)
        tmux.keys("Escape")
        tmux.wait_until(lambda s: "choose an exercise" not in s, "back home", timeout=10)
        # Yes still ends with the well-done closing.
        _open_urge(tmux)
        _to_the_check_in(tmux)
        tmux.keys("y")
        tmux.wait_for("Well done for staying with it.")
        tmux.keys("F12")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()
