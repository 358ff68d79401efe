"""Second QA round: suggested numbers are replaced by what is typed, passphrase hints stay in
their dialog, text put back in the composer is continued at its end, /modlog and /report."""

from __future__ import annotations

import re
import time

import pytest
from textual.widgets import Label

from peertui.core.engine import Engine
from peertui.tui.app import PeertuiApp
from peertui.tui.screens.crisis import CrisisScreen
from peertui.tui.screens.dialogs import ChoiceScreen, FormScreen, ListScreen
from peertui.tui.screens.first_run import WELCOME
from peertui.tui.screens.grounding import GroundingScreen
from peertui.tui.screens.join import JoinScreen
from peertui.tui.screens.unlock import UnlockScreen
from peertui.tui.widgets.conversation import SystemLine

from .conftest import PASSPHRASE, wait_for, wait_until
from .screen_text import screen_text
from .test_moderation import highlight_last_from

pytestmark = pytest.mark.timeout(90)


def conversation_lines(app) -> list[str]:
    return [
        item.text
        for item in app.screen.query_one("#messages").items
        if isinstance(item, SystemLine)
    ]


async def test_passphrase_hints_stay_in_their_dialog(make_paths, monkeypatch):
    monkeypatch.delenv("PEERTUI_PASSPHRASE")
    app = PeertuiApp(make_paths("new"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen), what="new passphrase")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.press(*"short", "enter")
        await pilot.pause()
        assert "Use at least 8 characters." in screen_text(app)
        await pilot.press("ctrl+a", "ctrl+k", *PASSPHRASE, "enter", *"different!", "enter")
        await pilot.pause()
        assert "The two passphrases differ" in screen_text(app)
        # Back in the first field, the old text is not selected: a key adds to it.
        app.screen.query_one("#passphrase").focus()
        await pilot.pause()
        assert app.screen.query_one("#passphrase").selection.is_empty
        app.screen.query_one("#passphrase-again").focus()
        await pilot.press(*PASSPHRASE, "enter")
        await wait_for(pilot, lambda: app.engine is not None, what="the engine to open")
        await pilot.pause()
        lines = " ".join(conversation_lines(app))
        for hint in ("differ", "at least 8", "Type your passphrase"):
            assert hint not in lines, f"{hint!r} became a conversation line"
        assert not any("differ" in n.message for n in app._notifications)


async def test_numbers_draft_cursor_and_commands(make_paths, relay):
    alice_paths = make_paths("alice")
    owner = await Engine.open(alice_paths, PASSPHRASE)
    group = await owner.host_group("circle", relay_url=relay.url, nick="alice")
    gid = group.group_id
    token = await owner.create_invite(gid)
    owner.save_draft(gid, "slow one")
    await owner.close()

    bob = await Engine.open(make_paths("bob"), PASSPHRASE)
    app = PeertuiApp(alice_paths)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: app.engine is not None and "circle" in screen_text(app))
            composer = app.screen.query_one("#composer")
            # The draft comes back with the cursor after it: typing continues the sentence.
            await wait_for(pilot, lambda: composer.value == "slow one", what="the draft")
            await pilot.press(*" more")
            assert composer.value == "slow one more"
            await pilot.press("ctrl+a", "ctrl+k")

            await bob.join(token, "bob")
            await wait_for(pilot, lambda: app.engine.pending_requests(gid), what="the request")
            await app.engine.approve(gid, "bob")
            await wait_until(lambda: bob.group(gid).state == "active", what="Bob admitted")
            await bob.send(gid, "hello from bob")
            await wait_for(pilot, lambda: "bob: hello from bob" in screen_text(app))

            # With the conversation focused the footer offers the message keys, not F4–F11.
            app.screen.query_one("#messages").focus()
            await wait_for(
                pilot,
                lambda: "Thanks" in screen_text(app).splitlines()[-1],
                what="the footer redrawn for the conversation",
            )
            footer = screen_text(app).splitlines()[-1]
            for words in (
                "t Thanks",
                "r Report",
                "w Warn",
                "m Mute",
                "d Delete",
                "b Ban",
                "x Remove",
            ):
                assert words in footer, f"{words!r} missing from the footer: {footer!r}"
            assert "Host" not in footer
            await pilot.press("escape")
            await wait_for(
                pilot,
                lambda: "Host" in screen_text(app).splitlines()[-1],
                what="the footer redrawn for the composer",
            )
            footer = screen_text(app).splitlines()[-1]
            assert "Host" in footer and "Thanks" not in footer

            # /help names the commands the guidelines mention.
            await pilot.press(*"/help", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ListScreen), what="the help")
            await pilot.pause()
            assert "/modlog" in screen_text(app) and "/report" in screen_text(app)
            await pilot.press("escape")

            # /report with nothing highlighted reports Bob's latest message, quoted.
            await app.screen.run_action("focus_composer")
            await pilot.press(*"/report", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="report form")
            await pilot.pause()
            assert "hello from bob" in screen_text(app)
            await pilot.press(*"spam", "enter")
            # Alice is the only moderator, so the engine answers in words (no traceback).
            await wait_for(
                pilot,
                lambda: any("no other moderator" in n.message for n in app._notifications),
                what="the report answered",
            )

            # Mute: the suggested 60 is replaced by the 1 typed, and the line says so.
            highlight_last_from(app, "bob")
            app.screen.query_one("#messages").focus()
            await pilot.press("m")
            await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="mute form")
            await pilot.pause()
            await pilot.press("shift+tab")  # from the reason up to the minutes
            await pilot.pause()
            await pilot.press("1", "tab", *"cool off", "enter")
            said = await wait_for(
                pilot,
                lambda: [n.message for n in app._notifications if "Muted bob" in n.message],
                what="the mute line",
            )
            until = time.strftime("%H:%M", time.gmtime(time.time() + 60))
            assert said[0].startswith("Muted bob for 1 minute, until ")
            # The pop-up tells the moderator the length; the conversation says the mute once,
            # by its moderation-log line (issue 10 item 5: not also "Muted bob for ...").
            assert said[0] not in conversation_lines(app)
            entry = await wait_for(
                pilot,
                lambda: [e for e in app.engine.modlog(gid) if e.action == "mute"],
                what="the mute in the log",
            )
            assert 30_000 < entry[0].until - time.time() * 1000 < 90_000, "one minute, not 601"
            assert (
                until in said[0] or time.strftime("%H:%M", time.gmtime(time.time() + 59)) in said[0]
            )

            # Slow mode: the "0" shown is replaced by "30", not turned into "030".
            app.screen.query_one("#messages").focus()
            await pilot.press("s")
            await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="slow mode")
            await pilot.pause()
            await pilot.press(*"30", "enter")
            # The form's answer is the decision (ui.commands.asks_first): not asked again.
            await wait_for(pilot, lambda: app.engine.group(gid).slowmode_seconds == 30)

            # /modlog opens the moderation log.
            await pilot.press(*"/modlog", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ListScreen), what="the log")
            await pilot.pause()
            assert "muted bob" in screen_text(app)
            await pilot.press("escape")
    finally:
        await bob.close()


async def test_toasts_stay_off_the_wellbeing_screens(make_paths):
    app = PeertuiApp(make_paths())
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, what="the engine to open")
        assert app.NOTIFICATION_TIMEOUT == 3
        await pilot.press(*"/bogus", "enter")
        await pilot.pause()
        assert any("There is no command" in n.message for n in app._notifications)
        # The composer's hint is not turned into a conversation line (it is no group event).
        assert not any("There is no command" in line for line in conversation_lines(app))

        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, CrisisScreen)
        assert not app._notifications, "the toast from home does not follow onto the lines"
        await pilot.press(*"1x", "enter")
        await pilot.pause()
        assert not app._notifications
        hint = str(app.screen.query_one("#screen-hint").render())
        assert "not a country peertui knows" in hint  # said on the screen, not as a toast
        await pilot.press("escape")

        await pilot.press("ctrl+a", "ctrl+k", *"/ground nosuch", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, GroundingScreen), what="grounding")
        await pilot.pause()
        assert not app._notifications
        assert str(app.screen.query_one("#screen-hint").render()), "the problem is said there"
        await pilot.press("escape")

        # The join dialog does not pass the general guidelines off as the group's own.
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, JoinScreen), what="join")
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        assert "General guidelines (the group's own are shown when you are approved)" in text
        # The checkbox is drawn once, in words.
        drawn = str(app.screen.query_one("#join-accept").render())
        assert drawn.strip() == "[ ] I have read and accept these guidelines", drawn
        await pilot.press("escape")

        # Muting a word is not something done to a highlighted message.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Hide a word")
        await pilot.pause(0.3)
        palette = " ".join(screen_text(app).split())
        assert "(conversation focused)" in palette and "highlighted message" not in palette, type(
            app.screen
        ).__name__
        await pilot.press("escape")
        await pilot.pause()

        # A confirmation is answered first: ctrl+p does not open over it.
        app.push_screen(ChoiceScreen("Leave?", "You will need a new invite.", [("no", "Stay")]))
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)


def test_first_run_promises_only_what_quick_exit_keeps():
    words = " ".join(" ".join(WELCOME).split())  # the paragraphs, as msgids
    assert "Anything you were typing is kept" not in words
    assert "kept as an encrypted draft in that group" in words
    assert "text typed anywhere else is not kept" in words


async def test_reduced_motion_state_follows_its_label(make_paths):
    app = PeertuiApp(make_paths())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f8")
        await wait_for(pilot, lambda: "Reduced motion:" in screen_text(app), what="settings")
        lines = screen_text(app).splitlines()
        label = next(i for i, line in enumerate(lines) if "Reduced motion:" in line)
        state = next(i for i, line in enumerate(lines) if re.search(r"\bOff\b", line))
        assert label < state, "Off is read after the name of what it turns off"


async def test_labels_are_read_whole_at_80_columns(make_paths):
    app = PeertuiApp(make_paths())
    async with app.run_test(size=(80, 30)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, what="the engine to open")
        assert "Shift+Tab: messages · /help" in screen_text(app), "the composer hint is whole"
        await pilot.press("f4")
        await pilot.pause()
        assert "runs here):" in screen_text(app), "the relay label wraps, not cut off"
        await pilot.press("escape", "f8")
        await pilot.pause()
        proxy = next(
            label for label in app.screen.query(Label) if "Proxy for relay" in str(label.render())
        )
        assert proxy.size.height >= 2, "the proxy label wraps onto a second line"
