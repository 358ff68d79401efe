"""A person using the engine, as seen from a test: their engine and everything it told them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from peertui.core.engine import Engine
from peertui.core.events import Event, MessageReceived
from peertui.paths import resolve_paths

PASSPHRASE = "correct horse battery staple"


@dataclass
class Person:
    home: Path
    engine: Engine
    events: list[Event] = field(default_factory=list)

    @classmethod
    async def open(cls, home: Path) -> Person:
        engine = await Engine.open(resolve_paths(home), passphrase=PASSPHRASE)
        person = cls(home, engine)
        engine.subscribe(person.events.append)
        return person

    async def reopen(self) -> None:
        await self.engine.close()
        self.engine = await Engine.open(resolve_paths(self.home), passphrase=PASSPHRASE)
        self.engine.subscribe(self.events.append)

    async def caught_up(self, group_id: str, last_seq: int) -> None:
        """Wait until this member's cursor has reached `last_seq` (a backlog received)."""
        session = self.engine._session(group_id)
        await wait_until(lambda: session.cursor >= last_seq, timeout=120, what="the catch-up")

    async def wait_for(self, predicate: Callable[[Event], bool], timeout: float = 15.0) -> Event:
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            for event in self.events[seen:]:
                if predicate(event):
                    return event
            seen = 0  # events may be inspected again after new ones arrive
            await asyncio.sleep(0.05)
        kinds = [type(e).__name__ for e in self.events[-15:]]
        raise AssertionError(f"timed out waiting; last events: {kinds}")

    def texts(self, group_id: str) -> list[str]:
        return [
            e.message.text
            for e in self.events
            if isinstance(e, MessageReceived) and e.group_id == group_id
        ]

    async def wait_for_texts(self, group_id: str, wanted: list[str], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(t in self.texts(group_id) for t in wanted):
                return
            await asyncio.sleep(0.05)
        missing = [t for t in wanted if t not in self.texts(group_id)]
        raise AssertionError(f"{len(missing)} messages never arrived, e.g. {missing[:3]}")


async def wait_until(
    condition: Callable[[], bool], timeout: float = 15.0, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def member_process(script: str, home: Path) -> Iterator[subprocess.Popen[str]]:
    """`script` run as this home's member in a process of its own (argv: the home and the
    passphrase), its stdout to read; killed with SIGKILL when the block ends, the way a
    crash or a power cut ends it."""
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(home), PASSPHRASE],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        assert child.stdout is not None
        yield child
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
