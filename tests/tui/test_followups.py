"""QA follow-ups: reflowed guidelines, steady widths for wide and joined emoji, the relay being
unreachable, the invite dialog, the palette's effective keys, the crisis country, and one group
flow (shared engines, one relay) for new-messages-below, thanks, profiles, reports, bans and the
last group opened again."""

from __future__ import annotations

import re
import unicodedata

import pytest
from nacl.signing import SigningKey

from peertui.core import events as ev
from peertui.core.crypto import Invite
from peertui.core.engine import Engine
from peertui.core.moderation import DEFAULT_GUIDELINES
from peertui.tui.app import PeertuiApp
from peertui.tui.screens.crisis import CrisisScreen
from peertui.tui.screens.dialogs import ChoiceScreen, FormScreen, InviteScreen, ListScreen
from peertui.tui.screens.home import HomeScreen
from peertui.tui.screens.host import HostScreen
from peertui.tui.screens.join import JoinScreen
from peertui.tui.text import reflow, steady_width
from peertui.tui.widgets.conversation import SystemLine

from .conftest import PASSPHRASE, in_front, wait_for, wait_until
from .screen_text import screen_text

pytestmark = pytest.mark.timeout(90)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man, woman, girl joined by ZWJs
UNREACHABLE = "http://127.0.0.1:1"


def test_guidelines_reflow_keeps_numbered_items_on_their_own_lines():
    text = "Intro wrapped\nover two lines.\n\n1. First item\n   continued.\n2. Second item."
    assert (
        reflow(text) == "Intro wrapped over two lines.\n\n1. First item continued.\n2. Second item."
    )
    shown = reflow(DEFAULT_GUIDELINES).splitlines()
    items = [line for line in shown if line[:2] in {f"{n}." for n in range(1, 10)}]
    assert len(items) == 6
    assert any("phone numbers, addresses" in line for line in items), "item 4 joined whole"


def naive_width(text: str) -> int:
    """Cells a terminal without grapheme clustering uses: one per code point, two for wide."""
    width = 0
    for char in text:
        if unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return width


def record_updates(static) -> list[str]:
    """Every text a Static is given, in order (a fast failure replaces "waiting" at once)."""
    said: list[str] = []
    update = static.update

    def recording(text="", *args, **kwargs):
        said.append(str(text))
        return update(text, *args, **kwargs)

    static.update = recording
    return said


def test_steady_width_changes_only_what_terminals_disagree_on():
    assert steady_width(f"a {FAMILY} b") == "a \U0001f468\U0001f469\U0001f467 b"
    assert steady_width("漢字 café") == "漢字 café"


async def test_unreachable_relay_damaged_invite_and_the_checkbox(make_paths):
    app = PeertuiApp(make_paths("erin"))
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, what="the engine to open")

        # Hosting on a relay nobody answers at: said while waiting, then the whole error.
        await pilot.press("f4")
        await wait_for(pilot, lambda: in_front(app, HostScreen), what="host screen")
        await pilot.press(*"lost room")
        app.screen.query_one("#host-relay").value = UNREACHABLE
        status = app.screen.query_one("#host-status")
        said = record_updates(status)
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: not app.screen.query_one("#host").disabled, timeout=30, what="failure"
        )
        problem = str(status.render())
        assert said[0] == "Contacting the relay…", "said while waiting"
        assert "not reachable" in problem and "Contacting" not in problem
        last_word = problem.split()[-1]
        # Laid out a frame after the button comes back: wait for it (never shown fails here).
        await wait_for(
            pilot, lambda: last_word in screen_text(app), what=f"the end of {problem!r} shown"
        )
        await pilot.press("escape")

        # Joining: a damaged invite is answered before the nickname is asked for.
        await pilot.press("f5")
        await wait_for(pilot, lambda: in_front(app, JoinScreen), what="join screen")
        await pilot.press(*"peertui:broken", "enter")
        assert app.screen.query_one("#join-invite").has_focus, "still on the invite"
        assert "That invite does not work" in str(
            app.screen.query_one("#join-invite-status").render()
        )

        accept = app.screen.query_one("#join-accept")
        assert str(accept.label).startswith("[ ]")
        accept.value = True
        await pilot.pause()
        assert str(accept.label).startswith("[x]")

        owner_key = SigningKey.generate().verify_key
        token = Invite.create(UNREACHABLE, bytes(owner_key)).token()
        app.screen.query_one("#join-invite").value = token
        said = record_updates(app.screen.query_one("#join-status"))
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: not app.screen.query_one("#join").disabled, timeout=30, what="failure"
        )
        assert isinstance(app.screen, JoinScreen), "the form stays, with the problem"
        assert any(text.startswith("Contacting the relay…") for text in said)
        problem = str(app.screen.query_one("#join-status").render())
        assert "not reachable" in problem
        assert app.screen.query_one("#join-invite").has_focus, "back on the invite, not Pronouns"
        await wait_for(
            pilot,
            lambda: problem.split()[-1] in screen_text(app),
            what=f"the end of {problem!r} scrolled into view:\n{screen_text(app)}",
        )


async def test_invite_dialog_states_validity_and_that_copying_is_unavailable(make_paths):
    app = PeertuiApp(make_paths("fay"))
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(InviteScreen("quiet", "peertui:TOKEN"))
        await pilot.pause()
        text = screen_text(app)
        assert "Valid for 7 days and 10 uses; you approve each" in text
        assert "Copying is not available" in text  # a test run has no terminal to copy to
        token_row = next(line for line in text.splitlines() if "peertui:TOKEN" in line)
        # Only the panes behind the dialog show at its sides: no dialog border on that line.
        assert "┃" not in token_row and " peertui:TOKEN " in token_row
        await pilot.press("ctrl+y")
        assert app.clipboard == "peertui:TOKEN"
        assert any("not available" in n.message for n in app._notifications)


async def test_palette_shows_the_remapped_key_and_crisis_country_is_saved(make_paths):
    paths = make_paths("gus")
    paths.config_file.write_text('[keybindings]\n"peertui.search" = "ctrl+f"\n')
    app = PeertuiApp(paths)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, what="the engine to open")
        await pilot.press("ctrl+p")
        await pilot.press(*"Search")
        await wait_for(pilot, lambda: "key: ctrl+f" in screen_text(app), what="effective key")
        assert "key: f7" not in screen_text(app)
        await pilot.press("escape")

        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, CrisisScreen), what="crisis lines")
        await pilot.press(*"de", "enter", "ctrl+s")
        assert app.settings.country == "DE"
        assert 'country = "DE"' in paths.config_file.read_text()


def right_border_columns(app) -> set[int]:
    """Where each conversation row's right border sits, counted as a plain terminal would."""
    columns = set()
    for line in screen_text(app).splitlines():
        if line.count("│") >= 4:  # a row through both the groups pane and the conversation
            columns.add(naive_width(line.rsplit("│", 1)[0]))
    return columns


async def test_group_followups(make_paths, relay):
    alice_paths = make_paths("alice")
    owner = await Engine.open(alice_paths, PASSPHRASE)
    await owner.host_group("first", relay_url=relay.url, nick="alice")
    group = await owner.host_group("second", relay_url=relay.url, nick="alice")
    gid = group.group_id
    token = await owner.create_invite(gid)
    owner.remember_current_group(gid)
    await owner.close()

    bob = await Engine.open(make_paths("bob"), PASSPHRASE)
    other_bob = await Engine.open(make_paths("bob2"), PASSPHRASE)
    bob_events: list[ev.Event] = []
    bob.subscribe(bob_events.append)
    app = PeertuiApp(alice_paths)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.engine is not None, what="the engine")
            home = app.screen
            assert isinstance(home, HomeScreen)
            assert home.current == gid, "the group shown last time opens again"
            await wait_for(
                pilot,
                lambda: screen_text(app).count("connected") >= 2,
                what="sidebar and status line to agree",
            )
            assert "offline" not in screen_text(app)

            for engine, nick in ((bob, "bob"), (other_bob, "bob")):
                pending = await engine.join(token, nick, pronouns="he/him" if engine is bob else "")
                await wait_until(lambda: app.engine.pending_requests(gid), what="the join request")
                await app.engine.approve(gid, app.engine.pending_requests(gid)[0].member_id)
                await wait_until(lambda e=engine: e.group(gid).state == "active", what="admitted")
            assert pending.group_id == gid

            await bob.send(gid, f"family {FAMILY} and 漢字 here")
            await other_bob.send(gid, "the other bob")
            await wait_for(pilot, lambda: "the other bob" in screen_text(app), what="messages")
            assert re.search(r"bob~[0-9a-f]{4}: the other bob", screen_text(app)), (
                "duplicate nicknames carry the ~abcd suffix"
            )

            await pilot.resize_terminal(80, 24)
            await pilot.pause()
            assert "family" in screen_text(app)
            assert len(right_border_columns(app)) == 1, "the right border stays in one column"
            await pilot.resize_terminal(100, 30)
            await pilot.pause()

            # Moved up to read: the list keeps its place, even back in the composer.
            messages = home.query_one("#messages")
            messages.focus()
            await pilot.press("up")
            place = messages.highlighted
            await pilot.press("escape")
            await bob.send(gid, "while you read")
            await wait_for(
                pilot, lambda: "1 new message below" in screen_text(app), what="the announcement"
            )
            assert messages.highlighted == place

            # Thanks, both ways: Notices are lines in the conversation.
            messages.highlighted = next(
                i for i, m in enumerate(messages.items) if getattr(m, "text", "") == "the other bob"
            )
            messages.focus()
            await pilot.press("t")
            await wait_until(
                lambda: any(getattr(e, "said", None) is ev.Said.THANKED for e in bob_events),
                what="Bob to hear about the thanks",
            )
            await app.engine.send(gid, "thanks for coming")
            mine = await wait_until(
                lambda: next((m for m in bob.history(gid) if m.text == "thanks for coming"), None)
            )
            await bob.thank(gid, mine.msg_id)
            await wait_for(
                pilot,
                lambda: any(
                    isinstance(line, SystemLine) and "bob thanked you for message #" in line.text
                    for line in messages.items
                ),
                what="the Notice as a conversation line",
            )

            # Profile from the palette action; the members panel shows it.
            await home.run_action("profile")
            await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="profile")
            await pilot.pause()
            await pilot.press(*"she/her", "tab", *"here most evenings", "ctrl+s")
            await wait_for(
                pilot,
                lambda: (
                    "alice (she/her)" in screen_text(app)
                    and "here most evenings" in screen_text(app)
                ),
                what=f"the profile in the members panel:\n{screen_text(app)}",
            )
            assert "bob (he/him)" in screen_text(app)

            # A report can be dismissed.
            await bob.report(gid, mine.msg_id, "just testing")
            await wait_for(pilot, lambda: app.engine.reports(gid), what="the report")
            await pilot.press("f11")
            await wait_for(pilot, lambda: isinstance(app.screen, ListScreen), what="reports")
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="choice")
            await pilot.pause()
            await pilot.press("tab", "tab", "enter")  # Later · Remove · Dismiss
            await wait_for(pilot, lambda: not app.engine.reports(gid), what="dismissed")

            # Ban offers to cancel open invites, and does.
            messages.highlighted = next(
                i for i, m in enumerate(messages.items) if getattr(m, "text", "") == "the other bob"
            )
            messages.focus()
            await pilot.press("b")
            await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="ban form")
            await pilot.pause()
            await pilot.press(*"spam", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="confirm")
            await pilot.pause()
            await pilot.press("tab", "enter")  # Cancel · Ban
            # Then the shared flow's question: cancel the open invites too?
            await wait_for(
                pilot,
                lambda: "Also cancel the group's open invites" in screen_text(app),
                what="the question about invites",
            )
            await pilot.press("enter")  # Yes
            await wait_for(
                pilot,
                lambda: any(
                    "Cancelled" in n.message and "open invite" in n.message
                    for n in app._notifications
                ),
                what="the invites cancelled",
            )
    finally:
        await bob.close()
        await other_bob.close()


async def test_warnings_come_back_and_a_denial_gives_its_reason(make_paths, relay):
    owner = await Engine.open(make_paths("owner"), PASSPHRASE)
    app = PeertuiApp(make_paths("carol"))
    try:
        welcoming = await owner.host_group("welcoming", relay_url=relay.url, nick="owner")
        closed = await owner.host_group("closed", relay_url=relay.url, nick="owner")
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.engine is not None, what="the engine")
            home = app.screen
            for group in (welcoming, closed):
                token = await owner.create_invite(group.group_id)
                pending = await app.engine.join(token, "carol")
                await wait_until(
                    lambda g=group: owner.pending_requests(g.group_id), what="the request"
                )
                if group is welcoming:
                    await owner.approve(group.group_id, "carol")
                    await wait_until(
                        lambda p=pending: app.engine.group(p.group_id).state == "active"
                    )
                    await owner.warn(group.group_id, "carol", "mind the guidelines")
                    await wait_until(lambda: app.engine.my_warnings(welcoming.group_id))
                else:
                    await owner.deny(group.group_id, "carol", "this group is full")
            await wait_for(
                pilot,
                lambda: app.engine.group(closed.group_id).state == "denied",
                what="the denial",
            )
            home.open_group(closed.group_id)
            await wait_for(
                pilot,
                lambda: (
                    "declined: this" in screen_text(app) and "group is full" in screen_text(app)
                ),
                what=f"the reason in the conversation:\n{screen_text(app)}",
            )
            home.open_group(welcoming.group_id)  # rebuilt from history: the warning is back
            await wait_for(
                pilot,
                lambda: any(
                    isinstance(line, SystemLine)
                    and line.text == "A moderator warned you privately: mind the guidelines"
                    for line in home.query_one("#messages").items
                ),
                what="the warning rebuilt",
            )
    finally:
        await owner.close()
