"""Lines from stdin, delivered to the event loop without ever blocking it.

A daemon thread does the blocking reads, so incoming messages keep printing while the user is
idle; it works the same for a terminal, a pipe or a file. It reads the raw descriptor rather
than `sys.stdin` so that a read still blocked at exit holds no interpreter lock.

On a terminal that can take escape sequences, bracketed paste is on (`bracketed_paste`): the
terminal wraps a paste in ESC[200~ ... ESC[201~, and `LineAssembler` hands the lines of a
paste over several lines to the session as one `Pasted` block (one message, never commands)
instead of one line each.
"""

from __future__ import annotations

import asyncio
import codecs
import collections
import contextlib
import fcntl
import os
import re
import select
import struct
import termios
import threading
from collections.abc import Callable, Iterator

_CHUNK = 4096
# How long Ctrl+C waits for the characters of an unfinished line to be read (`interrupt`).
UNFINISHED_LOOKS = 20
UNFINISHED_LOOK_EVERY_S = 0.01

PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
BRACKETED_PASTE_ON = "\x1b[?2004h"
BRACKETED_PASTE_OFF = "\x1b[?2004l"
_PIECES = re.compile(r"(\n|\x1b\[20[01]~)")


class Pasted(str):
    """Lines pasted at once (between the terminal's paste brackets), joined by newlines: the
    session sends them as one message and never runs any of them as a command."""

    @property
    def line_count(self) -> int:
        return self.count("\n") + 1


class LineAssembler:
    """Turns what the terminal sends into typed lines and pasted blocks.

    A paste can span several reads (a terminal in canonical mode hands over one line at a
    time, and ESC[201~ arrives only with the Enter after it), so the state is kept between
    `feed` calls. Text typed on the line after the paste ends joins the paste's last line; a
    paste of a single line is an ordinary line (a `/join <invite>` copied from somewhere still
    runs).

    The markers are read whether or not this program asked for them: a terminal left in
    bracketed-paste mode by another program sends them to a dumb-terminal session or one whose
    output is piped too, and they must never reach a message (nor split a paste into one
    message a line). No typed line can hold them (ESC starts them)."""

    def __init__(self) -> None:
        self._held = ""  # the start of a marker cut by the end of a read
        self._line = ""
        self._block: list[str] = []  # the lines of this entry that ended inside a paste
        self._pasting = False
        self._pasted = False

    def feed(self, text: str) -> list[str]:
        text, self._held = self._held + text, ""
        for size in range(min(len(text), len(PASTE_START) - 1), 0, -1):
            tail = text[-size:]
            if PASTE_START.startswith(tail) or PASTE_END.startswith(tail):
                text, self._held = text[:-size], tail
                break
        done: list[str] = []
        for piece in _PIECES.split(text):
            if piece == PASTE_START:
                self._pasting = self._pasted = True
            elif piece == PASTE_END:
                self._pasting = False
            elif piece == "\n":
                if self._pasting:
                    self._block.append(self._line.removesuffix("\r"))
                    self._line = ""
                else:
                    done.append(self._entry())
            else:
                self._line += piece
        return done

    def end(self) -> list[str]:
        """Input ended: what is left over is the last entry."""
        self._line += self._held
        self._held = ""
        self._pasting = False
        return [self._entry()] if self._line or self._block else []

    def take_unfinished(self) -> str:
        """The entry typed so far without its Enter (lines of a paste included), taken out."""
        text = "\n".join([*self._block, self._line.removesuffix("\r")]).strip("\n")
        self._block, self._line, self._held, self._pasting, self._pasted = [], "", "", False, False
        return text

    def _entry(self) -> str:
        lines = [*self._block, self._line.removesuffix("\r")]
        pasted = self._pasted
        self._block, self._line, self._pasted = [], "", False
        while len(lines) > 1 and not lines[-1].strip():
            lines.pop()  # a paste that ended with a newline, then Enter
        if pasted and len(lines) > 1:
            return Pasted("\n".join(lines))
        return lines[0]


class LineReader:
    def __init__(self, fd: int = 0):
        self._fd = fd
        self._assembler = LineAssembler()
        self._lines: collections.deque[str | None] = collections.deque()
        self._ready = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        # Held while bytes move from the descriptor to the thread's hands, and while
        # `has_waiting` looks: a typed line is always in one place it can see (see there).
        self._moving = threading.Lock()
        self._in_flight = 0  # lines read by the thread, not yet handed to the loop
        self.unfinished = ""  # typed on the line when Ctrl+C ended input (`interrupt`)
        self.interrupted = False  # Ctrl+C ended input, not the end of the input itself
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

    def put_back(self, lines: list[str]) -> None:
        """Lines to be read next, before anything else (the rest of a pasted /join)."""
        for line in reversed(lines):
            self._lines.appendleft(line)
        if lines:
            self._ready.set()

    def stop(self) -> None:
        """Behave as if input had ended now (Ctrl+C, a closed terminal)."""
        self._lines.appendleft(None)
        self._ready.set()

    async def interrupt(self) -> None:
        """Ctrl+C: input ends as with `stop`, and what was typed on the line so far is kept in
        `unfinished` (the session keeps it as a draft: nothing typed is lost).

        The terminal holds an unfinished line in its own buffer (canonical mode), where no
        read reaches it, and Ctrl+C would throw it away; `keep_typed_on_interrupt` asks the
        terminal not to (NOFLSH). Here the terminal stops holding lines for a moment, so the
        reading thread takes those characters like any others; then the line so far is taken
        from the assembler."""
        self.interrupted = True
        try:
            before = termios.tcgetattr(self._fd)
        except (OSError, ValueError, termios.error):
            self.stop()  # not a terminal: no unfinished line is held anywhere
            return
        loose = list(before)
        loose[3] &= ~termios.ICANON
        loose[6] = list(before[6])
        loose[6][termios.VMIN], loose[6][termios.VTIME] = 1, 0
        try:
            termios.tcsetattr(self._fd, termios.TCSANOW, loose)
            for _ in range(UNFINISHED_LOOKS):  # until the thread has read them all
                if _bytes_ready(self._fd) == 0:
                    break
                await asyncio.sleep(UNFINISHED_LOOK_EVERY_S)
            await asyncio.sleep(UNFINISHED_LOOK_EVERY_S)  # and handed them to the assembler
        except (OSError, termios.error):
            pass
        finally:
            with contextlib.suppress(OSError, termios.error):
                termios.tcsetattr(self._fd, termios.TCSANOW, before)
        with self._moving:
            self.unfinished = self._assembler.take_unfinished()
        self.stop()

    def _read_forever(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while True:
            _wait_readable(self._fd)
            with self._moving:
                try:
                    chunk = os.read(self._fd, _CHUNK)
                except OSError:
                    # A hung-up terminal reads as EIO: treat it as the end of input.
                    chunk = b""
                complete = self._assembler.feed(decoder.decode(chunk, final=not chunk))
                if not chunk:
                    complete += self._assembler.end()
                self._in_flight += len(complete)
            for line in complete:
                self._deliver(line)
            if not chunk:
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
def bracketed_paste(enabled: bool) -> Iterator[None]:
    """Ask the terminal to bracket pastes, and stop asking however the program ends (quit,
    quick exit, a crash): a terminal left in this mode puts the brackets into every later
    paste in the shell.

    The terminal's own echo (canonical mode) still shows the brackets as ^[[200~ and ^[[201~
    around the pasted text. Echoing control characters as they are would hide them, but would
    also let a stray arrow key (ESC [ A) move the cursor over the conversation, so it stays."""
    if not enabled:
        yield
        return
    _write_terminal(BRACKETED_PASTE_ON)
    try:
        yield
    finally:
        _write_terminal(BRACKETED_PASTE_OFF)


def _write_terminal(sequence: str) -> None:
    import sys

    with contextlib.suppress(OSError, ValueError):
        sys.stdout.write(sequence)
        sys.stdout.flush()


@contextlib.contextmanager
def keep_typed_on_interrupt(fd: int = 0) -> Iterator[None]:
    """Ctrl+C leaves the unfinished line in the terminal's buffer (NOFLSH) instead of
    discarding it, so `LineReader.interrupt` can keep it; restored however the program ends.
    Not a terminal (a pipe, a file): nothing to ask, nothing done."""
    try:
        before = termios.tcgetattr(fd)
    except (OSError, ValueError, termios.error):
        yield
        return
    keeping = list(before)
    keeping[3] |= termios.NOFLSH
    termios.tcsetattr(fd, termios.TCSANOW, keeping)
    try:
        yield
    finally:
        with contextlib.suppress(OSError, termios.error):
            termios.tcsetattr(fd, termios.TCSANOW, before)


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
