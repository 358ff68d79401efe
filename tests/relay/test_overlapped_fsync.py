"""Issue 12: the WAL's fsync runs on its own thread while the next batch is written. Nothing is
answered, published or read back before the fsync that covers it has returned, in commit order;
a failed fsync fails what it covered and everything after. Real SQLite on disk, real threads
(the fsync is held by a gate, so no timing is asserted)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading

import pytest
from nacl.signing import SigningKey

from peertui_relay.eventlog import SqliteEventLog
from peertui_relay.group_commit import SyncFailed
from peertui_relay.storage import (
    VISIBLE_TO_ALL,
    Append,
    Appended,
    SqliteStorage,
    StorageUnavailable,
)
from peertui_wire.roster import genesis

pytestmark = pytest.mark.timeout(120)


def _message(group_id: str, text: str) -> Append:
    body = json.dumps({"envelope": text}, separators=(",", ":"))
    return Append(group_id, "message", b"s" * 32, 2_000, body, VISIBLE_TO_ALL, b"", "")


class _GatedSync:
    """Wraps the real `sync_wal`: each fsync waits for the test to open the gate."""

    def __init__(self, sync) -> None:
        self._sync = sync
        self.started = threading.Semaphore(0)
        self.gate = threading.Semaphore(0)
        self.fail = False

    def __call__(self) -> None:
        self.started.release()
        if not self.gate.acquire(timeout=60):
            raise TimeoutError("the test never opened the gate")
        if self.fail:
            raise OSError(5, "Input/output error")
        self._sync()


async def _until(predicate, what: str) -> None:
    for _ in range(6000):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never: {what}")


async def _started(gated: _GatedSync) -> None:
    await asyncio.to_thread(gated.started.acquire, True, 60)


@pytest.fixture
def gated_log(tmp_path):
    storage = SqliteStorage(tmp_path / "store")
    key = SigningKey.generate()
    event = genesis(key)
    storage.create_group(event["group"], bytes(key.verify_key), 10**12, event, 1_000)
    log = SqliteEventLog(storage)
    gated = _GatedSync(storage.sync_wal)
    log.committer._sync = gated
    yield log, gated, event["group"]
    for _ in range(100):
        gated.gate.release()
    log._worker.shutdown(wait=True)
    log._syncer.shutdown(wait=True)
    storage.close()


async def test_nothing_is_answered_or_read_back_before_its_fsync_and_the_next_batch_overlaps_it(
    gated_log,
):
    log, gated, group_id = gated_log
    settled: list[int] = []

    def settle(outcome: Appended | Exception) -> None:
        assert isinstance(outcome, Appended)
        settled.append(outcome.seq)

    first = asyncio.create_task(log.append(_message(group_id, "first"), settle))
    await _started(gated)  # batch 1 is committed to the OS and its fsync is held
    # A read on the storage thread sees the row, but its answer waits for the same fsync.
    read = asyncio.create_task(log.read_rows(group_id, 0, 10, b"", False))
    later = [
        asyncio.create_task(log.append(_message(group_id, f"later{i}"), settle)) for i in range(5)
    ]
    # The writer does not wait for the fsync: the next batch (the first later post, which found
    # the writer idle) is committed meanwhile; the other four gather behind it.
    await _until(lambda: log.committer.batches == 2 and not log.committer._writing, "batch 2")
    assert not first.done() and not read.done() and not any(p.done() for p in later)
    assert settled == []

    gated.gate.release()  # the first fsync returns: batch 1 and the read, not batch 2
    assert (await asyncio.wait_for(first, 60)).seq == 2
    rows, *_ = await asyncio.wait_for(read, 60)
    assert [row[0] for row in rows if row[1] == "message"] == [2]
    await _started(gated)  # the second fsync covers batch 2, while batch 3 is written
    await _until(lambda: log.committer.batches == 3 and not log.committer._writing, "batch 3")
    assert not any(p.done() for p in later)
    gated.gate.release()
    assert (await asyncio.wait_for(later[0], 60)).seq == 3
    await _started(gated)
    assert not any(p.done() for p in later[1:])
    gated.gate.release()
    answers = await asyncio.wait_for(asyncio.gather(*later), 60)
    assert [a.seq for a in answers] == [3, 4, 5, 6, 7]
    assert settled == [2, 3, 4, 5, 6, 7]
    assert (log.committer.batches, log.committer.syncs) == (3, 3)
    # Back at FULL for every other write on the connection.
    assert log.storage._db.execute("PRAGMA synchronous").fetchone()[0] == 2


async def test_a_failed_fsync_fails_what_it_covered_and_every_later_post(gated_log):
    log, gated, group_id = gated_log
    settled: list[Appended | Exception] = []
    first = asyncio.create_task(log.append(_message(group_id, "first"), settled.append))
    await _started(gated)
    second = asyncio.create_task(log.append(_message(group_id, "second"), settled.append))
    await _until(lambda: log.committer.batches == 2 and not log.committer._writing, "batch 2")
    read = asyncio.create_task(log.read_rows(group_id, 0, 10, b"", False))
    gated.fail = True
    gated.gate.release()
    for task in (first, second, read):
        with pytest.raises(StorageUnavailable):
            await asyncio.wait_for(task, 60)
    assert all(isinstance(outcome, SyncFailed) for outcome in settled) and len(settled) == 2
    # No later fsync is trusted to tell what is on disk: posts stay refused until a restart.
    batches = log.committer.batches
    with pytest.raises(StorageUnavailable):
        await asyncio.wait_for(log.append(_message(group_id, "third"), settled.append), 60)
    assert log.committer.batches == batches  # not even written
    with pytest.raises(StorageUnavailable):  # nor is anything read back
        await asyncio.wait_for(log.read_rows(group_id, 0, 10, b"", False), 60)


def test_an_unsynced_batch_is_on_disk_once_sync_wal_returns(tmp_path):
    storage = SqliteStorage(tmp_path / "store")
    key = SigningKey.generate()
    event = genesis(key)
    storage.create_group(event["group"], bytes(key.verify_key), 10**12, event, 1_000)
    outcomes = storage.append_batch_unsynced([_message(event["group"], f"m{i}") for i in range(3)])
    assert outcomes == [Appended(2, True), Appended(3, True), Appended(4, True)]
    storage.sync_wal()
    storage.sync_wal()  # the directory only the first time; either way nothing breaks
    other = sqlite3.connect(storage.path)
    assert other.execute("SELECT COUNT(*) FROM events WHERE kind='message'").fetchone()[0] == 3
    other.close()
    storage.close()
