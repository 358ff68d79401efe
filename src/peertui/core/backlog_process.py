"""A second process that reads the runs of a large backlog: verify, decrypt, parse and the
on-device checks (fold, cry for help).

Catching up is bound by the GIL: the checks are pure Python, and decrypting has a Python
part too, so in a worker thread they neither use a second core nor let the event loop (the
stream, storing, keys and the screen) run while they work. Reading a run is a pure function
(`read_run`): the group's inbound sessions as bytes and the run's events in, each event's
outcome and the sessions after the run out. The child computes it while the parent applies
and stores the run before, so the two halves of a catch-up use two cores.

It is only ever an optimisation. It starts only when a stream opens on a large backlog (it
takes about a second of a second core to load the phrase books and the model), is used only
for large runs once loaded, and whenever it is missing, still loading, refuses a run or is
gone, the run is read in the thread from the same sessions, with the same answers.

The child writes nowhere: it ignores Ctrl+C (the terminal's, meant for the front end), its
standard output and error go nowhere (it must not draw over the TUI or log a text), and it
ends with its parent, whose end closes the pipe it reads from. What it is given (message
keys, texts) lives only in its memory, as in the parent's; the engine kills it on closing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import multiprocessing
import os
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from peertui.core import receiving
from peertui.core.crypto import InboundSessions
from peertui.core.receiving import Read
from peertui.core.relay_client import RelayEvent
from peertui.wellbeing.fold import received_checks

log = logging.getLogger(__name__)

# A stream that opens with at least this many events to read starts the child: it needs about
# 1.2 s of CPU to load (more on a busy machine), while this process reads some 2,500 messages
# in the thread, so a smaller backlog is read before it could help and only pays for it.
# Runs shorter than RUN_MIN are read in the thread.
BACKLOG_MIN = 5000
RUN_MIN = 32

Outcome = tuple[Any, ...]  # a Read's fields after its event (see `read_run`)
RunRead = tuple[list[Outcome], bytes]


def read_run(inbound: bytes, me: bytes, language: str, run: list[RelayEvent]) -> RunRead:
    """In the child: `receiving.decode` of each event of a run, in order, from the given
    sessions; each outcome without its event (the parent has it), and the sessions after."""
    sessions = InboundSessions.from_bytes(inbound)
    outcomes = []
    for item in run:
        read = receiving.decode(sessions, me, language, item)
        outcomes.append(
            (
                read.decrypted,
                read.body,
                read.text,
                read.fold,
                read.care,
                read.unreadable,
                read.error,
                read.bad_payload,
            )
        )
    return outcomes, sessions.to_bytes()


def reads_of(run: list[RelayEvent], outcomes: list[Outcome]) -> list[Read]:
    return [Read(item, *outcome) for item, outcome in zip(run, outcomes, strict=True)]


def _child_starts(language: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    nowhere = os.open(os.devnull, os.O_WRONLY)
    os.dup2(nowhere, 1)
    os.dup2(nowhere, 2)
    os.close(nowhere)
    received_checks("warm up", language)  # every list and pattern loaded before the first run


def _ping() -> bool:
    return True


class BacklogProcess:
    """One child process shared by every group of an engine."""

    def __init__(self, language: str = "en") -> None:
        self._language = language
        self._pool: ProcessPoolExecutor | None = None
        self._ready: Future[bool] | None = None
        self._broken = (os.cpu_count() or 1) < 2  # one core: a second process only adds work
        self.runs_read = 0  # runs the child read (the tests and the bench look)

    def start(self) -> None:
        """Start the child in the background (does nothing if it runs, or cannot)."""
        if self._pool is not None or self._broken:
            return
        try:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_child_starts,
                initargs=(self._language,),
            )
            self._ready = self._pool.submit(_ping)
        except (OSError, RuntimeError, ValueError) as exc:
            # (No semaphores or no /dev/shm in some sandboxes: the thread reads every run.)
            log.warning("backlogs are read in this process: %s", type(exc).__name__)
            self._give_up()

    @property
    def ready(self) -> bool:
        ready = self._ready
        if ready is None or not ready.done():
            return False
        if ready.exception() is not None:  # it could not load its lists: never again
            log.warning("the backlog process did not start: %s", type(ready.exception()).__name__)
            self._give_up()
            return False
        return True

    def pids(self) -> list[int]:
        """The child's process id once it runs (for the tests and the bench's CPU count)."""
        return list(getattr(self._pool, "_processes", None) or {})

    def submit(
        self, inbound: bytes, me: bytes, language: str, run: list[RelayEvent]
    ) -> Future[RunRead] | None:
        """Hand a run to the child; None when it is not ready (read the run here instead)."""
        if not self.ready or self._pool is None:
            return None
        try:
            return self._pool.submit(read_run, inbound, me, language, run)
        except (RuntimeError, concurrent.futures.BrokenExecutor):
            self._give_up()
            return None

    async def outcome(self, future: Future[RunRead], run: list[RelayEvent]) -> RunRead | None:
        """What the child read, or None when it could not (read the run here instead)."""
        try:
            outcomes, after = await asyncio.wrap_future(future)
        except concurrent.futures.BrokenExecutor as exc:
            log.warning("the backlog process stopped: %s", type(exc).__name__)
            self._give_up()
            return None
        except Exception as exc:  # noqa: BLE001 - e.g. an outcome that did not pickle back
            log.warning("a run is read here instead: %s", type(exc).__name__)
            return None
        if len(outcomes) != len(run):
            return None
        self.runs_read += 1
        return outcomes, after

    def _give_up(self) -> None:
        self._broken = True
        self.close()

    def close(self) -> None:
        pool, self._pool, self._ready = self._pool, None, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            # Nothing in it is worth waiting for: what it was given lives only in its memory.
            with contextlib.suppress(OSError, ValueError):
                process.kill()
