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

The child is `python -m peertui.core.backlog_worker`, fed through a pipe (backlog_worker.py
says how). It writes nowhere: it ignores Ctrl+C (the terminal's, meant for the front end), and
its standard error goes nowhere (it must not draw over the TUI or log a text). It ends at the
end of its input, so with its parent however the parent ends (multiprocessing's pool did not:
a parent killed with SIGKILL left its worker running, and its resource tracker wrote a warning
on the terminal after a quick exit). What it is given (message keys, texts) lives only in its
memory, as in the parent's; the engine kills it on closing.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
from concurrent.futures import Future
from typing import Any

from peertui.core import receiving
from peertui.core.backlog_worker import read_frame, write_frame
from peertui.core.crypto import InboundSessions
from peertui.core.receiving import Read
from peertui.core.relay_client import RelayEvent

log = logging.getLogger(__name__)

# A stream that opens with at least this many events to read starts the child: it needs about
# 1.2 s of CPU to load (more on a busy machine), while this process reads some 2,500 messages
# in the thread, so a smaller backlog is read before it could help and only pays for it.
# Runs shorter than RUN_MIN are read in the thread.
BACKLOG_MIN = 5000
RUN_MIN = 32

Outcome = tuple[Any, ...]  # a Read's fields after its event (see `read_run`)
RunRead = tuple[list[Outcome], bytes]


class RunNotRead(Exception):
    """The child could not read a run (or is gone): the parent reads it itself."""


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


Request = tuple[bytes, bytes, str, list[RelayEvent]]


class BacklogProcess:
    """One child process shared by every group of an engine. Requests are written and answers
    read by two threads of its own, so the event loop never waits on the pipe."""

    def __init__(self, language: str = "en") -> None:
        self._language = language
        self._process: subprocess.Popen[bytes] | None = None
        self._loaded = threading.Event()
        self._lock = threading.Lock()  # the order of `_waiting` is the order of the requests
        self._waiting: collections.deque[Future[RunRead]] = collections.deque()
        self._outgoing: queue.SimpleQueue[Request | None] = queue.SimpleQueue()
        self._broken = (os.cpu_count() or 1) < 2  # one core: a second process only adds work
        self.runs_read = 0  # runs the child read (the tests and the bench look)

    def start(self) -> None:
        """Start the child in the background (does nothing if it runs, or cannot)."""
        if self._process is not None or self._broken:
            return
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "peertui.core.backlog_worker", self._language],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError as exc:
            log.warning("backlogs are read in this process: %s", type(exc).__name__)
            self._broken = True
            return
        self._process = process
        for work in (self._read_answers, self._write_requests):
            threading.Thread(target=work, args=(process,), daemon=True).start()

    @property
    def ready(self) -> bool:
        return self._loaded.is_set() and not self._broken

    def pids(self) -> list[int]:
        """The child's process id while it runs (for the tests and the bench's CPU count)."""
        process = self._process
        return [process.pid] if process is not None and process.poll() is None else []

    def submit(
        self, inbound: bytes, me: bytes, language: str, run: list[RelayEvent]
    ) -> Future[RunRead] | None:
        """Hand a run to the child; None when it is not ready (read the run here instead)."""
        if not self.ready:
            return None
        future: Future[RunRead] = Future()
        with self._lock:
            if self._broken:
                return None
            self._waiting.append(future)
            self._outgoing.put((inbound, me, language, run))
        return future

    async def outcome(self, future: Future[RunRead], run: list[RelayEvent]) -> RunRead | None:
        """What the child read, or None when it could not (read the run here instead)."""
        try:
            outcomes, after = await asyncio.wrap_future(future)
        except RunNotRead as exc:
            log.warning("a run is read here instead: %s", exc)
            return None
        if len(outcomes) != len(run):
            return None
        self.runs_read += 1
        return outcomes, after

    # ----- its two threads ------------------------------------------------------------------
    def _write_requests(self, process: subprocess.Popen[bytes]) -> None:
        stream = process.stdin
        assert stream is not None
        while (request := self._outgoing.get()) is not None:
            try:
                write_frame(stream, request)
            except (OSError, ValueError, pickle.PicklingError):
                self._give_up("its input closed")
                return

    def _read_answers(self, process: subprocess.Popen[bytes]) -> None:
        stream = process.stdout
        assert stream is not None
        try:
            first = read_frame(stream)
            if first is None or pickle.loads(first) != "ready":
                self._give_up("it did not start")
                return
            self._loaded.set()
            while (frame := read_frame(stream)) is not None:
                answer = pickle.loads(frame)
                with self._lock:
                    future = self._waiting.popleft() if self._waiting else None
                if future is None:
                    break  # an answer to nothing: something is wrong with it
                if isinstance(answer, tuple):
                    future.set_result(answer)
                else:
                    future.set_exception(RunNotRead(str(answer)))
        except (OSError, ValueError, EOFError, pickle.UnpicklingError, AttributeError) as exc:
            self._give_up(type(exc).__name__)
            return
        self._give_up("it ended")

    # ----- the end ----------------------------------------------------------------------------
    def _give_up(self, why: str) -> None:
        """Never used again; every run handed over and not answered is read here instead."""
        with self._lock:
            was_broken, self._broken = self._broken, True
            waiting = list(self._waiting)
            self._waiting.clear()
        if not was_broken:
            log.warning("the backlog process stopped: %s", why)
        for future in waiting:
            if not future.done():
                future.set_exception(RunNotRead(why))
        self._stop_process()

    def close(self) -> None:
        with self._lock:
            self._broken = True
        self._give_up("closed")

    def _stop_process(self) -> None:
        process, self._process = self._process, None
        self._outgoing.put(None)
        if process is None:
            return
        # Nothing in it is worth waiting for: what it was given lives only in its memory.
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait(timeout=2)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
