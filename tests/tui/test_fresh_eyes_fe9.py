"""What the ninth fresh-eyes tester found in the TUI, with the real binary in tmux, a plain
host in a pty and the relay on loopback: at 80x24 a request waiting for approval was said
twice in the status line ("unnamed group (waiting for approval): you are robin · waiting for
approval") and twice in the groups list."""

from __future__ import annotations

import pytest
from tests.plain.people import host_group

from .test_guidelines_and_sanctions_tmux import ask_to_join, flat
from .tmux import start_peertui

pytestmark = pytest.mark.timeout(180)


def test_waiting_for_approval_is_said_once_in_the_status_line_and_the_list(tmp_path, relay, plain):
    host = plain(tmp_path / "host")
    token = host_group(host, relay.url)
    ask_to_join(tmp_path / "river", token, "river")
    host.expect_exact("-- river asks to join.")
    river = start_peertui(tmp_path / "river", width=80, height=24)
    try:
        screen = river.wait_for("you are river")
        rows = screen.splitlines()
        top = next(i for i, row in enumerate(rows) if row.startswith("╭"))
        status = flat("\n".join(rows[:top]))
        assert status.count("waiting for approval") == 1, screen
        sidebar = flat("\n".join(row[:20] for row in rows[top:]))
        assert sidebar.count("waiting for approval") == 1, screen
        river.keys("C-q")
        river.wait_until_shell_runs()
    finally:
        river.close()
