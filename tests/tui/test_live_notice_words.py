"""Live moderation and membership lines in the TUI conversation are plain mode's words
(ui.wording), said once: a removal is its moderation line, not also 'bob removed.'."""

from __future__ import annotations

import pytest

from peertui.core import events as ev
from peertui.core.engine import Engine
from peertui.tui.app import PeertuiApp
from peertui.ui import wording

from .conftest import PASSPHRASE, wait_for, wait_until
from .screen_text import screen_text

pytestmark = pytest.mark.timeout(90)


def conversation(app) -> list[str]:
    return [getattr(item, "text", "") for item in app.screen.query_one("#messages").items]


async def test_moderation_lines_are_the_shared_words_and_said_once(make_paths, relay):
    paths = make_paths("alice")
    owner = await Engine.open(paths, PASSPHRASE)
    group = await owner.host_group("circle", relay_url=relay.url, nick="alice")
    token = await owner.create_invite(group.group_id)
    await owner.close()
    gid = group.group_id
    bob = await Engine.open(make_paths("bob"), PASSPHRASE)
    app = PeertuiApp(paths)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: app.engine is not None and "circle" in screen_text(app))
            seen: list[ev.Event] = []
            app.engine.subscribe(seen.append)
            await bob.join(token, "bob")
            await wait_until(lambda: app.engine.pending_requests(gid), what="the request")
            await app.engine.approve(gid, "bob")
            await wait_until(lambda: bob.group(gid).state == "active", what="Bob admitted")
            # Bob's join is announced when his profile arrives, after admission: removing him
            # before that would race it (a removed member's profile is never announced).
            await wait_for(pilot, lambda: "bob joined." in conversation(app), what="the join line")
            await app.engine.remove(gid, "bob", "testing")
            await wait_for(
                pilot,
                lambda: any("removed bob" in line for line in conversation(app)),
                what="the removal line",
            )
            await pilot.pause(0.3)
            lines = conversation(app)
            actions = [e for e in seen if isinstance(e, ev.ModAction)]
            said = [wording.mod_action(e.entry, app.engine.members(gid)) for e in actions]
            assert "Moderation: alice (owner) admitted bob." in said
            assert "Moderation: alice (owner) removed bob: testing." in said
            for sentence in said:
                assert lines.count(sentence) == 1, (sentence, lines)
            assert not any(line.startswith("#") or " UTC " in line for line in said)
            assert "bob removed." not in lines, "a removal is said once, by its log line"
            assert "bob joined." in lines

            # Rebuilt from history (opening the group again), the same words come back.
            app.screen.open_group(gid)
            await pilot.pause()
            rebuilt = conversation(app)
            for sentence in said:
                assert rebuilt.count(sentence) == 1, (sentence, rebuilt)
    finally:
        await bob.close()
