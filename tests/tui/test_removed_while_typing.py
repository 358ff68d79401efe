"""Removed while typing: the words in the message box are shown whole, to copy, as plain mode
prints them (tests/plain/test_removed_while_typing.py), and stay in the box. Bob runs the app;
Alice owns the group as a second engine on the same real relay."""

from __future__ import annotations

import pytest

from peertui.core.engine import Engine
from peertui.tui.app import PeertuiApp
from peertui.tui.widgets.conversation import SystemLine

from .conftest import PASSPHRASE, wait_for, wait_until
from .screen_text import screen_text

pytestmark = pytest.mark.timeout(90)

WORDS = "Not sent: circle no longer takes your messages. Your words, to copy: half a thought"


async def test_the_words_being_typed_are_shown_whole_at_a_removal(make_paths, relay):
    owner = await Engine.open(make_paths("alice"), PASSPHRASE)
    try:
        group = await owner.host_group("circle", relay_url=relay.url, nick="alice")
        gid = group.group_id
        token = await owner.create_invite(gid)
        bob_paths = make_paths("bob")
        bob = await Engine.open(bob_paths, PASSPHRASE)
        await bob.join(token, "bob")
        await wait_until(lambda: owner.pending_requests(gid), what="the request")
        await owner.approve(gid, "bob")
        await wait_until(lambda: bob.group(gid).state == "active", what="Bob admitted")
        await bob.close()
        app = PeertuiApp(bob_paths)
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: app.engine is not None and "circle" in screen_text(app))
            composer = app.screen.query_one("#composer")
            composer.focus()
            await pilot.press(*"half a thought")
            await owner.remove(gid, "bob", "testing")
            await wait_for(
                pilot,
                lambda: any(WORDS in n.message for n in app._notifications),
                what="the words shown whole",
            )
            messages = app.screen.query_one("#messages")
            assert any(isinstance(i, SystemLine) and WORDS in i.text for i in messages.items), (
                "also a line in the conversation, where it can be read again"
            )
            assert composer.value == "half a thought"
            # Enter cannot send it; the words stay in the box.
            await pilot.press("enter")
            await wait_for(
                pilot,
                lambda: any("still in the box" in n.message for n in app._notifications),
                what="the refusal",
            )
            assert composer.value == "half a thought"
            assert [m.text for m in owner.history(gid) if m.text == "half a thought"] == []
    finally:
        await owner.close()
