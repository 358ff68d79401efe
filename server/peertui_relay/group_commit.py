"""Group commit: posts waiting for the storage thread are stored together, with one fsync.

While one batch is being written, new appends queue up; when it is committed the next batch is
handed to the storage thread in one go. Under load a batch holds every post that arrived during
the previous fsync, so the relay pays one commit (and one thread hand-off) per batch instead of
per post; alone, a post is written at once, as before.

Each append's `settle` callback runs on the event loop in seq order as soon as its batch is
decided, before anyone awaiting it wakes: publishing to live streams there keeps every stream
in seq order, and does not depend on the poster still waiting for its answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor

from peertui_relay.storage import Append, Appended

log = logging.getLogger("peertui_relay")

Outcome = Appended | Exception
Settle = Callable[[Outcome], None]

# Bounds the time one transaction holds the writer (and the memory of one batch).
MAX_BATCH = 256


class GroupCommitter:
    def __init__(
        self,
        executor: Executor,
        append_batch: Callable[[Sequence[Append]], list[Outcome]],
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._executor = executor
        self._append_batch = append_batch
        self._max_batch = max_batch
        self._waiting: deque[tuple[Append, Settle, asyncio.Future[Outcome]]] = deque()
        self._writing = False
        self.batches = 0  # transactions written, and appends in them (for /metrics)
        self.appends = 0

    async def append(self, item: Append, settle: Settle) -> Appended:
        """Store `item` with whatever else is waiting; raise its error if it was not stored."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        self._waiting.append((item, settle, future))
        if not self._writing:
            self._write_next(loop)
        outcome = await future
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def _write_next(self, loop: asyncio.AbstractEventLoop) -> None:
        count = min(len(self._waiting), self._max_batch)
        batch = [self._waiting.popleft() for _ in range(count)]
        self._writing = True
        self.batches += 1
        self.appends += count
        written = loop.run_in_executor(self._executor, self._append_batch, [b[0] for b in batch])
        written.add_done_callback(lambda done: self._settle(loop, batch, done))

    def _settle(self, loop, batch, done: asyncio.Future[list[Outcome]]) -> None:
        self._writing = False
        if done.cancelled():
            outcomes: list[Outcome] = [RuntimeError("the relay is stopping")] * len(batch)
        elif done.exception() is not None:
            error = done.exception()
            outcomes = [error if isinstance(error, Exception) else RuntimeError(str(error))] * len(
                batch
            )
        else:
            outcomes = done.result()
        for (_item, settle, future), outcome in zip(batch, outcomes, strict=True):
            try:
                settle(outcome)
            except Exception:  # a bug in one settle must not leave the others hanging
                log.exception("settling a stored append failed")
            if not future.done():
                future.set_result(outcome)
        if self._waiting:
            self._write_next(loop)
