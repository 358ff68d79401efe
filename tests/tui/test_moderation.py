"""Moderation from the conversation by key: warn, report review, mute, delete, slow mode, mod log,
and a personal mute. Alice moderates in the app; Bob is a second engine on the same real relay."""

from __future__ import annotations

import pytest

from peertui.core import events as ev
from peertui.core.engine import Engine
from peertui.core.errors import PeertuiError
from peertui.tui.app import PeertuiApp
from peertui.tui.screens.dialogs import ChoiceScreen, FormScreen, ListScreen

from .conftest import PASSPHRASE, wait_for, wait_until
from .screen_text import screen_text

pytestmark = pytest.mark.timeout(90)


async def moderate(pilot, app, key: str, typed: str = "", *, confirm: bool = False) -> None:
    """Press a moderation key on the highlighted message, type into the field the form focuses
    (the reason, when the member is already filled in), press Enter, and confirm if asked."""
    app.screen.query_one("#messages").focus()
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what=f"the {key} form")
    await pilot.pause()
    if typed:
        await pilot.press(*typed)
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, FormScreen), what="the form to close")
    if confirm:
        await confirm_second_choice(pilot, app)
    assert app.screen.query_one("#composer").has_focus, "typing goes back to the composer"


async def confirm_second_choice(pilot, app) -> None:
    """Confirmations put Cancel first (a stray Enter changes nothing); the action is second."""
    await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="a confirmation")
    await pilot.pause()
    await pilot.press("tab", "enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, ChoiceScreen), what="confirmed")


def highlight_last_from(app, nick: str) -> None:
    messages = app.screen.query_one("#messages")
    index = max(i for i, m in enumerate(messages.items) if getattr(m, "nick", "") == nick)
    messages.highlighted = index


async def test_moderation_by_key(make_paths, relay):
    alice_paths = make_paths("alice")
    owner = await Engine.open(alice_paths, PASSPHRASE)
    group = await owner.host_group("circle", relay_url=relay.url, nick="alice")
    token = await owner.create_invite(group.group_id)
    await owner.close()
    gid = group.group_id

    bob = await Engine.open(make_paths("bob"), PASSPHRASE)
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
            await app.engine.send(gid, "welcome bob")
            await wait_until(lambda: any(m.text == "welcome bob" for m in bob.history(gid)))

            # Bob reports Alice's message; Alice reviews it with F11.
            welcome = next(m for m in bob.history(gid) if m.text == "welcome bob")
            await bob.report(gid, welcome.msg_id, "testing reports")
            await wait_for(pilot, lambda: app.engine.reports(gid), what="the report")
            await pilot.press("f11")
            await wait_for(pilot, lambda: isinstance(app.screen, ListScreen), what="reports")
            assert "reason: testing reports" in screen_text(app)
            await pilot.press("escape")

            await bob.send(gid, "buy my stuff")
            await wait_for(pilot, lambda: "bob: buy my stuff" in screen_text(app))

            highlight_last_from(app, "bob")
            await moderate(pilot, app, "w", "please stay on topic")
            await wait_until(
                lambda: any(isinstance(e, ev.Warned) for e in bob_events),
                what="Bob's private warning",
            )
            assert [e.reason for e in bob_events if isinstance(e, ev.Warned)] == [
                "please stay on topic"
            ]

            highlight_last_from(app, "bob")
            await moderate(pilot, app, "d", "advertising")
            await wait_for(
                pilot,
                lambda: "bob: [removed by moderators: advertising]" in screen_text(app),
                what="the removed message in words",
            )

            # A personal mute hides Bob's messages for Alice only.
            await bob.send(gid, "sorry about that")
            await wait_for(pilot, lambda: "bob: sorry about that" in screen_text(app))
            highlight_last_from(app, "bob")
            app.screen.query_one("#messages").focus()
            await pilot.press("i")
            await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
            await pilot.press("ctrl+s")
            await wait_for(
                pilot,
                lambda: "bob: [hidden — you hid this member]" in screen_text(app),
                what="Bob hidden for Alice",
            )
            # ... and can be undone from the palette's Unhide entry.
            await app.screen.run_action("unhide")
            await wait_for(pilot, lambda: isinstance(app.screen, ListScreen), what="unhide list")
            await pilot.pause()
            assert "member: bob" in screen_text(app)
            await pilot.press("enter")
            await wait_for(
                pilot, lambda: "bob: sorry about that" in screen_text(app), what="Bob shown again"
            )
            # Muting yourself is refused in words.
            highlight_last_from(app, "alice")
            app.screen.query_one("#messages").focus()
            await pilot.press("i")
            await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
            await pilot.press("enter")
            await wait_for(
                pilot,
                lambda: any("cannot mute yourself" in n.message for n in app._notifications),
                what="muting yourself refused",
            )
            highlight_last_from(app, "bob")
            await moderate(pilot, app, "m", "cool off")  # the offered 60 minutes
            await wait_for(
                pilot, lambda: "bob — muted" in screen_text(app), what="muted in members"
            )

            async def bob_refused() -> bool:
                try:
                    await bob.send(gid, "let me post")
                except PeertuiError:
                    return True
                return False

            assert await bob_refused(), "a muted member cannot post"

            app.screen.query_one("#messages").focus()
            await pilot.press("s")
            await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
            await pilot.pause()
            await pilot.press("ctrl+a", "ctrl+k", *"30", "enter")
            # The form's answer is the decision (ui.commands.asks_first): not asked again.
            await wait_for(pilot, lambda: "slow mode 30 s" in screen_text(app), what="slow mode")

            # Typing "ok" with the conversation focused: "o" asks first; the rest of the reply
            # (and its Enter) is kept for the message box, never an answer; Esc is Cancel.
            app.screen.query_one("#messages").focus()
            await pilot.press("o")
            await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="read-only?")
            await pilot.pause()
            await pilot.press("k", "enter")
            await pilot.pause(0.3)
            assert isinstance(app.screen, ChoiceScreen), "the reply's Enter answered nothing"
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, ChoiceScreen))
            assert not app.engine.group(gid).readonly, "a stray key never makes it read-only"
            composer = app.screen.query_one("#composer")
            assert composer.value == "k", "the typing went on to the message box"
            composer.value = ""

            app.screen.query_one("#messages").focus()
            await pilot.press("o")  # read-only on
            await confirm_second_choice(pilot, app)
            await wait_for(pilot, lambda: "read-only" in screen_text(app), what="read-only")
            app.screen.query_one("#messages").focus()
            await pilot.press("o")  # and off again
            await confirm_second_choice(pilot, app)
            await wait_for(
                pilot,
                lambda: "read-only" not in screen_text(app).split("\n")[0],
                what="read-only lifted",
            )

            highlight_last_from(app, "bob")
            await moderate(pilot, app, "p")  # promote the highlighted member
            await wait_for(pilot, lambda: "bob — moderator" in screen_text(app), what="promoted")
            await wait_until(lambda: bob.group(gid).role == "moderator", what="Bob to know")
            highlight_last_from(app, "bob")
            await moderate(pilot, app, "e")  # and demote
            await wait_for(pilot, lambda: "bob — moderator" not in screen_text(app), what="demoted")

            await pilot.press("f10")
            await wait_for(pilot, lambda: isinstance(app.screen, ListScreen), what="the mod log")
            log = screen_text(app)
            for words in (
                "warned bob (the reason went to them privately)",
                "removed a message",
                "muted bob",
                "set slow mode",
                "set read-only",
                "changed the role of bob",
            ):
                assert words in log, f"{words!r} missing from the moderation log:\n{log}"
            await pilot.press("escape")

            # Export writes the conversation as plain text, after saying so.
            await app.screen.run_action("export")
            await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="export?")
            await pilot.pause()
            assert "unencrypted" in screen_text(app)
            await pilot.press("enter")
            exported = await wait_for(
                pilot, lambda: list(alice_paths.exports_dir.glob("*.txt")), what="the export file"
            )
            assert "welcome bob" in exported[0].read_text()

    finally:
        await bob.close()
