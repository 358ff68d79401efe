"""Found by a new-user tester: bare `/set` only printed its usage, `/set theme <name>` took
any name, and `/help plan` said the plan has six steps when it asks seven. The real binary in
a pseudo-terminal, offline (none of this waits for the network)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from peertui.config import load_settings
from peertui.paths import resolve_paths
from peertui.ui.settings import MEANINGS
from peertui.wellbeing.safety_plan import STEP_IDS

pytestmark = pytest.mark.timeout(90)

ROOT = Path(__file__).resolve().parents[2]
NUMBER_WORDS = {6: "six", 7: "seven", 8: "eight"}


def test_bare_set_lists_every_setting_with_its_value_and_how_to_change_one(plain_user):
    user = plain_user(offline=True).ready()
    user.run("/set country GB", "Saved: country = GB.")
    start = len(user.transcript)
    user.run("/set", "/set <setting> <value> changes one")
    said = user.transcript[start:].replace("\r\n", "\n")
    assert "Usage:" not in said, "the list, not only how to type the command"
    for name in MEANINGS:
        assert re.search(rf"^ *{name} = ", said, re.M), f"{name} is not listed"
    assert re.search(r"^ *country = GB - ", said, re.M), "with its current value"
    assert user.quit() == 0


def test_set_theme_refuses_a_name_that_is_no_theme_and_names_the_ones_there_are(plain_user):
    user = plain_user(offline=True).ready()
    themes = sorted(path.stem for path in (ROOT / "themes").glob("*.toml"))
    assert {"dark", "light", "high-contrast", "calm"} <= set(themes)
    user.run("/set theme neon", "There is no theme 'neon'.")
    user.expect_exact(f"The themes are: {', '.join(themes)}.")
    user.run("/set theme light", "Saved: theme = light.")
    # Alone, it says what the theme is now and what it can be.
    user.run("/set theme", "theme is now light.")
    user.expect_exact(f"The themes are: {', '.join(themes)}.")
    assert user.quit() == 0
    settings, _problems = load_settings(resolve_paths(user.home))
    assert settings.theme == "light", "the refused name was never saved; the good one was"


def test_set_theme_knows_a_theme_the_person_added(plain_user, tmp_path):
    home = tmp_path / "home"
    themes_dir = resolve_paths(home).themes_dir
    themes_dir.mkdir(parents=True, exist_ok=True)
    (themes_dir / "dusk.toml").write_text('primary = "#7aa2d6"\n', encoding="utf-8")
    user = plain_user(offline=True).ready()
    user.run("/set theme dusk", "Saved: theme = dusk.")
    assert user.quit() == 0


def test_help_plan_counts_the_steps_the_plan_has(plain_user):
    user = plain_user(offline=True).ready()
    start = len(user.transcript)
    user.run("/help plan", "/plan edit")
    user.expect_exact("/cancel stops without saving anything.")
    said = " ".join(user.transcript[start:].split())
    assert f"Walks through the {len(STEP_IDS)} steps" in said, said
    wrong = {n: word for n, word in NUMBER_WORDS.items() if n != len(STEP_IDS)}
    assert not any(f"the {word} steps" in said for word in wrong.values()), said
    # And /plan edit asks exactly that many steps.
    user.run("/plan edit", "??")
    asked = 1
    while asked < len(STEP_IDS) + 2:
        user.type("")
        index = user.child.expect([r"\?\? ", r"-- [^\r\n]*(saved|Saved)"])
        if index == 1:
            break
        asked += 1
    assert asked == len(STEP_IDS), f"/plan edit asked {asked} steps"
    assert user.quit() == 0


def test_a_mistyped_proxy_says_no_proxy_is_in_use_never_that_a_default_one_is(plain_user):
    # Fresh-eyes round 4: "sock5://" was answered "Using the default (socks5://…)" while the
    # proxy stayed unset, so a privacy user believed they were on Tor.
    user = plain_user(offline=True).ready()
    user.run("/set proxy sock5://127.0.0.1:9050", "No proxy is in use; the setting is unchanged.")
    user.run("/set proxy 127.0.0.1:9050", "No proxy is in use; the setting is unchanged.")
    user.run("/set plain_prefixes loud", 'The setting is unchanged ("symbols").')
    user.run("/settings", "proxy")
    assert "Using the default" not in user.transcript
