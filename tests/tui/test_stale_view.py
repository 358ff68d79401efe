"""Issue 10, item 9: the view is never stale. After a restart the conversation opens at the
newest message (the real binary in tmux, 80x24, with more history than fits); after jumping to
a search result the highlight is on the result and a moderation key acts on it."""

from __future__ import annotations

import asyncio

import pytest

from peertui.core.engine import Engine
from peertui.paths import resolve_paths
from peertui.tui.app import PeertuiApp
from peertui.tui.screens.dialogs import FormScreen, ListScreen
from peertui.tui.widgets.conversation import MessageList

from .conftest import PASSPHRASE, wait_for
from .screen_text import screen_text
from .tmux import start_peertui

pytestmark = pytest.mark.timeout(120)


def host_with_history(home, relay_url: str, count: int, long_every: int = 7) -> str:
    """A group with `count` of Alice's messages, some long enough to wrap at 80 columns."""

    async def prepare() -> str:
        engine = await Engine.open(resolve_paths(home), PASSPHRASE)
        try:
            group = await engine.host_group("evening", relay_url=relay_url, nick="alice")
            for n in range(count):
                text = f"message {n:02d}"
                if n % long_every == 0:
                    text += " — a longer one that wraps over more than one line" * 2
                await engine.send(group.group_id, text)
            deadline = asyncio.get_running_loop().time() + 20
            while any(m.seq <= 0 for m in engine.history(group.group_id, limit=count)):
                assert asyncio.get_running_loop().time() < deadline, "messages never went out"
                await asyncio.sleep(0.05)
            return group.group_id
        finally:
            await engine.close()

    return asyncio.run(prepare())


def test_after_a_restart_the_conversation_opens_at_the_newest_message(tmp_path, relay):
    host_with_history(tmp_path / "alice", relay.url, 45, long_every=3)
    tmux = start_peertui(tmp_path / "alice")
    try:
        tmux.wait_for("you are alice")
        tmux.wait_for("you are alice · connected")
        screen = tmux.wait_for("│ ▶ #45 alice: message 44")
        assert "message 43" in screen and "message 42" in screen, screen
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


@pytest.fixture
def long_history(tmp_path, relay):
    return host_with_history(tmp_path / "alice", relay.url, 45, long_every=3)


async def test_the_newest_message_stays_in_view_when_the_terminal_changes_size(
    tmp_path, long_history
):
    # The lines rewrap at a new width (a window resized, the members panel hidden below 100
    # columns); the old scroll offset would then point at older messages.
    (resolve_paths(tmp_path / "alice").config_dir / "welcome-seen").touch()
    (resolve_paths(tmp_path / "alice").config_dir / "country-asked").touch()
    app = PeertuiApp(resolve_paths(tmp_path / "alice"))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "▶ #45 alice: message 44" in screen_text(app), what="newest")
        for size in ((70, 20), (120, 30), (80, 24)):
            await pilot.resize_terminal(*size)
            await wait_for(
                pilot,
                lambda: "▶ #45 alice: message 44" in screen_text(app),
                what=f"the newest message in view at {size}",
            )


@pytest.fixture
def sixty(tmp_path, relay):
    # More than one page (50): the result searched for is older than what opens.
    return host_with_history(tmp_path / "alice", relay.url, 60, long_every=100)


async def test_a_moderation_key_acts_on_the_search_result_jumped_to(tmp_path, sixty):
    (resolve_paths(tmp_path / "alice").config_dir / "welcome-seen").touch()
    (resolve_paths(tmp_path / "alice").config_dir / "country-asked").touch()
    app = PeertuiApp(resolve_paths(tmp_path / "alice"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "message 59" in screen_text(app), what="the history")
        messages = app.screen.query_one(MessageList)
        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="search")
        await pilot.press(*"03")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ListScreen), what="results")
        await pilot.press("enter")
        await wait_for(pilot, lambda: messages.has_focus, what="the conversation focused")
        chosen = messages.selected_message()
        assert chosen is not None and chosen.text == "message 03"
        assert "▶ #4 alice: message 03" in screen_text(app), "the highlight is on the result"
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="remove form")
        assert "message 03" in screen_text(app) and "message 59" not in screen_text(app)
