"""What members can put in nicknames and text, and what a receiver shows of it."""

from __future__ import annotations

import pytest

from peertui.core.errors import InvalidInput
from peertui.core.payloads import clean_nick, clean_text, safe_line, safe_text, wire_nick
from peertui.ui.problems import problem


@pytest.mark.parametrize("nick", ["river", "Ana-Lucía", "o'brien", "sam_2", "ṡeren.k", "山田"])
def test_ordinary_nicknames_are_kept(nick):
    assert clean_nick(nick) == nick


@pytest.mark.parametrize(
    ("nick", "words"),
    [
        ("bob 2", "one word"),
        ("", "at least one"),
        ("b\x1b[31mob", "letters, digits"),
        ("host:", "letters, digits"),
        ("x" * 41, "at most 40"),
    ],
)
def test_nicknames_that_would_confuse_commands_or_lines_are_refused(nick, words):
    with pytest.raises(InvalidInput) as refused:
        clean_nick(nick)
    assert words in problem(refused.value)  # core says which refusal; ui words it


def test_received_nicknames_are_forced_into_shape():
    assert wire_nick("bob 2") == "bob_2"
    assert wire_nick("b\x1b[31mob") == "b_31mob"
    assert wire_nick("::") == ""


def test_escape_sequences_are_removed_whole_from_received_text():
    hostile = "red \x1b[31mALERT\x1b[0m \x1b[2J\x1b]0;pwned\x07 end"
    assert safe_line(hostile) == "red ALERT end"
    assert safe_text("rule one\n\x1b[1mrule two\x1b[0m\n") == "rule one\nrule two\n"


def test_zero_width_joiners_survive_so_emoji_sequences_and_scripts_stay_intact():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean_text(f"our {family} today") == f"our {family} today"
    assert safe_line(family) == family


@pytest.mark.parametrize("lookalike", ["hоst", "ноѕт", "ｈｏｓｔ", "HOST"])
def test_look_alike_nicknames_share_a_skeleton(lookalike):
    from peertui.core.payloads import nick_skeleton

    assert nick_skeleton(lookalike) == nick_skeleton("host")


def test_mixed_alphabet_nicknames_are_refused():
    with pytest.raises(InvalidInput, match="nick_mixed_scripts"):
        clean_nick("hоst")  # Cyrillic о
    assert clean_nick("ｈｏｓｔ") == "host"  # full-width letters are folded to ordinary ones


def test_received_lines_get_the_same_cleaning_whether_or_not_they_need_any():
    """safe_line returns ordinary lines as they are without copying them character by
    character (issue 12: every received message goes through it); the answer must be the one
    the full cleaning gives, for every character and for mixes of the awkward ones."""
    import random

    from peertui.core import payloads

    def full_cleaning(text: str, limit: int) -> str:
        text = " ".join(payloads._ESCAPES.sub("", text).split())
        return "".join(ch for ch in text if payloads._visible(ch))[:limit]

    awkward = [" ", "  ", "a", "é", "\x1b[31m", "\x9b1m", "\u200d", "\u00a0", "\u2003", "\t"]
    awkward += ["\n", "\x07", "字", "\u202e", "\u0301", "xxxxx", "\u2028", "\x7f", "\x1b]0;t\x07"]
    rng = random.Random(3)
    samples = ["".join(rng.choices(awkward, k=rng.randint(0, 12))) for _ in range(20000)]
    samples += [f"a{chr(cp)}b" for cp in range(0x3100)] + [chr(cp) for cp in range(0x3100)]
    for text in samples:
        for limit in (5, payloads.MAX_TEXT):
            assert safe_line(text, limit) == full_cleaning(text, limit), repr(text)
