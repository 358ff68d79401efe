"""The TUI at 80x24 in every language it speaks, chosen by the locale alone (LANG, no setting):
first run, home, crisis lines, grounding, an exercise, the safety plan, settings, host and join.

On each screen two things are checked, whatever the state of the translations:
- no label is cut off: every button, label, pane title, footer key and the safety-keys line is
  read whole within its own region of the screen (a longer translation must wrap or fit, never
  lose its end);
- the screen speaks the language: no English message that the language has a translation for
  is on screen (so every word drawn goes through the catalogue in that language).
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from textual.widgets import Button, Label
from textual.widgets._footer import FooterKey

from peertui import i18n
from peertui.tui.app import PeertuiApp
from peertui.tui.widgets.footer import SafetyKeys

from .conftest import wait_for
from .screen_text import screen_text

pytestmark = pytest.mark.timeout(120)

LOCALES = {"en": "C.UTF-8", "es": "es_MX.UTF-8", "pt_BR": "pt_BR.UTF-8"}
COUNTRY = {"en": "GB", "es": "MX", "pt_BR": "BR"}


def _rows(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _shown_in_region(app, widget) -> str:
    region = widget.region
    rows = _rows(app)[region.y : region.bottom]
    return _words(" ".join(row[region.x : region.right] for row in rows))


def _labels(app) -> list[tuple[object, str]]:
    """(widget, the words it must show whole) for every labelling widget wholly in view (one
    scrolled partly out of its container is not cut off: scrolling shows the rest)."""
    found: list[tuple[object, str]] = []
    for widget, (region, clip) in app.screen._compositor.visible_widgets.items():
        if clip.intersection(region) != region:
            continue
        if isinstance(widget, Button):
            found.append((widget, str(widget.label)))
        elif isinstance(widget, FooterKey):
            found.append((widget, widget.description))
        elif isinstance(widget, Label | SafetyKeys) and type(widget).__name__ != "Markdown":
            text = str(widget.render())
            if text.strip() and "\n" not in text.strip() and len(text) < 200:
                found.append((widget, text))
        if widget.border_title:
            found.append(("title", str(widget.border_title)))
    return found


def assert_nothing_cut_off(app, where: str) -> None:
    rows = _rows(app)
    width = app.size.width
    assert all(len(row.rstrip()) <= width for row in rows)
    whole = _words(" ".join(rows))
    for widget, text in _labels(app):
        wanted = _words(text)
        if not wanted:
            continue
        if widget == "title":
            assert wanted in whole, f"{where}: the title {wanted!r} is cut off"
            continue
        assert widget.region.right <= width, f"{where}: {wanted!r} is beyond the right edge"
        shown = _shown_in_region(app, widget)
        assert wanted in shown, f"{where}: {wanted!r} is cut off: {shown!r}"
        assert "…" not in shown or "…" in wanted, f"{where}: {wanted!r} ends in an ellipsis"


def _translated_english(language: str) -> list[str]:
    """English messages (one line, long enough to be unmistakable) that `language` translates
    differently: none of them may be on a screen drawn in that language."""
    if language == "en":
        return []
    path = i18n._locale_dir() / language / "LC_MESSAGES" / "peertui.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return [
        message.id
        for message in catalog
        if isinstance(message.id, str)
        and isinstance(message.string, str)
        and message.string
        and not message.fuzzy
        and message.string != message.id
        and len(message.id) >= 14
        and "\n" not in message.id
        and "{" not in message.id
    ]


def assert_in_language(app, language: str, where: str) -> None:
    text = _words(screen_text(app))
    english = [m for m in _translated_english(language) if _words(m) in text]
    assert not english, f"{where} shows English that {language} translates: {english[:3]}"


async def check(pilot, language: str, where: str) -> None:
    """Once the screen has settled (the same frame twice in a row), both checks."""
    app = pilot.app
    before = None
    for _ in range(100):
        await pilot.pause(0.05)
        now = "\n".join(_rows(app))
        if now == before:
            break
        before = now
    assert_nothing_cut_off(app, f"{language} {where}")
    assert_in_language(app, language, f"{language} {where}")


@pytest.mark.parametrize("language", list(LOCALES))
async def test_every_screen_fits_80x24_in_every_language(make_paths, monkeypatch, language):
    monkeypatch.setenv("LANG", LOCALES[language])
    app = PeertuiApp(make_paths(welcome_seen=False))
    app.settings.reduced_motion = True
    app.settings.country = COUNTRY[language]
    assert app.settings.language == "", "chosen by the locale alone"
    async with app.run_test(size=(80, 24)) as pilot:
        assert i18n.current_language() == language

        await wait_for(pilot, lambda: app.screen.query("#continue"), what="the welcome")
        await pilot.pause()
        await check(pilot, language, "first run")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.engine is not None, what="the engine")
        await pilot.pause()
        await check(pilot, language, "home")

        await pilot.press("f1")
        await wait_for(pilot, lambda: f"({COUNTRY[language]})" in screen_text(app), what="lines")
        await check(pilot, language, "crisis lines")
        await pilot.press("escape")

        await pilot.press("f2")
        await wait_for(pilot, lambda: "OptionList" in str(app.screen.query("OptionList")))
        await pilot.pause()
        await check(pilot, language, "grounding")
        await pilot.press("down", "enter")
        await pilot.pause(0.3)
        await check(pilot, language, "an exercise")
        await pilot.press("escape", "escape")

        await pilot.press("f3")
        await pilot.pause(0.3)
        await check(pilot, language, "safety plan")
        await pilot.press("escape")

        for key, where in (("f8", "settings"), ("f4", "host"), ("f5", "join")):
            await pilot.press(key)
            await pilot.pause(0.3)
            await check(pilot, language, where)
            await pilot.press("escape")
            await pilot.pause()


async def test_the_language_changes_in_settings_without_a_restart(make_paths, monkeypatch):
    """Settings > Language > Español: the footer and the home screen speak Spanish at once, and
    the choice is saved."""
    from textual.widgets import Select

    from peertui.config import load_settings

    paths = make_paths()
    app = PeertuiApp(paths)
    app.settings.reduced_motion = True
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, what="the engine")
        assert i18n.current_language() == "en"
        await pilot.press("f8")
        await pilot.pause()
        choice = app.screen.query_one("#set-language", Select)
        assert ("Español", "es") in [(str(label), value) for label, value in choice._options]
        assert ("Português (Brasil)", "pt_BR") in [
            (str(label), value) for label, value in choice._options
        ]
        choice.value = "es"
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        assert i18n.current_language() == "es"
        assert load_settings(paths)[0].language == "es"
        keys = app.screen.query_one(SafetyKeys)
        assert str(keys.render()).strip().endswith(i18n._("ctrl+p more"))
        await check(pilot, "es", "home after the change")
