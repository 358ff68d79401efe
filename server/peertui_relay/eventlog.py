"""The event log seam: everything the relay keeps durably, as async calls.

Two implementations: `SqliteEventLog` (the embedded default: `SqliteStorage` on its one worker
thread, exactly as before) and `peertui_relay.pg.PgEventLog` (cluster mode: several relay
processes on one PostgreSQL). Both raise `StorageUnavailable` when the store cannot take a
write for a reason it can name, `InviteRefused` when an invite does not open a group,
`RosterConflict` when another writer took the roster index first and `QuotaExceeded` when a
group's storage is used up (the PostgreSQL log checks that in the database; the embedded relay
checks it in memory before it writes).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from peertui_relay.group_commit import GroupCommitter, Settle
from peertui_relay.storage import (
    Append,
    Appended,
    GroupRecord,
    JoinRequestRecord,
    SqliteStorage,
    StorageUnavailable,
    StoredEvent,
    storage_problem,
)

T = TypeVar("T")

# A stored row as the stream sends it: (seq, kind, sender, ts, body as stored JSON text).
Row = tuple[int, str, bytes, int, str]


@dataclass(frozen=True)
class FanoutRow:
    """A stored event with who may see it, read once per group for every local stream."""

    seq: int
    kind: str
    sender: bytes
    ts: int
    body_json: str
    visible: str
    recipient: bytes


class RosterConflict(Exception):
    """Another writer stored this roster index first."""


class QuotaExceeded(Exception):
    """The group has used all the storage the relay allows it."""


class EventLog(Protocol):
    @property
    def commits(self) -> int:
        """Transactions that stored posts and directs (for /metrics)."""
        ...

    @property
    def appends(self) -> int:
        """Posts and directs handed to them."""
        ...

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def check(self) -> None: ...
    async def groups(self) -> list[GroupRecord]: ...
    async def group_record(self, group_id: str) -> GroupRecord | None: ...
    async def create_group(
        self, group_id: str, owner: bytes, retention_ms: int, genesis: dict[str, Any], ts: int
    ) -> int | None: ...
    async def roster(self, group_id: str, from_index: int = 0) -> list[dict[str, Any]]: ...
    async def append(self, item: Append, settle: Settle) -> Appended:
        """Store a post or a direct; `settle` runs once it is decided (stored, a retry of an
        idempotency key already stored, or refused), before the caller resumes."""
        ...

    async def posted_seq(self, group_id: str, sender: bytes, idem_key: str) -> int | None: ...
    async def append_roster(
        self,
        group_id: str,
        event: dict[str, Any],
        sender: bytes,
        ts: int,
        admitted: bytes = b"",
        delete_envelope_id: str = "",
    ) -> int: ...
    async def read(
        self, group_id: str, since: int, limit: int, reader: bytes, reader_is_mod: bool
    ) -> tuple[list[StoredEvent], int, int]: ...
    async def read_rows(
        self, group_id: str, since: int, limit: int, reader: bytes, reader_is_mod: bool
    ) -> tuple[list[Row], int, int]: ...
    async def fanout_rows(
        self, group_id: str, after: int, through: int, limit: int
    ) -> list[FanoutRow]: ...
    async def put_invite(
        self, group_id: str, secret_hash: str, expires_at: int, uses: int
    ) -> None: ...
    async def delete_invite(self, group_id: str, secret_hash: str) -> bool: ...
    async def request_join(
        self, group_id: str, secret_hash: str, key: bytes, sealed: str, request_id: str, now: int
    ) -> tuple[str, int, bool]: ...
    async def join_requests(
        self, group_id: str, now: int, status: str = "pending"
    ) -> list[JoinRequestRecord]: ...
    async def join_request_for(self, group_id: str, key: bytes) -> JoinRequestRecord | None: ...
    async def deny_join(
        self, group_id: str, request_id: str, sealed_reason: str | None, now: int
    ) -> bool: ...
    async def put_prekey(self, group_id: str, key: bytes, prekey_id: int, prekey: str) -> bool: ...
    async def prekeys(self, group_id: str) -> list[str]: ...
    async def ack_directs(self, group_id: str, recipient: bytes, seqs: list[int]) -> int: ...
    async def purge(self, now: int, max_retention_ms: int) -> dict[str, int]: ...
    async def expire_joins(self, now: int) -> int: ...
    async def reclaim_idle(self, now: int, max_retention_ms: int, keep: set[str]) -> list[str]: ...
    async def stored_events(self) -> int: ...


class SqliteEventLog:
    """`SqliteStorage` behind the async seam, on one worker thread (the store is not shared
    between threads), posts and directs in group commits. Appends are settled, and other
    calls complete, in commit order, which the embedded relay relies on to publish live
    events in seq order without re-reading them."""

    def __init__(self, storage: SqliteStorage) -> None:
        self.storage = storage
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="relay-storage")
        # The WAL's fsync after batches of posts, on its own thread so that the next batch is
        # written meanwhile (group_commit.py; the durability argument is in docs/PERFORMANCE.md).
        self._syncer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="relay-fsync")
        # Posts and directs go through here: one transaction per batch on the same worker.
        self.committer = GroupCommitter(
            self._worker,
            storage.append_batch_unsynced,
            sync=storage.sync_wal,
            sync_executor=self._syncer,
        )

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        committer = self.committer

        def run() -> tuple[T | BaseException, int]:
            # Which batches were committed before this call ran: whatever it read or wrote
            # (or refused) may rest on them, so its answer waits until they are on disk.
            try:
                return fn(*args), committer.written_so_far()
            except Exception as exc:  # noqa: BLE001 - raised below, once it may be told
                return exc, committer.written_so_far()

        try:
            result, after = await asyncio.get_running_loop().run_in_executor(self._worker, run)
            await committer.durable(after)
            if isinstance(result, BaseException):
                raise result
            return result
        except sqlite3.IntegrityError as exc:
            if "roster" in str(exc):
                raise RosterConflict(str(exc)) from None
            raise
        except sqlite3.Error as exc:
            problem = storage_problem(exc)
            if problem is None:
                raise
            raise problem from exc

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        self._worker.shutdown(wait=True)
        self._syncer.shutdown(wait=True)
        self.storage.close()

    async def check(self) -> None:
        await self._run(self.storage.check)

    async def groups(self) -> list[GroupRecord]:
        return await self._run(self.storage.groups)

    async def group_record(self, group_id: str) -> GroupRecord | None:
        return await self._run(self.storage.group_record, group_id)

    async def create_group(self, group_id, owner, retention_ms, genesis, ts):
        return await self._run(
            self.storage.create_group, group_id, owner, retention_ms, genesis, ts
        )

    async def roster(self, group_id, from_index=0):
        events = await self._run(self.storage.roster, group_id)
        return events[from_index:]

    async def append(self, item: Append, settle: Settle) -> Appended:
        try:
            return await self.committer.append(item, settle)
        except sqlite3.Error as exc:
            problem = storage_problem(exc)
            if problem is None:
                raise
            raise problem from exc

    @property
    def commits(self) -> int:
        return self.committer.batches

    @property
    def appends(self) -> int:
        return self.committer.appends

    async def posted_seq(self, group_id, sender, idem_key):
        return await self._run(self.storage.posted_seq, group_id, sender, idem_key)

    async def append_roster(self, group_id, event, sender, ts, admitted=b"", delete_envelope_id=""):
        return await self._run(
            self.storage.append_roster, group_id, event, sender, ts, admitted, delete_envelope_id
        )

    async def read(self, group_id, since, limit, reader, reader_is_mod):
        return await self._run(self.storage.read, group_id, since, limit, reader, reader_is_mod)

    async def read_rows(self, group_id, since, limit, reader, reader_is_mod):
        return await self._run(
            self.storage.read_rows, group_id, since, limit, reader, reader_is_mod
        )

    async def fanout_rows(self, group_id, after, through, limit):
        rows = await self._run(self.storage.fanout_rows, group_id, after, through, limit)
        return [FanoutRow(*row) for row in rows]

    async def put_invite(self, group_id, secret_hash, expires_at, uses):
        await self._run(self.storage.put_invite, group_id, secret_hash, expires_at, uses)

    async def delete_invite(self, group_id, secret_hash):
        return await self._run(self.storage.delete_invite, group_id, secret_hash)

    async def request_join(self, group_id, secret_hash, key, sealed, request_id, now):
        return await self._run(
            self.storage.request_join, group_id, secret_hash, key, sealed, request_id, now
        )

    async def join_requests(self, group_id, now, status="pending"):
        return await self._run(self.storage.join_requests, group_id, now, status)

    async def join_request_for(self, group_id, key):
        return await self._run(self.storage.join_request_for, group_id, key)

    async def deny_join(self, group_id, request_id, sealed_reason, now):
        return await self._run(self.storage.deny_join, group_id, request_id, sealed_reason, now)

    async def put_prekey(self, group_id, key, prekey_id, prekey):
        return await self._run(self.storage.put_prekey, group_id, key, prekey_id, prekey)

    async def prekeys(self, group_id):
        return await self._run(self.storage.prekeys, group_id)

    async def ack_directs(self, group_id, recipient, seqs):
        return await self._run(self.storage.ack_directs, group_id, recipient, seqs)

    async def purge(self, now, max_retention_ms):
        return await self._run(self.storage.purge, now, max_retention_ms)

    async def expire_joins(self, now):
        return await self._run(self.storage.expire_joins, now)

    async def reclaim_idle(self, now, max_retention_ms, keep):
        return await self._run(self.storage.reclaim_idle, now, max_retention_ms, keep)

    async def stored_events(self):
        return await self._run(self.storage.stored_events)


__all__ = [
    "EventLog",
    "FanoutRow",
    "QuotaExceeded",
    "RosterConflict",
    "Row",
    "Settle",
    "SqliteEventLog",
    "StorageUnavailable",
]
