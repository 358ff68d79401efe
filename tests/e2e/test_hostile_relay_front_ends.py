"""Issue 14, rows 4 and 6, seen by a person: the real `peertui --plain` (pexpect) and the real
`peertui --tui` (tmux) show a forked roster and a dropped message in words.

Bob's home joins a group of engines through `HostileRelay`; then his front-end is started on
that home while the relay forges a second owner-signed roster event for an index he already
applied (the fork) in place of one of river's messages (so that message is dropped for him:
the gap). Both front-ends must say both things; the engine-level checks are in
`test_hostile_relay.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time

import pexpect
import pytest
from tests.e2e.conftest import form_group
from tests.e2e.harness import PASSPHRASE, Person
from tests.e2e.hostile import HostileRelay, Replace, equivocation, forged_roster
from tests.plain.people import PlainUser
from tests.tui.tmux import PEERTUI, Tmux, terminal_env

from peertui.paths import resolve_paths

FORK_WORDS = "roster has two different versions of entry"
GAP_WORDS = "1 message from river is missing"


@pytest.fixture
async def hostile(relay):
    proxy = await HostileRelay(relay.url).start()
    yield proxy
    await proxy.stop()


class PlainBob:
    def __init__(self, home) -> None:
        self.user = PlainUser(home, passphrase=PASSPHRASE, dimensions=(60, 300))

    def start(self) -> None:
        self.user.ready()

    def shows(self, words: str) -> bool:
        return words in self.user.transcript.replace("\r\n", "\n")

    def pump(self) -> None:
        """Read what the program printed so far (pexpect reads only when asked)."""
        with contextlib.suppress(pexpect.TIMEOUT):  # nothing more to read yet
            self.user.child.expect(r"\$\$never\$\$", timeout=0.2)

    def line_with(self, words: str) -> str:
        return next(line for line in self.user.lines() if words in line)

    def close(self) -> None:
        self.user.close()


class TuiBob:
    def __init__(self, home) -> None:
        self.home = home
        self.tmux: Tmux | None = None

    def start(self) -> None:
        # start_peertui, with this home's passphrase (not the TUI tests') and a wide terminal
        # so that each line of the conversation fits on one row of the screen.
        paths = resolve_paths(self.home)
        for seen in ("welcome-seen", "country-asked"):
            (paths.config_dir / seen).touch()
        env = {**terminal_env(self.home), "PEERTUI_PASSPHRASE": PASSPHRASE}
        self.tmux = Tmux(env, width=200, height=50)
        self.tmux.type(f"{PEERTUI} --tui")
        self.tmux.keys("Enter")

    def shows(self, words: str) -> bool:
        assert self.tmux is not None
        return words in self.tmux.everything()

    def pump(self) -> None:
        time.sleep(0.2)

    def line_with(self, words: str) -> str:
        assert self.tmux is not None
        return next(line for line in self.tmux.everything().splitlines() if words in line)

    def close(self) -> None:
        if self.tmux is not None:
            self.tmux.close()


async def until_shown(bob, words: str, timeout: float = 60.0) -> None:
    """Wait (without blocking the relay and engines in this loop) until bob's screen shows it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await asyncio.to_thread(bob.pump)
        if bob.shows(words):
            return
    raise AssertionError(f"{words!r} never appeared in bob's front-end")


@pytest.mark.parametrize("front_end", ["plain", "tui"])
async def test_a_fork_and_a_dropped_message_are_told_in_the_front_end(
    front_end, hostile, tmp_path, closing
):
    gid, people = await form_group(hostile.url, tmp_path, ["owner", "river", "bob"])
    closing.extend(people)
    owner, river, bob_engine = people
    me, river_key = owner.engine._groups[gid], river.engine._groups[gid].me
    bob_key = bob_engine.engine._groups[gid].me
    await bob_engine.engine.close()  # the home is now the front-end's
    bob = {"plain": PlainBob, "tui": TuiBob}[front_end](tmp_path / "bob")
    try:
        await asyncio.to_thread(bob.start)
        await river.engine.send(gid, "hello bob")
        await until_shown(bob, "hello bob")

        # The relay shows bob, in place of river's next message, a second owner-signed event
        # for an index he has applied.
        other = equivocation(me.identity.signing_key, me.state["roster"], gid)
        hostile.tamper = Replace(bob_key, river_key, [forged_roster(me.me, other)])
        await river.engine.send(gid, "never reaches bob")
        await until_shown(bob, FORK_WORDS)
        assert f"{FORK_WORDS} {other['index']}" in bob.line_with(FORK_WORDS)

        await river.engine.send(gid, "after the fork")
        await until_shown(bob, "after the fork")
        await until_shown(bob, GAP_WORDS)
        assert not bob.shows("never reaches bob")
    finally:
        await asyncio.to_thread(bob.close)


COPIED_WORDS = "with your group key from another device"


@pytest.mark.parametrize("front_end", ["plain", "tui"])
async def test_a_copied_home_posting_elsewhere_is_told_in_the_front_end(
    front_end, hostile, tmp_path, closing
):
    """Bob's home, copied to another machine, posts as bob while bob's front-end is open: his
    screen says someone posted with his key from another device, and what to do."""
    gid, people = await form_group(hostile.url, tmp_path, ["owner", "bob"])
    closing.extend(people)
    owner, bob_engine = people
    await bob_engine.engine.send(gid, "bob, from his own laptop")
    await bob_engine.engine.close()  # the home is now the front-end's, and is copied
    shutil.copytree(tmp_path / "bob", tmp_path / "thief")
    thief = await Person.open(tmp_path / "thief")
    closing.append(thief)
    bob = {"plain": PlainBob, "tui": TuiBob}[front_end](tmp_path / "bob")
    try:
        await asyncio.to_thread(bob.start)
        # Caught up or not when it lands, bob's client judges the post (its seq is past
        # where bob's record began).
        await thief.engine.send(gid, "the thief, as bob")
        await until_shown(bob, COPIED_WORDS)
        assert "join again" in bob.line_with(COPIED_WORDS) or bob.shows("join again")
    finally:
        await asyncio.to_thread(bob.close)
