"""What a fresh-eyes tester of session 10 found in the TUI, with the real binary in tmux: at
60x20 the crisis screen's key bar ended "^o Someone I know is in dange" and the safety keys'
line lost its last word ("ctrl+p more"), in English and Portuguese alike; the country box's
hint ended "(e.g"."""

from __future__ import annotations

import pytest

from peertui.i18n import _, pgettext, use_language

from .tmux import start_peertui

pytestmark = pytest.mark.timeout(120)

LOCALES = {"en": "en_US.UTF-8", "es": "es_ES.UTF-8", "pt_BR": "pt_BR.UTF-8"}


@pytest.mark.parametrize("lang", ["en", "es", "pt_BR"])
def test_the_crisis_screen_keeps_every_key_whole_at_60x20(tmp_path, lang):
    use_language(lang)
    try:
        title = _("Crisis lines — if you are in danger now, call your emergency number.")
        helping = _("Help someone else")
        placeholder = _("Another country: name or code (e.g. DE), then Enter")
        more = _("ctrl+p more")
        exit_word = pgettext("safety key", "exit")
    finally:
        use_language("en")
    tmux = start_peertui(tmp_path / "home", 60, 20, env={"LANG": LOCALES[lang]})
    try:
        tmux.wait_for("F12")
        tmux.keys("F1")
        tmux.wait_for(title.split(" — ")[0])
        screen = tmux.wait_for("^s ")  # the key bar is drawn
        rows = screen.rstrip("\n").splitlines()
        assert rows[-1].rstrip().endswith(helping), screen
        assert placeholder in screen, screen
        assert rows[-2].rstrip().endswith(more) and f"F12 {exit_word}" in rows[-2], screen
        tmux.keys("Escape")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()
