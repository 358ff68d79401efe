"""Letters typed while the focus is on a form's button (Tab went one field too far) go to the
field before it, in the order typed, added to what it holds: never dropped on the button. A
Space on a tick box still ticks it. The real binary in tmux, in a burst and at 30 ms a key."""

from __future__ import annotations

import re

import pytest

from .tmux import make_pair, start_peertui

pytestmark = pytest.mark.timeout(180)


def unboxed(screen: str) -> str:
    return re.sub(r"[│▊▎\s]+", " ", screen)


@pytest.fixture
def join_form(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url)
    tmux = start_peertui(pair.alice_home, width=100, height=40)
    tmux.wait_for("you are alice")
    tmux.keys("F5")
    tmux.wait_for("Join a group")
    yield tmux
    tmux.close()


def _onto_the_join_button(tmux) -> None:
    # invite, nickname, Another, pronouns, intro, the tick box, then Ask to join.
    for _ in range(6):
        tmux.keys("Tab")


def test_a_burst_typed_on_the_join_button_goes_to_the_field_before_it(join_form):
    tmux = join_form
    _onto_the_join_button(tmux)
    tmux.type("here on tuesdays")
    tmux.wait_until(lambda s: "here on tuesdays" in unboxed(s), "the words in the intro field")
    # At 30 ms a key, after Tab onto the button again (from the intro field, past the tick
    # box): added to the words, space included.
    tmux.keys("Tab", "Tab")
    tmux.type_slowly(list(" and fridays"))
    tmux.wait_until(
        lambda s: "here on tuesdays and fridays" in unboxed(s), "the words added in order"
    )
    # The tick box's own key still works: Space ticks it, it is not typed.
    tmux.keys("Tab")
    tmux.keys("Space")
    tmux.wait_for("[x] I have read and accept")
    assert "here on tuesdays and fridays " in unboxed(tmux.screen())
    tmux.keys("Escape")
    tmux.wait_for("Enter sends")
    tmux.keys("C-q")
    tmux.wait_until_shell_runs()
