"""The gettext hooks are never handed "" (the catalogue header); moderation values are worded
by the ui, not composed in English by core.

`gettext("")` returns a catalogue's header ("Project-Id-Version: peertui VERSION ..."), which
once showed as the composer's border title in Spanish; and English fragments composed in core
("to 30 seconds", "on", "muted by the moderators ...") ended up inside translated sentences.
"""

from __future__ import annotations

import ast
from pathlib import Path

from peertui import i18n
from peertui.core.models import ModLogEntry
from peertui.ui import wording

SRC = Path(__file__).resolve().parents[2] / "src" / "peertui"
HOOKS = frozenset({"_", "N_", "NP_", "ngettext", "pgettext", "npgettext"})


def empty_hook_calls(source: str, name: str = "<planted>") -> list[str]:
    """Calls of a translation hook with an empty string literal as a message."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in HOOKS:
            found += [
                f"{name}:{node.lineno}"
                for arg in node.args
                if isinstance(arg, ast.Constant) and arg.value == ""
            ]
    return found


def test_no_hook_is_called_with_an_empty_string():
    found = [
        hit
        for path in sorted(SRC.rglob("*.py"))
        for hit in empty_hook_calls(path.read_text(encoding="utf-8"), str(path.relative_to(SRC)))
    ]
    assert not found, f'_("") would show the catalogue header: {found}'


def test_the_scan_finds_a_planted_empty_call():
    assert empty_hook_calls('x = _("")\ny = pgettext("c", "")\n') == ["<planted>:1", "<planted>:2"]


def test_an_empty_message_is_empty_in_every_language():
    for language in ("en", "es", "pt_BR"):
        i18n.use_language(language)
        try:
            assert i18n._("") == ""
        finally:
            i18n.use_language("en")


def _entry(action: str, **typed: object) -> ModLogEntry:
    return ModLogEntry(index=3, ts=0, actor_nick="sam", actor_role="owner", action=action, **typed)


def test_moderation_settings_are_worded_in_spanish_and_portuguese():
    try:
        i18n.use_language("es")
        slow = wording.modlog_line(_entry("slowmode", value=30), dated=False)
        off = wording.modlog_line(_entry("slowmode", value=0), dated=False)
        ro = wording.modlog_line(_entry("readonly", value=1), dated=False)
        assert "segundos" in slow and "seconds" not in slow and "30" in slow, slow
        assert not off.endswith(" off"), off
        assert not ro.endswith(" on") and "(owner)" not in ro, ro
        i18n.use_language("pt_BR")
        slow = wording.modlog_line(_entry("slowmode", value=20), dated=False)
        assert "segundos" in slow and " to " not in slow, slow
    finally:
        i18n.use_language("en")
    assert wording.modlog_line(_entry("slowmode", value=1), dated=False).endswith("to 1 second")
