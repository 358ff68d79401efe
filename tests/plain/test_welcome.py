"""The welcome lines offer the word prefixes once, and only while the symbols are in use."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.timeout(60)

HINT = "Using a screen reader? /set prefixes words starts lines with Notice:, Error: and Question:"


def test_the_word_prefixes_are_offered_once_at_start_until_chosen(plain_user):
    user = plain_user(offline=True).ready()
    user.run("/help", "/help settings")
    assert user.transcript.count(HINT) == 1
    user.run("/set prefixes words", "Notice: ")
    assert user.quit() == 0

    again = plain_user(offline=True)
    again.expect_exact("Notice: peertui plain mode.")
    again.expect_exact("> ")
    again.run("/help", "/help settings")
    assert again.quit() == 0
    assert "Using a screen reader?" not in again.transcript
