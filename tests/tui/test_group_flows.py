"""Host, join, approve, send and receive, and search — the TUI against a real relay process.

Alice uses the app; Bob is a second engine in his own home, driven directly, so each flow is
checked end to end through real crypto and the real relay.
"""

from __future__ import annotations

import re

import pytest

from peertui.core.engine import Engine
from peertui.core.events import JoinRequested
from peertui.core.models import ACTIVE
from peertui.tui.app import PeertuiApp
from peertui.tui.screens.dialogs import ChoiceScreen, InviteScreen, ListScreen
from peertui.tui.screens.home import HomeScreen
from peertui.tui.screens.host import HostScreen
from peertui.tui.screens.join import JoinScreen
from peertui.tui.widgets.conversation import SystemLine

from .conftest import PASSPHRASE, in_front, wait_for, wait_until
from .screen_text import screen_text

pytestmark = pytest.mark.timeout(90)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*["space" if c == " " else c for c in text])


async def host_group(pilot, app, relay_url: str, name: str = "tuesday") -> str:
    """Host through the Host screen; returns the invite token the app shows."""
    await wait_for(pilot, lambda: app.engine is not None, what="the engine to open")
    await pilot.press("f4")
    await wait_for(pilot, lambda: in_front(app, HostScreen), what="the host screen")
    await type_text(pilot, name)
    app.screen.query_one("#host-relay").value = relay_url
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: in_front(app, InviteScreen), what="the invite")
    token = app.screen.query_one("#invite-token").text
    assert token.startswith("peertui:") and token == app.screen.token
    await pilot.press("escape")
    return token


async def test_host_join_approve_send_receive_and_search(make_paths, relay):
    app = PeertuiApp(make_paths("alice"))
    bob = await Engine.open(make_paths("bob"), PASSPHRASE)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            token = await host_group(pilot, app, relay.url)
            home = app.screen
            assert isinstance(home, HomeScreen)
            await wait_for(pilot, lambda: "tuesday" in screen_text(app), what="the group listed")
            assert "owner" in screen_text(app)

            pending = await bob.join(token, "bob")
            assert pending.state == "pending"
            await wait_for(
                pilot,
                lambda: app.engine.pending_requests(home.current),
                what="Bob's join request to reach Alice",
            )

            await pilot.press("f9")
            await wait_for(pilot, lambda: isinstance(app.screen, ListScreen), what="requests list")
            assert "bob" in screen_text(app)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="approve?")
            await pilot.press("enter")  # "Approve" has focus
            await wait_until(
                lambda: bob.group(pending.group_id).state == ACTIVE, what="Bob to be admitted"
            )
            await wait_for(pilot, lambda: "bob" in screen_text(app), what="Bob in the members")

            await bob.send(pending.group_id, "hello from bob")
            await wait_for(
                pilot,
                lambda: "bob: hello from bob" in screen_text(app),
                what="Bob's message on Alice's screen",
            )

            await type_text(pilot, "hi bob")
            await pilot.press("enter")
            await wait_until(
                lambda: any(m.text == "hi bob" for m in bob.history(pending.group_id)),
                what="Alice's message to reach Bob",
            )
            assert "host: hi bob" in screen_text(app)
            assert app.screen.query_one("#composer").value == ""

            await pilot.press("f7")
            await type_text(pilot, "hello")
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ListScreen), what="results")
            results = screen_text(app)
            # Each result carries the message's number, the same as in the conversation.
            assert re.search(r"tuesday · #\d+ bob: hello from bob", results), results
            assert "hi bob" not in results
    finally:
        await bob.close()


async def test_join_through_the_app_waits_for_approval_then_opens(make_paths, relay):
    owner = await Engine.open(make_paths("owner"), PASSPHRASE)
    app = PeertuiApp(make_paths("carol"))
    try:
        group = await owner.host_group(
            "circle",
            relay_url=relay.url,
            nick="owner",
            guidelines="Be gentle with each other.\nNo advice.",
        )
        token = await owner.create_invite(group.group_id)
        owner_events = []
        owner.subscribe(owner_events.append)
        async with app.run_test(size=(100, 32)) as pilot:
            await wait_for(pilot, lambda: app.engine is not None, what="the engine to open")
            await pilot.press("f5")
            await wait_for(pilot, lambda: in_front(app, JoinScreen), what="join screen")
            offered = app.screen.query_one("#join-nick").value
            assert "-" in offered, "a friendly random nickname is offered"
            app.screen.query_one("#join-invite").value = token
            app.screen.query_one("#join-nick").value = "carol"
            await pilot.press("ctrl+s")
            # Not accepted yet: the request must not be sent.
            await pilot.pause(0.2)
            assert isinstance(app.screen, JoinScreen)
            assert "accept them" in screen_text(app)
            app.screen.query_one("#join-accept").value = True
            await pilot.pause()
            assert "accept them" not in screen_text(app), "the answered request is cleared"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="home again")
            await wait_for(
                pilot,
                lambda: "waiting for approval" in screen_text(app),
                what="the pending state in words",
            )

            await wait_until(
                lambda: any(isinstance(e, JoinRequested) for e in owner_events),
                what="the request to reach the owner",
            )
            await owner.approve(group.group_id, "carol")
            # This group's own guidelines differ from the ones shown before joining: they are
            # shown on approval and accepted before the conversation opens.
            await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="guidelines")
            await pilot.pause()
            assert "Be gentle with each other." in screen_text(app)
            assert app.engine.group(group.group_id).state == ACTIVE
            behind = [
                str(getattr(item, "text", ""))
                for item in app.screen_stack[-2].query_one("#messages").items
            ]
            assert not any("waiting for" in line for line in behind), "no stale waiting line"
            await pilot.press("enter")  # "I accept — open the conversation"
            await owner.send(group.group_id, "welcome carol")
            await wait_for(
                pilot,
                lambda: "owner: welcome carol" in screen_text(app),
                what="the conversation to open",
            )
            await pilot.press(*"hello all", "enter")
            await wait_until(
                lambda: any(m.text == "hello all" for m in owner.history(group.group_id)),
                what="Carol's first message to reach the owner",
            )

            # A message this device folds (personal details) stays folded until opened.
            await owner.send(group.group_id, "write to me at sam@example.com")
            await wait_for(pilot, lambda: "owner: [folded" in screen_text(app), what="folded")
            assert "sam@example.com" not in screen_text(app)
            app.screen.query_one("#messages").focus()
            await pilot.press("end", "enter")
            assert "owner: write to me at sam@example.com" in screen_text(app)

            # New guidelines must be accepted again; the refused message waits in the box.
            await owner.set_guidelines(group.group_id, "New rule: be brief.")
            await wait_until(
                lambda: "be brief" in app.engine.group(group.group_id).guidelines,
                what="the new guidelines to arrive",
            )
            app.screen.query_one("#composer").focus()
            await pilot.press(*"second message", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="guidelines")
            assert "New rule: be brief." in screen_text(app)
            await pilot.press("enter")
            assert app.screen.query_one("#composer").value == "second message"
            await pilot.press("enter")
            await wait_until(
                lambda: any(m.text == "second message" for m in owner.history(group.group_id)),
                what="the message once the guidelines were accepted",
            )

            # A private warning arrives mid-sentence: shown in words in the conversation and as
            # a notice, without taking the keyboard away from what Carol is typing.
            await pilot.press(*"half a sen")
            await owner.warn(group.group_id, "carol", "please keep it short")
            messages = app.screen.query_one("#messages")
            await wait_for(
                pilot,
                lambda: any(
                    "A moderator warned you privately: please keep it short" in line.text
                    for line in messages.items
                    if isinstance(line, SystemLine)
                ),
                what="the warning in the conversation",
            )
            assert isinstance(app.screen, HomeScreen), "no pop-up takes the keyboard"
            await pilot.press(*"tence")
            composer = app.screen.query_one("#composer")
            assert composer.has_focus and composer.value == "half a sentence"
            assert any("please keep it short" in n.message for n in app._notifications)

            # A member has no moderator keys: "w" on the conversation is just a letter.
            composer.value = ""
            messages.focus()
            await pilot.press("w")
            assert isinstance(app.screen, HomeScreen)
            assert composer.has_focus and composer.value == "w"
            assert "f9 Requests" not in screen_text(app)
            await pilot.press("f9")
            assert any("owner and moderators" in n.message for n in app._notifications)
            composer.value = ""

            # Slow mode (Carol posted moments ago): the message waits, shown so in words; it
            # never comes back to the box.
            await owner.set_slowmode(group.group_id, 600)
            await wait_for(
                pilot,
                lambda: app.engine.group(group.group_id).slowmode_seconds == 600,
                what="slow mode to arrive",
            )
            await pilot.press(*"slow words", "enter")
            await wait_for(
                pilot,
                lambda: "slow words (waiting to send)" in screen_text(app),
                what="the message shown as waiting",
            )
            assert composer.value == ""
    finally:
        await owner.close()


async def test_host_on_the_embedded_relay_and_copy_the_invite(make_paths):
    app = PeertuiApp(make_paths("dana"))
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, what="the engine to open")
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, HostScreen), what="the host screen")
        await pilot.press(*"quiet room", "ctrl+s")  # relay left empty: hosted on this computer
        await wait_for(pilot, lambda: isinstance(app.screen, InviteScreen), what="the invite")
        token = app.screen.token
        await pilot.press("ctrl+y")
        assert app.clipboard == token
        from peertui.core.crypto import Invite

        assert Invite.parse(token).relay_url.startswith("http://127.0.0.1:")
        await pilot.press("escape")
        await wait_for(
            pilot,
            lambda: "quiet room" in screen_text(app) and "connected" in screen_text(app),
            what="the hosted group, connected",
        )
