"""Quick exit leaves at once from any screen: queued messages stay queued, a half-typed\nmessage is kept as a draft (never sent), and the screen is cleared."""

from __future__ import annotations

import pytest

from peertui.core.engine import Engine
from peertui.core.store import Store
from peertui.tui.app import PeertuiApp

from .conftest import PASSPHRASE, wait_for
from .screen_text import screen_text

pytestmark = pytest.mark.timeout(60)


async def test_quick_exit_keeps_queued_messages_and_the_draft_but_sends_nothing(make_paths, relay):
    paths = make_paths("alice")
    engine = await Engine.open(paths, PASSPHRASE)
    group = await engine.host_group("evening", relay_url=relay.url, nick="alice")
    await engine.close()

    app = PeertuiApp(paths)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "evening" in screen_text(app), what="the group")
        relay.kill()  # offline: what was sent must wait in the outbox
        await pilot.press(*"sent while offline", "enter")
        await wait_for(
            pilot,
            lambda: _outbox_items(app.engine.store, group.group_id),
            what="the queued message",
        )
        await pilot.press(*"a draft I have not sent")
        await pilot.press("f3")  # from another screen, on top of the conversation
        await pilot.press("f12")
        await wait_for(pilot, lambda: app.return_code is not None, what="the app to exit")
    assert app.quick_exited and app.return_code == 0
    assert app.engine is None, "the engine was closed cleanly"

    store = Store.open(paths, PASSPHRASE)
    try:
        waiting = [item["text"] for _item_id, item in _outbox_items(store, group.group_id)]
        draft = store.get(f"draft:{group.group_id}")
    finally:
        store.close()
    # A half-typed message is never sent by quick exit; it is kept as a draft for next time.
    assert waiting == ["sent while offline"]
    assert draft == "a draft I have not sent"

    again = PeertuiApp(paths)
    async with again.run_test(size=(80, 24)) as pilot:
        composer = again.screen.query_one("#composer")
        await wait_for(
            pilot, lambda: composer.value == "a draft I have not sent", what="the draft back"
        )
        await pilot.press("f12")


async def test_quick_exit_from_the_first_screen_without_a_group(make_paths):
    app = PeertuiApp(make_paths(welcome_seen=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f12")
        await wait_for(pilot, lambda: app.return_code is not None, what="the app to exit")
    assert app.quick_exited


def _outbox_items(store: Store, group_id: str) -> list[tuple[str, dict]]:
    return [(item_id, item) for gid, item_id, item in store.outbox_list() if gid == group_id]
