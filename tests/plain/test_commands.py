"""The command table, parsing and suggestions (no terminal needed)."""

from __future__ import annotations

from peertui.plain import commands
from peertui.plain.console import one_line
from peertui.plain.session import PlainSession

# Every command the brief names for plain mode; the table must offer each one.
REQUIRED = [
    "help",
    "host",
    "invite",
    "join",
    "groups",
    "switch",
    "nick",
    "members",
    "approve",
    "deny",
    "cw",
    "open",
    "report",
    "warn",
    "mute",
    "unmute",
    "remove",
    "ban",
    "delete",
    "slowmode",
    "readonly",
    "promote",
    "demote",
    "reports",
    "modlog",
    "history",
    "search",
    "crisis",
    "ground",
    "plan",
    "export",
    "wipe",
    "ignore",
    "leave",
    "quit",
]


def test_every_command_is_listed_in_help_and_has_a_handler():
    listed = {c.name for c in commands.COMMANDS}
    assert set(REQUIRED) <= listed
    for name in listed:
        assert callable(getattr(PlainSession, f"cmd_{name}", None)), name
        assert commands.help_lines(name)[0].startswith(f"/{name}")
    help_text = "\n".join(commands.help_lines())
    for name in REQUIRED:
        assert f"/{name}" in help_text


def test_parsing_lines():
    assert commands.parse("  hello there ") == commands.Typed("", "hello there")
    assert commands.parse("//shrug") == commands.Typed("", "/shrug")
    assert commands.parse("/MUTE sam 10 calm down") == commands.Typed("mute", "sam 10 calm down")
    assert commands.parse("/exit") == commands.Typed("quit", "")


def test_suggestions_for_typos():
    assert commands.suggest("hepl") == "help"
    assert commands.suggest("modlgo") == "modlog"
    assert commands.suggest("inv") == "invite"
    assert commands.suggest("xyzzy") is None


def test_one_line_removes_control_characters_and_line_breaks():
    assert one_line("a\nb\r\nc") == "a / b / c"
    # ESC and the one-byte CSI (0x9b) go, so no sequence can act on the terminal.
    assert one_line("red \x1b[31malert\x1b[0m\x07 \x9b2J") == "red [31malert[0m 2J"
