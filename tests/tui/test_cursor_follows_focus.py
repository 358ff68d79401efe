"""Issue 10, TUI accessibility: the terminal cursor sits on the focused item (the highlighted
message, the group row), so screen readers that follow the cursor follow the focus. The real
binary in tmux, whose own cursor position is read back."""

from __future__ import annotations

import pytest

from .test_stale_view import host_with_history
from .tmux import start_peertui

pytestmark = pytest.mark.timeout(120)


def row_of(screen: str, text: str) -> int:
    rows = [n for n, line in enumerate(screen.splitlines()) if text in line]
    assert len(rows) == 1, f"{text!r} is on rows {rows}:\n{screen}"
    return rows[0]


def test_the_cursor_follows_the_highlighted_message_and_the_group_row(tmp_path, relay):
    host_with_history(tmp_path / "alice", relay.url, 8, long_every=100)
    tmux = start_peertui(tmp_path / "alice")
    try:
        tmux.wait_for("you are alice")
        screen = tmux.wait_for("▶ #8 alice: message 07")
        # Typing: the cursor is in the composer.
        assert tmux.cursor()[1] == row_of(screen, "Enter sends · Shift+Tab")

        tmux.keys("BTab")  # to the conversation
        screen = tmux.wait_for("Focus: Conversation")
        assert tmux.cursor()[1] == row_of(screen, "▶ #8 alice: message 07")
        tmux.keys("Up", "Up")
        screen = tmux.wait_for("▶ #6 alice: message 05")
        tmux.wait_until(
            lambda s: tmux.cursor()[1] == row_of(s, "▶ #6 alice: message 05"), "the cursor moved up"
        )
        column = tmux.cursor()[0]
        assert screen.splitlines()[tmux.cursor()[1]][column:].startswith("▶ #6 alice: message 05")

        tmux.keys("BTab")  # to the group list
        screen = tmux.wait_for("Focus: Groups")
        assert tmux.cursor()[1] == row_of(screen, "▸ evening")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


@pytest.fixture
def three_messages(tmp_path, relay):
    return host_with_history(tmp_path / "alice", relay.url, 3, long_every=100)


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 40)])
async def test_pane_titles_are_never_cut_off(tmp_path, three_messages, size):
    from peertui.paths import resolve_paths
    from peertui.tui.app import PeertuiApp
    from peertui.tui.screens.home import PANE_TITLES

    from .conftest import wait_for
    from .screen_text import screen_text

    paths = resolve_paths(tmp_path / "alice")
    (paths.config_dir / "welcome-seen").touch()
    (paths.config_dir / "country-asked").touch()
    app = PeertuiApp(paths)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: "message 02" in screen_text(app), what="the history")
        home = app.screen
        for pane_id, (_plain, focused) in PANE_TITLES.items():
            pane = home.query_one(f"#{pane_id}")
            if not pane.display:
                continue  # the members panel is hidden below 100 columns
            pane.focus()
            await pilot.pause()
            title = str(pane.border_title)
            assert title.startswith("Focus:"), title
            assert title in screen_text(app), f"{title!r} is cut off at {size}"
            if pane_id != "members":
                assert title == focused
