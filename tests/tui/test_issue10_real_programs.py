"""Issue 10, items 2 and 9, with every part a real program: the same home opened twice (the
TUI in tmux, then a second `peertui` in another terminal), and a moderation key after jumping
to a search result (the TUI in tmux, 80x24)."""

from __future__ import annotations

import re

import pytest

from .test_stale_view import host_with_history
from .tmux import PEERTUI, Tmux, history_of, make_pair, start_peertui, terminal_env

pytestmark = pytest.mark.timeout(150)


def highlighted(text: str):
    """A screen test: `text` is on the highlighted line ("▶", then its number if shown)."""
    return lambda screen: re.search(r"▶ (#\d+ )?" + re.escape(text), screen) is not None


@pytest.mark.parametrize("second", ["--plain", "--tui"])
def test_a_second_copy_on_the_same_home_is_refused_and_the_first_still_delivers(
    tmp_path, relay, second
):
    pair = make_pair(tmp_path, relay.url)
    first = start_peertui(pair.alice_home)
    other = Tmux(terminal_env(pair.alice_home))
    try:
        first.wait_for("connected")
        other.type(f'{PEERTUI} {second}; echo "status="$?')
        other.keys("Enter")
        screen = other.wait_until(
            lambda s: re.search(r"^status=\d", s, re.M), "the second copy to end"
        )
        assert "peertui is already open with this home" in screen, screen
        assert re.search(r"^status=1$", screen, re.M) and "Traceback" not in screen, screen
        # The first copy is untouched: what it sends reaches Bob.
        first.type("still here")
        first.keys("Enter")
        first.wait_for("alice: still here")
        first.keys("C-q")
        first.wait_until_shell_runs()
    finally:
        other.close()
        first.close()
    assert "still here" in history_of(pair.bob_home, pair.group_id, wait_for=1)


def test_a_moderation_key_after_a_search_jump_acts_on_the_result(tmp_path, relay):
    host_with_history(tmp_path / "alice", relay.url, 60, long_every=100)
    tmux = start_peertui(tmp_path / "alice")
    try:
        tmux.wait_until(highlighted("alice: message 59"), "alice: message 59 highlighted")
        tmux.keys("F7")
        tmux.wait_for("Search your history")
        tmux.type("message 03")
        tmux.keys("Enter")
        tmux.wait_for("Enter opens the conversation.")  # the list of results
        tmux.keys("Enter")  # jump to the result
        # The result is highlighted, with the focus on the conversation, to be acted on.
        tmux.wait_until(
            lambda s: highlighted("alice: message 03")(s) and "Focus: Conversation" in s,
            "the result highlighted and focused",
        )
        tmux.keys("d")
        screen = tmux.wait_for("Remove alice's message")
        assert re.search(r"The message: (#\d+ )?alice: message 03", screen), screen
        tmux.keys("Escape")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()
