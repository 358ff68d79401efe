"""A message waiting for slow mode that can no longer go out (read-only turned on meanwhile)
comes back into the composer of its group, after what is being typed, with the reason shown."""

from __future__ import annotations

import pytest

from peertui.core.engine import Engine
from peertui.tui.app import PeertuiApp

from .conftest import PASSPHRASE, wait_for, wait_until
from .screen_text import screen_text

pytestmark = pytest.mark.timeout(120)


async def test_returned_message_goes_back_into_the_composer_after_the_typing(make_paths, relay):
    host = await Engine.open(make_paths("host"), PASSPHRASE)
    group = await host.host_group("circle", relay_url=relay.url, nick="host")
    gid = group.group_id
    token = await host.create_invite(gid)
    robin_paths = make_paths("robin")
    robin = await Engine.open(robin_paths, PASSPHRASE)
    await robin.join(token, "robin")
    await wait_until(lambda: host.pending_requests(gid), what="the request")
    await host.approve(gid, "robin")
    await wait_until(lambda: robin.group(gid).state == "active", what="robin admitted")
    await robin.close()
    await host.set_slowmode(gid, 30)

    app = PeertuiApp(robin_paths)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: app.engine is not None and "circle" in screen_text(app))
            engine = app.engine
            await wait_for(
                pilot,
                lambda: engine._session(gid).roster.slowmode_seconds == 30,
                timeout=30,
                what="slow mode known",
            )
            composer = app.screen.query_one("#composer")
            composer.focus()
            for text in ("first under slow mode", "this one has to wait"):
                await pilot.press(*text)
                await pilot.press("enter")
            await wait_for(
                pilot,
                lambda: any(
                    item["text"] == "this one has to wait"
                    for _g, _i, item in engine.store.outbox_list(gid)
                ),
                what="the second message waiting",
            )
            await pilot.press(*"half typed")
            await host.set_readonly(gid, True)

            await wait_for(
                pilot,
                lambda: "this one has to wait" in composer.value,
                timeout=30,
                what="the words back in the composer",
            )
            assert composer.value.startswith("half typed "), composer.value
            assert composer.cursor_position == len("half typed"), "typing goes on where it was"
            await pilot.press(*"!")
            assert composer.value.startswith("half typed! ")
            lines = [getattr(item, "text", "") for item in app.screen.query_one("#messages").items]
            returned = [line for line in lines if "Could not send a waiting message" in line]
            assert returned and all("read-only" in line for line in returned), lines
            assert "after what you were typing" in returned[-1]
            assert engine.draft(gid) == "", "the composer is the draft: kept once, not twice"
    finally:
        await host.close()
