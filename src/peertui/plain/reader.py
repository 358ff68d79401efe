"""Lines from stdin, delivered to the event loop without ever blocking it.

A daemon thread does the blocking reads, so incoming messages keep printing while the user is
idle; it works the same for a terminal, a pipe or a file. It reads the raw descriptor rather
than `sys.stdin` so that a read still blocked at exit holds no interpreter lock.
"""

from __future__ import annotations

import asyncio
import codecs
import collections
import contextlib
import os
import threading
from collections.abc import Callable, Iterator

_CHUNK = 4096


class LineReader:
    def __init__(self, fd: int = 0):
        self._fd = fd
        self._lines: collections.deque[str | None] = collections.deque()
        self._ready = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        threading.Thread(target=self._read_forever, name="plain-stdin", daemon=True).start()

    async def readline(self) -> str | None:
        """The next line without its line ending, or None once input has ended (and after)."""
        await self._ready.wait()
        line = self._lines[0]
        if line is not None:  # the end of input stays at the front for every later call
            self._lines.popleft()
            if not self._lines:
                self._ready.clear()
        return line

    async def take_waiting(self, accept: Callable[[str], bool], within: float) -> str | None:
        """The next line if it is already here or arrives within `within` seconds (the rest of
        a paste), taken only when `accept` wants it; otherwise it stays to be read."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout=within)
        if not self._lines or self._lines[0] is None or not accept(self._lines[0]):
            return None
        line = self._lines.popleft()
        if not self._lines:
            self._ready.clear()
        return line

    async def wait_for_line(self) -> None:
        """Return when a line (or the end of input) is waiting, without taking it."""
        await self._ready.wait()

    def stop(self) -> None:
        """Behave as if input had ended now (Ctrl+C, a closed terminal)."""
        self._lines.appendleft(None)
        self._ready.set()

    def _read_forever(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = ""
        while True:
            try:
                chunk = os.read(self._fd, _CHUNK)
            except OSError:
                # A hung-up terminal reads as EIO: treat it as the end of input.
                chunk = b""
            pending += decoder.decode(chunk, final=not chunk)
            *complete, pending = pending.split("\n")
            for line in complete:
                self._deliver(line.removesuffix("\r"))
            if not chunk:
                if pending:
                    self._deliver(pending)
                self._deliver(None)
                return

    def _deliver(self, line: str | None) -> None:
        # After the app has finished, its loop is closed and late lines have nowhere to go.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._put, line)

    def _put(self, line: str | None) -> None:
        self._lines.append(line)
        self._ready.set()


@contextlib.contextmanager
def echo_off(fd: int = 0) -> Iterator[None]:
    """Typed characters are not shown (a passphrase); restored however the block ends."""
    try:
        import termios

        before = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError):
        yield
        return
    quiet = list(before)
    quiet[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, before)
