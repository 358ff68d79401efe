"""Fresh-eyes round 3, the Host form (F4) in the real binary at 80x24: Tab goes name ->
nickname -> guidelines -> relay in reading order, even though the docked buttons sit above the
relay field on screen, so keys typed after the third Tab land in the relay field (which scrolls
into view) and the group is not hosted on the embedded relay instead."""

from __future__ import annotations

import pytest

from .test_new_user_round import one_key_at_a_time
from .tmux import start_peertui

pytestmark = pytest.mark.timeout(120)

KEYS = ["Third", "Tab", "th", "Tab", "Tab", "XYZ"]


def _under(label: str, screen: str) -> str:
    """The field's row, two below its label (its box's middle), or "" while not in view."""
    rows = screen.splitlines()
    at = next((i for i, row in enumerate(rows) if label in row), None)
    return rows[at + 2] if at is not None and at + 2 < len(rows) else ""


@pytest.mark.parametrize("pace", ["burst", "30ms"])
def test_tab_through_the_guidelines_reaches_the_relay_field(tmp_path, pace):
    tmux = start_peertui(tmp_path / "alice", width=80, height=24)
    try:
        tmux.wait_for("Enter sends")
        tmux.keys("F4")
        tmux.wait_for("Host a new group")
        if pace == "burst":
            tmux.keys(*KEYS)  # one send-keys: one burst
        else:
            tmux.type_slowly(one_key_at_a_time(KEYS))
        screen = tmux.wait_for("XYZ")
        rows = screen.splitlines()
        label = next(i for i, row in enumerate(rows) if "Relay address" in row)
        below = [i for i, row in enumerate(rows) if "XYZ" in row]
        assert below and all(label < i <= label + 4 for i in below), screen
        # Back with Shift+Tab to the first field, which scrolls the form (taller than 80x24)
        # to its top: the nickname field shows what was typed there.
        tmux.keys("BTab", "BTab", "BTab")
        # Waited for on the screen that is then judged: the form scrolls while the three keys
        # are taken, so a second look could find the label out of view (CI, 30ms).
        screen = tmux.wait_until(
            lambda s: "th" in _under("Your nickname", s), "the nickname field back in view"
        )
        assert "host" not in _under("Your nickname", screen), screen
        tmux.keys("Tab", "Tab", "Tab")
        tmux.keys("C-s")  # the relay typed is used: no embedded relay is started
        screen = tmux.wait_until(
            lambda s: "Contacting the relay" in s or "relay" in s.split("XYZ")[-1], "the host"
        )
        assert "Starting the relay on this computer" not in screen, screen
        tmux.keys("Escape")
        tmux.wait_for("Enter sends")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()
