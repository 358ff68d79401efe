"""The conversation screen: draft checks, content warnings, older history, personal mutes."""

from __future__ import annotations

import pytest

from peertui.core.engine import Engine
from peertui.tui.app import PeertuiApp
from peertui.tui.screens.crisis import CrisisScreen
from peertui.tui.screens.dialogs import ChoiceScreen, FormScreen
from peertui.tui.screens.home import HISTORY_PAGE, HomeScreen

from .conftest import PASSPHRASE, wait_for
from .screen_text import screen_text

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def hosted(make_paths, relay):
    paths = make_paths("alice")
    engine = await Engine.open(paths, PASSPHRASE)
    group = await engine.host_group("evening", relay_url=relay.url, nick="alice")
    await engine.send(group.group_id, "hello everyone")
    await engine.close()
    return paths, group.group_id


async def sent_texts(app, group_id) -> list[str]:
    return [m.text for m in app.engine.history(group_id) if m.seq > 0]


async def test_crisis_language_is_sent_at_once_and_support_is_offered(hosted):
    paths, group_id = hosted
    app = PeertuiApp(paths)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "alice: hello everyone" in screen_text(app), what="chat")
        await pilot.press(*"I feel like there is no point in living anymore", "enter")
        assert isinstance(app.screen, ChoiceScreen), "support is offered"
        await wait_for(
            pilot,
            lambda: (
                "I feel like there is no point in living anymore"
                in app.engine.history(group_id)[-1].text
            ),
            what="the message, not delayed",
        )
        assert "Crisis lines" in screen_text(app) and "Not now" in screen_text(app)
        await pilot.press("enter")  # "Crisis lines" has focus
        await wait_for(pilot, lambda: isinstance(app.screen, CrisisScreen), what="crisis lines")


async def test_personal_details_get_a_nudge_before_sending(hosted):
    paths, group_id = hosted
    app = PeertuiApp(paths)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "alice: hello everyone" in screen_text(app), what="chat")
        await pilot.press(*"write to sam@example.com", "enter")
        # (The check runs off the event loop: the question comes when it is done.)
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="the nudge")
        assert "an e-mail address" in screen_text(app), "said in words, not as a kind code"
        await pilot.press("escape")  # same as Edit: nothing sent, the text stays
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="home again")
        assert app.screen.query_one("#composer").value == "write to sam@example.com"
        assert await sent_texts(app, group_id) == ["hello everyone"]

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="the nudge")
        await pilot.press("tab", "enter")  # "Remove them and send"
        await wait_for(
            pilot,
            lambda: "alice: write to [removed]" in screen_text(app),
            what="the cleaned message",
        )
        assert "sam@example.com" not in " ".join(m.text for m in app.engine.history(group_id))


async def test_content_warning_is_folded_until_opened(hosted):
    paths, group_id = hosted
    app = PeertuiApp(paths)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None and "hello" in screen_text(app))
        await app.screen.run_action("content_warning")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="the cw form")
        await pilot.pause()
        await pilot.press(*"loss", "enter")
        await pilot.press(*"my cat died today", "enter")
        await wait_for(
            pilot, lambda: "content warning: loss" in screen_text(app), what="the folded message"
        )
        assert "my cat died today" not in screen_text(app)
        await pilot.press("shift+tab")  # to the conversation
        assert app.screen.query_one("#messages").has_focus
        await pilot.press("enter")
        assert "alice: [cw: loss] my cat died today" in screen_text(app)


async def test_older_history_loads_a_page_at_a_time(make_paths, relay):
    paths = make_paths("alice")
    engine = await Engine.open(paths, PASSPHRASE)
    group = await engine.host_group("busy", relay_url=relay.url, nick="alice")
    for number in range(HISTORY_PAGE + 5):
        await engine.send(group.group_id, f"message {number:03d}")
    await engine.close()
    app = PeertuiApp(paths)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None and "message 054" in screen_text(app))
        messages = app.screen.query_one("#messages")
        assert len(messages.items) == HISTORY_PAGE
        assert messages.items[0].text == "message 005"
        messages.focus()
        await pilot.press("pageup")
        assert len(messages.items) == HISTORY_PAGE + 5
        assert messages.items[0].text == "message 000"
        await pilot.press("pageup")
        assert any("start of the history" in n.message for n in app._notifications)
