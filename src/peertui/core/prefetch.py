"""Read an async iterator ahead in its own task, so its consumer can take what has arrived in
batches: a member catching up on thousands of events stores them many at a time.

The reading task only waits on the network and parses; everything with side effects stays in
the consumer, in order. An error of the source reaches the consumer after every item before
it, and the reader waits while `limit` items are not taken yet.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Prefetch(Generic[T]):
    def __init__(self, limit: int = 2000) -> None:
        self._limit = limit
        self._items: deque[T] = deque()
        self._error: BaseException | None = None
        self._ended = False
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def push(self, item: T) -> None:
        """Add an item in order (the source's own callbacks may call this too)."""
        self._items.append(item)
        self._changed.set()

    def start(self, source: AsyncIterator[T]) -> None:
        self._task = asyncio.create_task(self._read(source), name="prefetch")

    async def _read(self, source: AsyncIterator[T]) -> None:
        try:
            async for item in source:
                self.push(item)
                while len(self._items) >= self._limit:
                    self._changed.clear()
                    await self._changed.wait()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            self._error = exc
        finally:
            self._ended = True
            self._changed.set()
            aclose = getattr(source, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()

    def ready(self) -> bool:
        """Whether `batch` would return (or raise) at once."""
        return bool(self._items) or self._ended

    async def batch(self, most: int) -> list[T]:
        """Up to `most` items, waiting for at least one; raises the source's error once every
        item before it was taken, and StopAsyncIteration when the source ended."""
        while not self._items:
            if self._ended:
                if self._error is not None:
                    raise self._error
                raise StopAsyncIteration
            self._changed.clear()
            await self._changed.wait()
        taken = [self._items.popleft() for _ in range(min(most, len(self._items)))]
        self._changed.set()  # room again for the reader
        return taken

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
