"""The command table, parsing and suggestions (no terminal needed)."""

from __future__ import annotations

from peertui.plain import registry
from peertui.plain.console import one_line
from peertui.ui import actions, commands, screenfuls

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


def test_every_command_has_a_handler_and_a_help_line():
    handlers = registry.load_all()
    table = actions.slash_table("plain")
    assert set(REQUIRED) <= {name.split()[0] for name in table}
    for action in actions.for_front_end("plain"):
        assert action.id in handlers, action.id
    help_text = "\n".join(line for t in actions.TOPICS for line in screenfuls.help_for(t) or [])
    for name in REQUIRED:
        assert f"/{name}" in help_text
        # /help groups and /help settings are topics that include those commands.
        assert any(line.startswith(f"/{name}") for line in screenfuls.help_for(name) or [])


def test_parsing_lines():
    assert commands.parse("  hello there ").text == "hello there"
    assert commands.parse("//shrug").text == "/shrug"
    mute = commands.parse("/MUTE sam 10 calm down")
    assert mute.action is actions.by_id("peertui.mute") and mute.argument == "sam 10 calm down"
    assert commands.parse("/exit").action is actions.by_id("peertui.quit")


def test_suggestions_for_typos():
    assert commands.suggest("hepl") == "help"
    assert commands.suggest("modlgo") == "modlog"
    assert commands.suggest("inv") == "invite"
    assert commands.suggest("xyzzy") is None


def test_one_line_removes_control_characters_and_line_breaks():
    assert one_line("a\nb\r\nc") == "a / b / c"
    # ESC and the one-byte CSI (0x9b) go, so no sequence can act on the terminal.
    assert one_line("red \x1b[31malert\x1b[0m\x07 \x9b2J") == "red [31malert[0m 2J"
