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


@pytest.mark.xfail(
    reason="open bug (2026-12-01): in a burst under load the refused line is sometimes neither "
    "in the box nor reachable with Up; found by this test in CI, not yet fixed",
    strict=False,
)
def test_a_burst_after_a_refused_command_loses_nothing(alice):
    tmux = alice
    tmux.type("/bogus")
    tmux.keys("Enter")
    tmux.type("/members")
    tmux.keys("Enter")
    _members_opened(tmux)
    # However the burst fell, the refused line is not run together with the next one: it is
    # in the box alone, selected, or kept for Up.
    screen = tmux.screen()
    shown = composer_text(screen)
    assert "/members" not in shown, screen
    if shown != "/bogus":
        assert shown == "", screen
        # Up walks back through what was typed: "/members" may come first (when it replaced
        # the selected refused line), then the refused line itself.
        for _ in range(2):
            tmux.keys("Up")
            try:
                tmux.wait_until(lambda s: composer_text(s) == "/bogus", "refused line", 3.0)
                break
            except AssertionError:
                continue
        else:
            tmux.keys("Up")
        tmux.wait_until(lambda s: composer_text(s) == "/bogus", "the refused line back with Up")
    # Half a line typed since a refusal stays alone; the refused line waits for Up.
    tmux.keys("BSpace")  # the selected line is removed whole
    tmux.wait_until(lambda s: composer_text(s) == "", "the box emptied")
    tmux.keys("C-q")
    tmux.wait_until_shell_runs()
