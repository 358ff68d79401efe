"""A refused command comes back into the TUI's composer selected, so a command typed straight
after replaces it instead of being appended to it; nothing typed is lost. The real binary in
tmux, keys in a burst and at 30 ms a key."""

from __future__ import annotations

import pytest

from .tmux import make_pair, start_peertui

pytestmark = pytest.mark.timeout(180)


def composer_text(screen: str) -> str:
    rows = screen.splitlines()
    top = next(i for i, row in enumerate(rows) if "▊▔" in row)
    text = rows[top + 1].split("▊", 1)[1].rstrip("│ ▎").strip()
    return "" if text.startswith("Enter sends ·") else text  # the empty box's placeholder


def _members_opened(tmux) -> None:
    tmux.wait_for("Members — evening")
    tmux.keys("Escape")
    tmux.wait_until(lambda s: "Members — evening" not in s, "the members list closed")


@pytest.fixture
def alice(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url)
    tmux = start_peertui(pair.alice_home, width=100, height=30)
    tmux.wait_for("you are alice")
    tmux.wait_for("Enter sends")
    yield tmux
    tmux.close()


def test_a_command_typed_after_a_refused_one_replaces_it(alice):
    tmux = alice
    tmux.type_slowly(list("/bogus") + ["Enter"])
    tmux.wait_until(
        lambda s: composer_text(s) == "/bogus" and "There is no command /bogus" in s,
        "the refused line given back, with why",
    )
    # 30 ms a key: the next command replaces the one given back.
    tmux.type_slowly(list("/members") + ["Enter"])
    _members_opened(tmux)
    screen = tmux.screen()
    assert "/bogus" not in composer_text(screen), screen

    # Given back again, End keeps it to correct: the words are not replaced then.
    tmux.type_slowly(list("/membrs") + ["Enter"])
    tmux.wait_until(lambda s: composer_text(s) == "/membrs", "the misspelt command given back")
    tmux.keys("End")
    tmux.keys("Left", "Left")
    tmux.type("e")
    tmux.wait_until(lambda s: composer_text(s) == "/members", "the command corrected in place")
    tmux.keys("Enter")
    _members_opened(tmux)


def _refused_lines_kept(tmux, refused: list[str]) -> None:
    """However the keys and the refusals fell, no refused line was run together with another
    line, each is in the box alone (selected) or kept, and Up walks back through all of them,
    newest first."""
    screen = tmux.screen()
    shown = composer_text(screen)
    assert shown in ["", *refused], screen
    if shown:
        tmux.keys("BSpace")  # the selected line is removed whole; it stays kept
        tmux.wait_until(lambda s: composer_text(s) == "", "the box emptied")
    for line in reversed(refused):
        tmux.keys("Up")
        tmux.wait_until(lambda s, line=line: composer_text(s) == line, f"{line} back with Up")
    tmux.keys("Down")
    if len(refused) > 1:
        tmux.wait_until(lambda s: composer_text(s) == refused[1], "Down walks forward again")
    # Sent again and refused again, a line is kept once, not twice.
    tmux.keys("End")
    tmux.keys("Enter")
    tmux.wait_until(lambda s: composer_text(s) in ("", refused[-1]), "refused again")
    tmux.keys("C-q")
    tmux.wait_until_shell_runs()


def test_a_burst_after_a_refused_command_loses_nothing(alice):
    tmux = alice
    tmux.type("/bogus")
    tmux.keys("Enter")
    tmux.type("/members")
    tmux.keys("Enter")
    _members_opened(tmux)
    _refused_lines_kept(tmux, ["/bogus"])


def test_several_refused_commands_in_a_burst_are_all_kept(alice):
    tmux = alice
    for line in ("/bogus", "/nothing 3", "/members"):
        tmux.type(line)
        tmux.keys("Enter")
    _members_opened(tmux)
    _refused_lines_kept(tmux, ["/bogus", "/nothing 3"])


def test_refused_commands_at_30_ms_a_key_are_all_kept(alice):
    tmux = alice
    keys = [*"/bogus", "Enter", *"/nothing 3", "Enter", *"/members", "Enter"]
    tmux.type_slowly(keys)
    _members_opened(tmux)
    _refused_lines_kept(tmux, ["/bogus", "/nothing 3"])
