"""A dialog's text ends above its answers, and its last line can be reached by keys, at 80x24
and 60x20: the real binary in tmux, with guidelines long enough to scroll.

Before the shared dialog frame, the text scrolled beneath the docked buttons and a burst of
Down keys (Textual defers each scroll to the next frame, reading the old position) stopped
short, so the end of a group's guidelines stayed hidden; /guidelines showed them as one row of
a list, which keys could not scroll at all."""

from __future__ import annotations

import pytest

from peertui.core.moderation import DEFAULT_GUIDELINES

from .tmux import make_pair, start_peertui

pytestmark = pytest.mark.timeout(180)

LAST = "12. The last rule of this group is this one."
LONG = (
    DEFAULT_GUIDELINES
    + "".join(
        f"{n}. Rule number {n}, a sentence long enough to wrap at the width of a dialog.\n"
        for n in range(7, 12)
    )
    + LAST
)


def _rows(screen: str) -> list[str]:
    return screen.splitlines()


def _row_of(screen: str, text: str) -> int:
    return next(i for i, row in enumerate(_rows(screen)) if text in row)


def _read_to_the_end(tmux, title: str, button: str) -> None:
    screen = tmux.wait_for(title)
    assert LAST not in screen  # long enough to scroll
    tmux.keys(*(["Down"] * 60))  # a burst: every key counts
    screen = tmux.wait_until(lambda s: LAST in s, "the last line reached by Down")
    # The last line is drawn above the answers, not beneath them.
    assert _row_of(screen, LAST) < _row_of(screen, button), screen
    tmux.keys("Home")
    tmux.wait_until(lambda s: LAST not in s and title in s, "back at the top")
    tmux.keys("End")
    screen = tmux.wait_until(lambda s: LAST in s, "the last line reached by End")
    assert _row_of(screen, LAST) < _row_of(screen, button), screen


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
def test_long_guidelines_are_read_to_their_last_line_above_close(tmp_path, relay, size):
    pair = make_pair(tmp_path, relay.url, guidelines=LONG)
    tmux = start_peertui(pair.alice_home, *size)
    try:
        tmux.wait_for("you are alice")
        tmux.wait_for("connected")
        tmux.type("/guidelines")
        tmux.keys("Enter")
        _read_to_the_end(tmux, "Guidelines — evening", "Close")
        tmux.keys("Escape")
        tmux.wait_until(lambda s: "Guidelines — evening" not in s, "the guidelines closed")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
def test_guidelines_to_accept_are_read_to_their_last_line_above_the_answers(tmp_path, relay, size):
    pair = make_pair(tmp_path, relay.url, guidelines=LONG)
    tmux = start_peertui(pair.bob_home, *size)
    try:
        tmux.wait_for("you are bob")
        # The question may already be open (the guidelines changed): the words then wait
        # for the message box, and the question is the same.
        tmux.type("/accept")
        tmux.keys("Enter")
        _read_to_the_end(tmux, "Please read this group's guidelines", "Leave the group")
        tmux.keys("Escape")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


def test_the_host_form_at_60x20_ends_above_its_buttons(tmp_path):
    tmux = start_peertui(tmp_path / "host", 60, 20)
    try:
        tmux.wait_for("F4")
        tmux.keys("F4")
        tmux.wait_for("Host a new group")
        tmux.keys("Tab", "Tab", "Tab")  # to the relay field, the last one
        screen = tmux.wait_until(lambda s: "Relay address" in s, "the relay field in view")
        assert _row_of(screen, "Relay address") < _row_of(screen, "Host (Ctrl+S)"), screen
        tmux.keys("Escape")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()
