"""Group commit: posts waiting for the storage thread are stored together, with one fsync.

While one batch is being written, new appends queue up; when it is committed the next batch is
handed to the storage thread in one go. Under load a batch holds every post that arrived during
the previous commit, so the relay pays one commit (and one thread hand-off) per batch instead of
per post; alone, a post is written at once, as before.

With a `sync` (the SQLite relay: `append_batch` then commits without its fsync, `sync` fsyncs
the WAL) the fsync is a third stage on its own thread: while batch N is being fsynced, batch N+1
is already written and committed to the OS, and posts arriving meanwhile gather for N+2; one
fsync then covers every batch committed before it began. Nothing is settled, answered or shown
before the fsync that covers it has returned: `durable()` lets any other storage answer (a read
that may have seen those rows, a roster change) wait for the same point, so what a client is
told is always on disk, in commit order. A failed fsync fails every batch it covered and every
later one (after an fsync error the kernel's page cache can no longer be trusted to say what
is on disk), until the relay is restarted and SQLite recovers what is.

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

from peertui_relay.storage import Append, Appended, StorageUnavailable

log = logging.getLogger("peertui_relay")

Outcome = Appended | Exception
Settle = Callable[[Outcome], None]

# Bounds the time one transaction holds the writer (and the memory of one batch).
MAX_BATCH = 256

Entry = tuple[Append, Settle, "asyncio.Future[Outcome]"]


class SyncFailed(StorageUnavailable):
    """The fsync after a commit failed: what it covered may not be on disk."""


class GroupCommitter:
    def __init__(
        self,
        executor: Executor,
        append_batch: Callable[[Sequence[Append]], list[Outcome]],
        max_batch: int = MAX_BATCH,
        *,
        sync: Callable[[], None] | None = None,
        sync_executor: Executor | None = None,
    ) -> None:
        self._executor = executor
        self._append_batch = append_batch
        self._max_batch = max_batch
        self._sync = sync
        self._sync_executor = sync_executor
        self._waiting: deque[Entry] = deque()
        self._writing = False
        # Batches committed to the OS, not yet covered by an fsync that has begun.
        self._unsynced: list[tuple[int, list[Entry], list[Outcome]]] = []
        self._syncing = False
        self._sync_error: SyncFailed | None = None
        self._failed_from = 0  # the first batch a failed fsync covered
        self._written_on_worker = 0  # the last batch the worker committed (read on the worker)
        self._durable = 0  # every batch up to this number is settled (on the loop)
        self._durable_waiters: deque[tuple[int, asyncio.Future[None]]] = deque()
        self.batches = 0  # transactions written, and appends in them (for /metrics)
        self.appends = 0
        self.syncs = 0

    async def append(self, item: Append, settle: Settle) -> Appended:
        """Store `item` with whatever else is waiting; raise its error if it was not stored."""
        if self._sync_error is not None:  # nothing more is written after a failed fsync
            raise self._sync_error
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        self._waiting.append((item, settle, future))
        self._write_next(loop)
        outcome = await future
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def written_so_far(self) -> int:
        """On the worker thread: the batches committed before whatever runs there now."""
        return self._written_on_worker

    async def durable(self, through: int) -> None:
        """Wait until every batch up to `through` (a `written_so_far()`) is settled: on disk
        and answered, or failed. Raises if their fsync failed."""
        if through > self._durable:
            future = asyncio.get_running_loop().create_future()
            self._durable_waiters.append((through, future))
            await future
        if self._sync_error is not None and through >= self._failed_from:
            raise self._sync_error

    def _write_next(self, loop: asyncio.AbstractEventLoop) -> None:
        # One batch on the worker, and at most one committed batch waiting for the fsync in
        # flight: later posts gather into one bigger batch rather than many small commits.
        if self._writing or self._unsynced or not self._waiting:
            return
        count = min(len(self._waiting), self._max_batch)
        batch = [self._waiting.popleft() for _ in range(count)]
        self._writing = True
        self.batches += 1
        self.appends += count
        number = self.batches
        items = [b[0] for b in batch]

        def write() -> list[Outcome]:
            try:
                return self._append_batch(items)
            finally:
                self._written_on_worker = number

        written = loop.run_in_executor(self._executor, write)
        written.add_done_callback(lambda done: self._written(loop, number, batch, done))

    def _written(self, loop, number: int, batch: list[Entry], done) -> None:
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
        if self._sync is None:
            self._settle(number, batch, outcomes)
        else:
            self._unsynced.append((number, batch, outcomes))
            self._sync_next(loop)
        self._write_next(loop)

    def _sync_next(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._syncing or not self._unsynced:
            return
        covered, self._unsynced = self._unsynced, []
        if self._sync_error is not None:
            self._synced(loop, covered, None)
            return
        assert self._sync is not None and self._sync_executor is not None
        self._syncing = True
        self.syncs += 1
        synced = loop.run_in_executor(self._sync_executor, self._sync)
        synced.add_done_callback(lambda done: self._synced(loop, covered, done))

    def _synced(self, loop, covered, done) -> None:
        self._syncing = False
        if done is not None and (done.cancelled() or done.exception() is not None):
            cause = None if done.cancelled() else done.exception()
            log.critical("the fsync after a commit failed; posts are refused until a restart")
            self._sync_error = SyncFailed("the disk did not confirm the write")
            self._sync_error.__cause__ = cause
            self._failed_from = covered[0][0]
        for number, batch, outcomes in covered:
            if self._sync_error is not None:
                outcomes = [self._sync_error] * len(batch)
            self._settle(number, batch, outcomes)
        self._sync_next(loop)
        self._write_next(loop)

    def _settle(self, number: int, batch: list[Entry], outcomes: list[Outcome]) -> None:
        for (_item, settle, future), outcome in zip(batch, outcomes, strict=True):
            try:
                settle(outcome)
            except Exception:  # a bug in one settle must not leave the others hanging
                log.exception("settling a stored append failed")
            if not future.done():
                future.set_result(outcome)
        self._durable = number
        if self._durable_waiters:
            still: deque[tuple[int, asyncio.Future[None]]] = deque()
            for through, waiter in self._durable_waiters:
                if through > number:
                    still.append((through, waiter))
                elif not waiter.done():
                    waiter.set_result(None)
            self._durable_waiters = still
