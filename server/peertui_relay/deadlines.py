"""Time limits for many tasks, checked by one timer: asyncio.timeout for the hot paths.

`asyncio.timeout` arms and cancels a loop timer on every use — about 12 µs under uvloop on the
2-core bench machine, more than the rest of one SSE write. The relay puts a limit around every
request body it reads and every event-stream write, so here entering and leaving a limit is a
dict insert and delete, and one repeating timer (running only while limits are held) cancels
the tasks that overran, raising TimeoutError in them just as `asyncio.timeout` does. A limit
can fire up to `resolution` seconds late.

Most bounded awaits never wait at all: a body that came with its headers is there at the
first `receive`, and a stream write to a reader keeping up goes straight into the socket
buffer. `bounded` runs such an await's first step itself and takes a limit only if it must
wait, so the usual case costs nothing but the call (a limit held is ~4 µs under load, one per
stream write per subscriber).
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Awaitable, Coroutine, Generator
from typing import Any, TypeVar

T = TypeVar("T")


class Deadlines:
    def __init__(self, resolution: float = 0.25) -> None:
        self._resolution = resolution
        self._held: dict[Limit, float] = {}
        self._timer: asyncio.TimerHandle | None = None

    def limit(self, seconds: float) -> Limit:
        """`with deadlines.limit(s): await ...` raises TimeoutError after about `s` seconds."""
        return Limit(self, seconds)

    async def bounded(self, step: Awaitable[T], seconds: float) -> T:
        """`await step`, raising TimeoutError if it has to wait longer than about `seconds`.

        The limit starts when `step` first waits (what ran before that spent no time
        waiting); if it never waits, no limit is held. (Any other awaitable than a coroutine
        is simply awaited within a limit.)"""
        if type(step) is not types.CoroutineType:
            with self.limit(seconds):
                return await step
        try:
            waiting = step.send(None)
        except StopIteration as done:
            return done.value
        except BaseException:
            step.close()
            raise
        with self.limit(seconds):
            return await _carry_on(step, waiting)

    def _hold(self, limit: Limit, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._held[limit] = loop.time() + seconds
        if self._timer is None:
            self._timer = loop.call_later(self._resolution, self._sweep, loop)

    def _release(self, limit: Limit) -> None:
        self._held.pop(limit, None)

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        for limit, when in list(self._held.items()):
            if when <= now:
                del self._held[limit]
                limit.expire()
        self._timer = loop.call_later(self._resolution, self._sweep, loop) if self._held else None


class Limit:
    __slots__ = ("_deadlines", "_seconds", "_task", "_cancelling", "_expired")

    def __init__(self, deadlines: Deadlines, seconds: float) -> None:
        self._deadlines, self._seconds = deadlines, seconds
        self._expired = False

    def __enter__(self) -> Limit:
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("a time limit needs a running task")
        self._task, self._cancelling = task, task.cancelling()
        self._deadlines._hold(self, self._seconds)
        return self

    def expire(self) -> None:
        self._expired = True
        self._task.cancel()

    def __exit__(self, exc_type, exc, tb) -> None:
        self._deadlines._release(self)
        # As asyncio.timeout: our cancellation becomes TimeoutError, anyone else's stays (the
        # uncancel runs whenever this limit expired, before the exception type is looked at).
        expired_here = self._expired and self._task.uncancel() <= self._cancelling
        if expired_here and exc_type is asyncio.CancelledError:
            raise TimeoutError from exc


@types.coroutine
def _carry_on(step: Coroutine[Any, Any, T], waiting: Any) -> Generator[Any, None, T]:
    """Go on with a coroutine already started by hand, as if it had been awaited from the
    start: what it waits for goes to the task, and what the task throws in (a limit's
    cancellation) goes to it."""
    while True:
        try:
            yield waiting
        except BaseException as exc:  # noqa: BLE001 - passed on, as `await` would
            try:
                waiting = step.throw(exc)
            except StopIteration as done:
                return done.value
        else:
            try:
                waiting = step.send(None)
            except StopIteration as done:
                return done.value
