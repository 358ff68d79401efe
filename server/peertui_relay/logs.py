"""Log lines that can repeat (one per request under a fault or an attack) at most once a minute.

A full disk or a flood would otherwise write a line, or a traceback, per request: hundreds of
megabytes of log that hide the one line an operator needs. Each kind of line is written the
first time, then at most once per interval with the count of those left out.
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger("peertui_relay")


class QuietLog:
    def __init__(self, interval_seconds: float = 60.0) -> None:
        self._interval = interval_seconds
        self._last: dict[str, float] = {}
        self._skipped: dict[str, int] = {}

    def warning(self, kind: str, message: str, *, now: float | None = None) -> bool:
        """Log `message` unless a line of this `kind` was logged within the interval.
        Returns whether it was written. Never pass message text, nicknames or keys."""
        now = time.monotonic() if now is None else now
        last = self._last.get(kind)
        if last is not None and now - last < self._interval:
            self._skipped[kind] = self._skipped.get(kind, 0) + 1
            return False
        skipped = self._skipped.pop(kind, 0)
        self._last[kind] = now
        suffix = (
            f" ({skipped} more like this in the last {self._interval:.0f} s)" if skipped else ""
        )
        log.warning("%s%s", message, suffix)
        return True


class OncePerMinute(logging.Filter):
    """Let each distinct message through at most once a minute, noting how many were held."""

    def __init__(self, interval: float = 60.0) -> None:
        super().__init__()
        self._interval = interval
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = str(record.msg)
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < self._interval:
            self._held[key] = self._held.get(key, 0) + 1
            return False
        self._last[key] = now
        held = self._held.pop(key, 0)
        if held:
            record.msg = f"{record.msg} ({held} more like this in the last minute)"
        return True
