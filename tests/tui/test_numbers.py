"""Message numbers never change under a person's feet, in the TUI (the real binary in tmux).

Bob is offline (no network at all) and writes a message; Alice writes three; Bob comes back
and sees each message with its number, Alice's placed by the time they were written; after a
restart every message has the same number, and `/report N` typed with a number seen before the
restart reports that message: the moderator receives it. A late arrival keeps the highlight
on the line the person was on, so a moderation key acts on what is highlighted.
"""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from peertui.core.engine import Engine
from peertui.core.store import Message
from peertui.paths import resolve_paths
from peertui.tui.widgets.conversation import MessageList

from .conftest import PASSPHRASE
from .tmux import PEERTUI, Tmux, history_of, make_pair, start_peertui, terminal_env

pytestmark = pytest.mark.timeout(240)

ALICE_WROTE = ("alice one: the walk helped", "alice two: rough night", "alice three: still here")
BOB_WROTE = "bob offline: back soon"


def numbers_on(screen: str) -> dict[str, int]:
    """Each message text on screen with the number in front of it."""
    found = {}
    for number, text in re.findall(r"#(\d+) (?:alice|bob): ([a-z ]+: [a-z ]+)", screen):
        found[text.strip()] = int(number)
    return found


def alice_posts(home, group_id: str, texts) -> None:
    async def post() -> None:
        engine = await Engine.open(resolve_paths(home), PASSPHRASE)
        try:
            for text in texts:
                await engine.send(group_id, text)
        finally:
            await engine.close()

    asyncio.run(post())


def reports_received(home, group_id: str, timeout: float = 30.0):
    async def wait() -> list:
        engine = await Engine.open(resolve_paths(home), PASSPHRASE)
        try:
            deadline = time.monotonic() + timeout
            while not engine.reports(group_id) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            return engine.reports(group_id)
        finally:
            await engine.close()

    return asyncio.run(wait())


def quit_app(tmux: Tmux) -> None:
    tmux.keys("C-q")
    tmux.wait_until_shell_runs()


def test_numbers_survive_a_restart_and_report_n_reports_that_message(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url)

    # Bob, with no network at all, writes: the line has its number at once.
    (resolve_paths(pair.bob_home).config_dir / "welcome-seen").touch()
    (resolve_paths(pair.bob_home).config_dir / "country-asked").touch()
    offline = Tmux(terminal_env(pair.bob_home), 160, 30)
    try:
        offline.type(f"unshare -n {PEERTUI} --tui")
        offline.keys("Enter")
        offline.wait_for("you are bob")
        offline.type(BOB_WROTE)
        offline.keys("Enter")
        screen = offline.wait_for("(waiting to send)")
        queued = numbers_on(screen)[BOB_WROTE]
        quit_app(offline)
    finally:
        offline.close()

    alice_posts(pair.alice_home, pair.group_id, ALICE_WROTE)

    back = start_peertui(pair.bob_home, 160, 30)
    try:
        back.wait_until(
            lambda s: len(numbers_on(s)) == 4 and "(waiting to send)" not in s,
            "all four messages shown, Bob's sent",
            timeout=40,
        )
        screen = back.screen()
        live = numbers_on(screen)
        assert live[BOB_WROTE] == queued
        assert len(set(live.values())) == 4
        # Bob wrote his before Alice wrote hers: it is above them, as on every member's
        # device (the order every device computes alike, docs/PROTOCOL.md §9.6), whichever
        # was stored here first (the outbox and the catch-up race).
        rows = [next(i for i, r in enumerate(screen.splitlines()) if t in r) for t in live]
        by_row = [t for _, t in sorted(zip(rows, live, strict=True))]
        assert by_row == [BOB_WROTE, *ALICE_WROTE], screen
        assert screen.count("▶") == 1, screen
        alice_order = history_of(pair.alice_home, pair.group_id, wait_for=5)
        assert [t for t in alice_order if t in live] == by_row
        quit_app(back)
    finally:
        back.close()

    again = start_peertui(pair.bob_home, 160, 30)
    try:
        screen = again.wait_until(lambda s: len(numbers_on(s)) == 4, "the history", timeout=40)
        assert numbers_on(screen) == live
        two = live["alice two: rough night"]
        again.type(f"/report {two} please look at this")
        again.keys("Enter")
        # The form shows the message reported: #two, Alice's second, highlighted first.
        screen = again.wait_for("Report this message to the moderators")
        assert f"#{two} alice: alice two: rough night" in screen
        again.keys("Enter")
        again.wait_for("You reported message #")
        # A number that names nothing is refused in words and the command is given back.
        again.type(f"/hide {max(live.values()) + 40}")
        again.keys("Enter")
        again.wait_for(f"There is no message #{max(live.values()) + 40}")
        # Hidden for oneself, then shown again with /open N (the same as plain mode).
        again.keys("C-u")
        again.type(f"/hide {two}")
        again.keys("Enter")
        again.wait_for(f"#{two} alice: [hidden — you hid this message]")
        again.type(f"/open {two}")
        again.keys("Enter")
        again.wait_until(
            lambda s: f"#{two} alice: alice two: rough night" in s and "[hidden" not in s,
            "the hidden message opened",
        )
        quit_app(again)
    finally:
        again.close()

    [report] = reports_received(pair.alice_home, pair.group_id)
    assert report.text == "alice two: rough night" and report.reported_nick == "alice"
    assert report.reason == "please look at this"


def message(number: int, ts: int, text: str) -> Message:
    return Message("g", f"m{number}", number, "k", "sam", text, ts, number=number)


async def test_a_late_arrival_goes_to_its_place_and_the_highlight_stays_put():
    """MessageList on its own: placement by (time, number) and the highlight kept by line."""
    from textual.app import App

    class One(App):
        def compose(self):
            yield MessageList(id="messages")

    app = One()
    async with app.run_test(size=(80, 20)) as pilot:
        messages = app.query_one(MessageList)
        messages.show([message(1, 1000, "first"), message(2, 3000, "third")])
        messages.highlighted = 0  # the person moved up to "first"
        late = message(3, 2000, "second, arrived late")
        late.extra["late_before"] = 2
        messages.append(late)
        await pilot.pause()
        assert [m.text for m in messages.items] == ["first", "second, arrived late", "third"]
        assert messages.selected_message().text == "first", "the highlight stays on its line"
        assert "arrived late: its place is before #2" in str(messages.render_item(late))
        # Someone at the end stays at the end.
        messages.jump_to_end()
        messages.extend([message(5, 500, "oldest, very late"), message(4, 4000, "fourth")])
        await pilot.pause()
        assert [m.number for m in messages.items] == [5, 1, 3, 2, 4]
        assert messages.selected_message().text == "fourth"
        # A message sent at last (same id, its time now) moves to its place.
        waiting = message(6, 1500, "mine, waiting")
        waiting.seq = 0
        messages.append(waiting)
        assert [m.number for m in messages.items] == [5, 1, 6, 3, 2, 4]
        messages.highlighted = 2  # the person is on their waiting message
        sent = message(6, 5000, "mine, waiting")
        messages.append(sent)
        await pilot.pause()
        assert [m.number for m in messages.items] == [5, 1, 3, 2, 4, 6]
        assert sum(1 for m in messages.items if m.number == 6) == 1
        assert messages.selected_message() is sent, "the highlight went with it"


def marked_lines(messages: MessageList) -> list[int]:
    """The lines drawn with the "▶" marker (there must be exactly one: the highlighted)."""
    return [
        i
        for i in range(messages.option_count)
        if str(messages.get_option_at_index(i).prompt).startswith("▶")
    ]


async def test_one_marker_after_a_late_arrival_whether_following_or_not():
    """fresh-eyes3 item 8: two "▶" were shown after a late message was put in its place (the
    list was redrawn with the marker on the old line, which then was never taken off)."""
    from textual.app import App

    class One(App):
        def compose(self):
            yield MessageList(id="messages")

    app = One()
    async with app.run_test(size=(80, 20)) as pilot:
        messages = app.query_one(MessageList)
        messages.show([message(1, 1000, "first"), message(2, 3000, "third")])
        await pilot.pause()
        assert marked_lines(messages) == [1]
        # Following at the end: a late one goes above, the highlight to the new end.
        late = message(3, 2000, "second, arrived late")
        messages.append(late)
        messages.append(message(4, 4000, "fourth"))
        await pilot.pause()
        assert marked_lines(messages) == [messages.highlighted] == [3]
        # Reading higher up: a late one goes above the highlighted line, which moves down.
        messages.highlighted = 2
        await pilot.pause()
        messages.append(message(5, 1500, "between, very late"))
        await pilot.pause()
        assert messages.selected_message().text == "third"
        assert marked_lines(messages) == [messages.highlighted] == [3]
        # A whole new list (a restart's history, a jump) keeps one marker too.
        messages.show(list(messages.items))
        await pilot.pause()
        assert marked_lines(messages) == [messages.highlighted]
