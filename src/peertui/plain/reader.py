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
import fcntl
import os
import select
import struct
import termios
import threading
from collections.abc import Callable, Iterator

_CHUNK = 4096


class LineReader:
    def __init__(self, fd: int = 0):
        self._fd = fd
        self._lines: collections.deque[str | None] = collections.deque()
        self._ready = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        # Held while bytes move from the descriptor to the thread's hands, and while
        # `has_waiting` looks: a typed line is always in one place it can see (see there).
        self._moving = threading.Lock()
        self._in_flight = 0  # lines read by the thread, not yet handed to the loop
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

    def has_waiting(self) -> bool:
        """A whole line was typed and not yet taken: in the queue, on its way from the
        thread, or still in the terminal's buffer (in canonical mode FIONREAD counts whole
        lines only). The prompt is not drawn then: the terminal has already echoed that line,
        and its output must follow it, not a prompt that belongs to nothing."""
        if any(line is not None for line in self._lines):
            return True
        with self._moving:
            return self._in_flight > 0 or _bytes_ready(self._fd) > 0

    def stop(self) -> None:
        """Behave as if input had ended now (Ctrl+C, a closed terminal)."""
        self._lines.appendleft(None)
        self._ready.set()

    def _read_forever(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = ""
        while True:
            _wait_readable(self._fd)
            with self._moving:
                try:
                    chunk = os.read(self._fd, _CHUNK)
                except OSError:
                    # A hung-up terminal reads as EIO: treat it as the end of input.
                    chunk = b""
                pending += decoder.decode(chunk, final=not chunk)
                *complete, pending = pending.split("\n")
                self._in_flight += len(complete)
            for line in complete:
                self._deliver(line.removesuffix("\r"))
            if not chunk:
                if pending:
                    with self._moving:
                        self._in_flight += 1
                    self._deliver(pending)
                self._deliver(None)
                return

    def _deliver(self, line: str | None) -> None:
        # After the app has finished, its loop is closed and late lines have nowhere to go.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._put, line)

    def _put(self, line: str | None) -> None:
        self._lines.append(line)
        if line is not None:
            with self._moving:
                self._in_flight -= 1
        self._ready.set()


def _wait_readable(fd: int) -> None:
    """Block until a read would not (so the read itself can be done holding the lock)."""
    with contextlib.suppress(OSError, ValueError):
        select.select([fd], [], [])


def _bytes_ready(fd: int) -> int:
    """Bytes a read would return at once (a terminal in canonical mode: whole lines)."""
    try:
        (waiting,) = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))
        return int(waiting)
    except OSError:
        return 0  # a regular file or a closed descriptor: nothing is known to be waiting


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
