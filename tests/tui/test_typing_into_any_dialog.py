"""Words typed while any dialog is open are kept (shown in the dialog, then handed to the message
box when it closes), never lost: a list (/groups), a text to read (/guidelines), as a question
already did. The real binary in tmux, in a burst and at 30 ms a key."""

from __future__ import annotations

import pytest

from .tmux import make_pair, start_peertui

pytestmark = pytest.mark.timeout(180)


def composer_text(screen: str) -> str | None:
    rows = screen.splitlines()
    top = next((i for i, row in enumerate(rows) if "▊▔" in row), None)
    if top is None:
        return None  # a dialog still covers the message box
    text = rows[top + 1].split("▊", 1)[1].rstrip("│ ▎").strip()
    return "" if text.startswith("Enter sends ·") else text


def test_words_typed_into_a_list_or_a_text_reach_the_message_box(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url)
    tmux = start_peertui(pair.alice_home, width=100, height=30)
    try:
        tmux.wait_for("you are alice")
        tmux.wait_for("Enter sends")
        # A command, and the start of a reply straight after it, in one burst.
        tmux.type("/groups")
        tmux.keys("Enter")
        tmux.type("thanks for")
        # Typed before the list opened they are already in the box; after, they are kept in
        # the list's dialog and handed on: either way they are there once it closes.
        tmux.wait_for("Your groups")
        tmux.keys("Escape")
        tmux.wait_until(lambda s: composer_text(s) == "thanks for", "the words in the message box")
        tmux.keys("BSpace")
        for _ in range(len("thanks for")):
            tmux.keys("BSpace")
        tmux.wait_until(lambda s: composer_text(s) == "", "the box emptied")
        # 30 ms a key, into a text being read.
        tmux.type_slowly([*"/guidelines", "Enter"])
        tmux.wait_for("Guidelines — evening")
        tmux.type_slowly(list("being here"))  # with the text open: kept in it
        tmux.wait_for("Kept for your message box: being here")
        tmux.keys("Escape")
        tmux.wait_until(lambda s: composer_text(s) == "being here", "the words in the box")
        tmux.keys("Enter")
        tmux.wait_for("alice: being here")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()
