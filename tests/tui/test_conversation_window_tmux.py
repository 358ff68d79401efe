"""Issue 12 with the real binary in tmux: the conversation keeps a window of lines (`WINDOW`,
`peertui.tui.widgets.conversation`), not every line of a long catch-up; the rest come back
from the store a page at a time. Walking the whole conversation by keyboard shows every
message once, in order, each with the number it had; a search hit or a #number outside the
window opens a window around it, and End comes back to the newest.
"""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from peertui.core.engine import Engine
from peertui.paths import resolve_paths
from peertui.tui.widgets.conversation import SLACK, WINDOW

from .conftest import PASSPHRASE
from .tmux import Tmux, make_pair, start_peertui

pytestmark = pytest.mark.timeout(600)

# More than the window holds with its slack, so a reader at the end has had lines dropped.
COUNT = WINDOW + SLACK + 100
ROW = re.compile(r"(▶ |  )#(\d+) (\w+): (\w+) says (\d{4})")
STEP = 20  # Up keys between two looks at the screen (a screen shows about 25 lines)


def post(home, group_id: str, count: int, nick: str) -> None:
    """`count` messages from one member, "<nick> says 0001" …, all taken by the relay."""

    async def run() -> None:
        engine = await Engine.open(resolve_paths(home), PASSPHRASE)
        try:
            for n in range(1, count + 1):
                await engine.send(group_id, f"{nick} says {n:04d}")
            deadline = time.monotonic() + 120
            while any(m.seq <= 0 for m in engine.history(group_id, limit=count + 10)):
                assert time.monotonic() < deadline, "messages never went out"
                await asyncio.sleep(0.1)
        finally:
            await engine.close()

    asyncio.run(run())


def rows(screen: str) -> list[tuple[bool, int, int]]:
    """The conversation's message rows top to bottom: (highlighted, #number, n said)."""
    return [
        (m.group(1) == "▶ ", int(m.group(2)), int(m.group(5)))
        for m in map(ROW.search, screen.splitlines())
        if m
    ]


def highlighted(screen: str) -> int | None:
    """The n of the highlighted message on screen (None: no message row has the ▶)."""
    return next((n for marked, _, n in rows(screen) if marked), None)


def until_highlighted(tmux: Tmux, n: int, timeout: float = 30.0) -> str:
    return tmux.wait_until(lambda s: highlighted(s) == n, f"▶ on 'says {n:04d}'", timeout)


@pytest.fixture
def relay(relay_factory):
    """Limits raised out of the way: one member posts hundreds in a few seconds here (with
    the default limits the catch-up of them stalls for minutes: see the report of issue 12)."""
    return relay_factory("--rate-per-second", "1000", "--rate-burst", "1000")


def test_walking_up_past_the_window_shows_every_message_once_in_order(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url)
    post(pair.bob_home, pair.group_id, COUNT, "bob")  # while Alice is away: a catch-up
    alice = start_peertui(pair.alice_home, 100, 30)
    try:
        alice.wait_for("you are alice", timeout=60)
        until_highlighted(alice, COUNT, timeout=180)  # caught up, following the newest
        alice.keys("BTab")  # to the conversation
        alice.wait_for("Focus: Conversation")
        alice.keys("Home")  # the window's first line: the oldest lines were dropped
        screen = alice.wait_until(
            lambda s: highlighted(s) not in (None, COUNT), "the window's first line"
        )
        first = highlighted(screen)
        assert first is not None and first > 1, f"nothing was dropped:\n{screen}"
        assert len(range(first, COUNT + 1)) <= WINDOW + SLACK, screen
        alice.keys("End")
        until_highlighted(alice, COUNT)

        seen: dict[int, int] = {}  # n said -> its #number
        at = COUNT
        while True:
            # Moving up, the lines just passed stay in view below the highlight (also when a
            # page comes in above): what is on screen joins what was seen before.
            below = min(at + STEP, COUNT)
            screen = alice.wait_until(
                lambda s, at=at, below=below: (
                    highlighted(s) == at and max(n for _, _, n in rows(s)) >= below
                ),
                f"▶ on 'says {at:04d}' with the lines down to {below} below it",
            )
            shown = rows(screen)
            said = [n for _, _, n in shown]
            assert said == list(range(said[0], said[0] + len(said))), f"out of order:\n{screen}"
            for _, number, n in shown:
                assert seen.setdefault(n, number) == number, f"#{number} changed:\n{screen}"
            if at == 1:
                break
            step = min(STEP, at - 1)
            alice.keys(*["Up"] * step)  # at the window's top, Up brings the page above
            at -= step
        assert sorted(seen) == list(range(1, COUNT + 1)), "a message is missing"
        numbers = [seen[n] for n in range(1, COUNT + 1)]
        assert len(set(numbers)) == COUNT, "two messages share a number"
        assert numbers == sorted(numbers), "numbers follow arrival: one sender, in order"

        alice.keys("End")  # back to the newest, loaded again from the store
        screen = until_highlighted(alice, COUNT)
        assert screen.count("▶") == 1, screen
    finally:
        alice.close()


def test_a_search_hit_outside_the_window_opens_a_window_around_it(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url)
    post(pair.alice_home, pair.group_id, COUNT, "alice")
    alice = start_peertui(pair.alice_home, 100, 30)
    try:
        alice.wait_for("you are alice", timeout=60)
        screen = until_highlighted(alice, COUNT, timeout=60)
        assert "alice says 0007" not in screen
        alice.keys("F7")
        alice.wait_for("Words to find")
        alice.type("0007")
        alice.keys("Enter")
        alice.wait_for("Enter opens the conversation")
        alice.keys("Enter")
        until_highlighted(alice, 7)
        screen = alice.wait_for("Focus: Conversation")  # the result is there to be acted on
        assert highlighted(screen) == 7, screen
        number_of_7 = next(number for _, number, n in rows(screen) if n == 7)
        said = [n for _, _, n in rows(screen)]
        assert said == list(range(said[0], said[0] + len(said))), screen
        assert max(said) < COUNT - 100, f"the newest are not in this window:\n{screen}"

        # Down past the window's last line brings the next page, in order, none twice.
        seen = {n for _, _, n in rows(screen)}
        at = 7
        while at < 7 + 120:
            alice.keys(*["Down"] * STEP)
            at += STEP
            screen = until_highlighted(alice, at)
            said = [n for _, _, n in rows(screen)]
            assert said == list(range(said[0], said[0] + len(said))), screen
            seen |= set(said)
        assert seen == set(range(min(seen), max(seen) + 1)), "a message was skipped"

        alice.keys("End")
        screen = until_highlighted(alice, COUNT)
        assert screen.count("▶") == 1, screen

        # A command naming a message by its number, outside the window: it is highlighted.
        alice.keys("Escape")  # back to the message box
        alice.wait_for("Focus: Message")
        alice.type(f"/open {number_of_7}")
        alice.keys("Enter")
        screen = until_highlighted(alice, 7)
        assert f"#{number_of_7} alice: alice says 0007" in screen, screen
    finally:
        alice.close()
