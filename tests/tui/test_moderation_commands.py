"""Moderation slash commands typed in the composer: a complete one is done at once, as in plain
mode; one with required words missing opens its form with the cursor in the first missing
field, so what is typed next never lands in a reason already written. Alice moderates in the
app; Bob is a second engine on the same real relay."""

from __future__ import annotations

import pytest

from peertui.core import events as ev
from peertui.core.engine import Engine
from peertui.tui.app import PeertuiApp
from peertui.tui.screens.dialogs import FormScreen, ListScreen

from .conftest import PASSPHRASE, wait_for, wait_until
from .screen_text import screen_text

pytestmark = pytest.mark.timeout(90)


async def with_bob(make_paths, relay, body, bob_out: list[Engine] | None = None) -> None:
    alice_paths = make_paths("alice")
    owner = await Engine.open(alice_paths, PASSPHRASE)
    group = await owner.host_group("circle", relay_url=relay.url, nick="alice")
    token = await owner.create_invite(group.group_id)
    await owner.close()
    gid = group.group_id
    bob = await Engine.open(make_paths("bob"), PASSPHRASE)
    if bob_out is not None:
        bob_out.append(bob)
    bob_events: list[ev.Event] = []
    bob.subscribe(bob_events.append)
    app = PeertuiApp(alice_paths)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: app.engine is not None and "circle" in screen_text(app))
            await bob.join(token, "bob")
            await wait_for(
                pilot,
                lambda: any("bob asked to join" in n.message for n in app._notifications),
                what="the request",
            )
            await app.engine.approve(gid, "bob")
            await wait_until(lambda: bob.group(gid).state == "active", what="Bob admitted")
            await wait_for(pilot, lambda: "bob" in screen_text(app), what="Bob in the members")
            app.screen.query_one("#composer").focus()
            await pilot.pause()
            await body(pilot, app, gid, bob_events)
    finally:
        await bob.close()


def warnings(bob_events) -> list[str]:
    return [e.reason for e in bob_events if isinstance(e, ev.Warned)]


def bob_muted(app, gid) -> bool:
    return any(m.nick == "bob" and m.muted_until for m in app.engine.members(gid))


async def test_a_complete_warn_is_sent_and_the_next_command_is_its_own(make_paths, relay):
    async def body(pilot, app, gid, bob_events):
        await pilot.press(*"/warn bob please be gentle", "enter")
        await pilot.pause(1.0)
        assert not isinstance(app.screen, FormScreen), "a complete /warn asks nothing"
        await pilot.press(*"/mute bob", "enter")
        # The length was not typed: the form asks for it, the cursor in the minutes.
        form = await wait_for(
            pilot, lambda: isinstance(app.screen, FormScreen) and app.screen, what="mute form"
        )
        await pilot.pause()
        assert form.query_one("#field-minutes").has_focus
        assert form.query_one("#field-who").value == "bob"
        await pilot.press("enter")  # the offered 60 minutes
        await wait_for(pilot, lambda: not isinstance(app.screen, FormScreen), what="form closed")
        await wait_until(lambda: bob_muted(app, gid), what="Bob muted")
        await wait_until(lambda: warnings(bob_events), what="Bob's warning")
        await pilot.pause(0.5)
        assert warnings(bob_events) == ["please be gentle"]
        await wait_for(pilot, lambda: "Muted bob for 60 minutes" in screen_text(app))

    await with_bob(make_paths, relay, body)


async def test_commands_typed_in_one_burst_each_do_their_own_thing(make_paths, relay):
    async def body(pilot, app, gid, bob_events):
        await pilot.press(*"/warn bob please be gentle", "enter", *"/mute bob 5 cool off", "enter")
        await wait_until(lambda: bob_muted(app, gid), what="Bob muted")
        await wait_until(lambda: warnings(bob_events), what="Bob's warning")
        await wait_for(pilot, lambda: "Muted bob for 5 minutes" in screen_text(app))
        assert warnings(bob_events) == ["please be gentle"]
        assert not isinstance(app.screen, FormScreen)
        assert app.screen.query_one("#composer").value == ""

        # Wrong words are refused in words and given back, nothing done.
        await pilot.press(*"/unmute bob", "enter")
        await wait_until(lambda: not bob_muted(app, gid), what="Bob unmuted")
        await pilot.press(*"/mute bob soon", "enter")
        await wait_for(
            pilot,
            lambda: any("30m, 2h or 1d" in n.message for n in app._notifications),
            what="the refusal",
        )
        assert app.screen.query_one("#composer").value == "/mute bob soon"
        assert not bob_muted(app, gid)
        app.screen.query_one("#composer").value = ""

        # /warn without a reason asks for it, the cursor in the empty reason; what is typed
        # there is the reason, nothing else.
        await pilot.press(*"/warn bob", "enter")
        form = await wait_for(
            pilot, lambda: isinstance(app.screen, FormScreen) and app.screen, what="warn form"
        )
        await pilot.pause()
        assert form.query_one("#field-reason").has_focus
        await pilot.press(*"mind the guidelines", "enter")
        await wait_until(lambda: len(warnings(bob_events)) == 2, what="the second warning")
        assert warnings(bob_events) == ["please be gentle", "mind the guidelines"]

    await with_bob(make_paths, relay, body)


async def test_dismiss_with_a_number_takes_that_report(make_paths, relay):
    """`/dismiss 2` dismisses the second report as plain mode does (it used to open the list
    and ignore the number); a wrong number is refused in words and given back."""

    async def body(pilot, app, gid, bob_events):
        for text in ("first thing", "second thing"):
            await app.engine.send(gid, text)
        bob = bob_engine[0]
        for text, reason in (("first thing", "too loud"), ("second thing", "too quiet")):
            mine = await wait_until(
                lambda t=text: next((m for m in bob.history(gid) if m.text == t), None),
                what=f"Bob to receive {text!r}",
            )
            await bob.report(gid, mine.msg_id, reason)
        await wait_until(lambda: len(app.engine.reports(gid)) == 2, what="both reports")
        composer = app.screen.query_one("#composer")

        await pilot.press(*"/dismiss 3", "enter")
        await wait_for(
            pilot,
            lambda: any("There is no report 3" in n.message for n in app._notifications),
            what="the refusal",
        )
        assert composer.value == "/dismiss 3"
        assert len(app.engine.reports(gid)) == 2
        composer.value = ""

        await pilot.press(*"/dismiss 2", "enter")
        await wait_until(lambda: len(app.engine.reports(gid)) == 1, what="one report dismissed")
        assert [r.reason for r in app.engine.reports(gid)] == ["too loud"]
        await wait_for(
            pilot,
            lambda: any(
                "Dismissed report 2 (about alice's message: too quiet)" in n.message
                for n in app._notifications
            ),
            what="the same words as plain mode",
        )
        assert not isinstance(app.screen, ListScreen), "a number asks nothing"

    bob_engine: list[Engine] = []
    await with_bob(make_paths, relay, body, bob_engine)
