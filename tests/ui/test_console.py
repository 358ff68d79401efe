"""The plain console's rendering rules, without a terminal: wrapping, prefixes, digits."""

from __future__ import annotations

import io

from peertui.plain.console import Console, Style, digit_by_digit, is_dumb_terminal


class Sized(io.StringIO):
    def fileno(self) -> int:  # a pipe: no terminal size
        raise OSError


def test_digits_are_spelled_out_only_in_runs_of_three_or_more():
    assert digit_by_digit("call 116 123 or 999, room 12") == "call 1 1 6 1 2 3 or 9 9 9, room 12"


def test_dumb_terminals():
    assert is_dumb_terminal("") and is_dumb_terminal("dumb") and is_dumb_terminal("eterm-color")
    assert not is_dumb_terminal("xterm-256color") and not is_dumb_terminal("linux")


def test_word_prefixes_and_no_wrapping_without_a_terminal():
    console = Console(Sized(), style=Style(words=True, wrap=True))
    assert console.rendered("notice", "x") == ["Notice: x"]
    assert console.rendered("error", "x") == ["Error: x"]
    assert console.rendered("question", "Leave: yes or no?") == ["Question: Leave: yes or no?"]
    long = "word " * 100
    assert console.rendered("output", long) == [("  " + long).rstrip()]  # piped: one line


def test_wrapping_keeps_words_whole_and_indents_continuations(monkeypatch):
    console = Console(Sized(), style=Style(wrap=True))
    monkeypatch.setattr(console, "width", lambda: 30)
    lines = console.rendered("output", "Samaritans: call 116 123, open 24 hours, every day")
    assert all(len(line) <= 30 for line in lines)
    assert lines[0].startswith("  Samaritans") and all(x.startswith("    ") for x in lines[1:])
    assert (
        " ".join(x.strip() for x in lines) == "Samaritans: call 116 123, open 24 hours, every day"
    )
    # An invite is never wrapped, however long.
    assert console.rendered("raw", "peertui:" + "A" * 200) == ["peertui:" + "A" * 200]


def test_a_wrapped_list_item_hangs_under_its_first_word(monkeypatch):
    # /crisis someone prints "  - Ask them directly ..." items: the continuation lines must
    # line up with the item's text, not with the dash, or the list reads as one run-on block.
    console = Console(Sized(), style=Style(wrap=True))
    monkeypatch.setattr(console, "width", lambda: 36)
    item = (
        "  - Ask them directly whether they are thinking about suicide; it does not plant the idea."
    )
    lines = console.rendered("output", item)
    assert len(lines) >= 3 and all(len(line) <= 36 for line in lines)
    assert lines[0].startswith("    - Ask")
    text_column = lines[0].index("Ask")
    for line in lines[1:]:
        assert line[:text_column] == " " * text_column and line[text_column] != " ", lines
    assert " ".join(x.strip() for x in lines) == item.strip()
    # A notice's list item hangs under its text after the notice's own prefix too.
    words = Console(Sized(), style=Style(words=True, wrap=True))
    monkeypatch.setattr(words, "width", lambda: 36)
    noticed = words.rendered("notice", "- call them back tomorrow and the day after, and ask again")
    column = noticed[0].index("call")
    assert all(x[:column].isspace() and x[column] != " " for x in noticed[1:]), noticed
    # Ordinary text keeps the usual two-space continuation.
    plain = console.rendered("output", "Samaritans: call 116 123, open 24 hours, every day")
    assert all(x.startswith("    ") and x[4] != " " for x in plain[1:])
