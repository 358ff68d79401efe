"""Cluster mode: the event log, the notifier and the shared guards on PostgreSQL (psycopg 3).

Several relay processes share one database. The schema and the transactions are the SQLite
store's: a group's next seq comes from `UPDATE groups ... RETURNING last_seq` (the row lock
orders one group's writers, so seqs commit in order), roster races are settled by the roster's
primary key, quotas are checked inside the writing statement, and `pg_notify` is sent inside
the transaction, so a notification means committed. Each process keeps one LISTEN connection;
`peertui_relay.fanout` reads new rows once per group and pushes them to that process's streams.

Nonces, token buckets and slow-mode clocks are rows with a unique key (expired rows are
deleted by the periodic purge), so they hold across processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import psycopg
import psycopg.errors
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from peertui_relay.eventlog import FanoutRow, QuotaExceeded, RosterConflict, Settle
from peertui_relay.fanout import Change
from peertui_relay.guards import Bucket, PostClaim, StreamCaps, bucket_rates
from peertui_relay.logs import OncePerMinute, QuietLog
from peertui_relay.sessions import MAX_SESSIONS_PER_MEMBER, Session
from peertui_relay.storage import (
    DENIAL_NOTE_MS,
    VISIBLE_TO_ALL,
    VISIBLE_TO_MODS,
    Append,
    Appended,
    GroupRecord,
    InviteRefused,
    JoinRequestRecord,
    StorageUnavailable,
    StoredEvent,
    new_epoch,
)
from peertui_wire.encoding import EncodingError, b64d, b64e

CHANNEL = "peertui_relay"
KNOWN_SESSIONS = 10_000  # sessions whose fixed fields one process remembers
_quiet = QuietLog()
# The pool says "error connecting" on every attempt while the database is away.
if not any(isinstance(f, OncePerMinute) for f in logging.getLogger("psycopg.pool").filters):
    logging.getLogger("psycopg.pool").addFilter(OncePerMinute())

# One lock id per job that only one process at a time should do (pg_advisory_xact_lock).
_SCHEMA_LOCK, _CREATE_LOCK, _PURGE_LOCK = 7_310_001, 7_310_002, 7_310_003

SCHEMA = """
CREATE TABLE IF NOT EXISTS groups (
    group_id TEXT PRIMARY KEY, owner BYTEA NOT NULL, created_ms BIGINT NOT NULL,
    retention_ms BIGINT NOT NULL, last_seq BIGINT NOT NULL DEFAULT 0,
    purged_through BIGINT NOT NULL DEFAULT 0, bytes_used BIGINT NOT NULL DEFAULT 0,
    epoch TEXT NOT NULL, last_active_ms BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS roster (
    group_id TEXT NOT NULL, idx BIGINT NOT NULL, event TEXT NOT NULL,
    PRIMARY KEY (group_id, idx));
CREATE TABLE IF NOT EXISTS events (
    group_id TEXT NOT NULL, seq BIGINT NOT NULL, kind TEXT NOT NULL, sender BYTEA NOT NULL,
    ts BIGINT NOT NULL, body TEXT NOT NULL, size BIGINT NOT NULL, visible TEXT NOT NULL,
    recipient BYTEA NOT NULL DEFAULT '\\x', PRIMARY KEY (group_id, seq));
CREATE INDEX IF NOT EXISTS events_by_time ON events (group_id, ts);
CREATE TABLE IF NOT EXISTS invites (
    group_id TEXT NOT NULL, secret_hash TEXT NOT NULL, expires_at BIGINT NOT NULL,
    uses_left BIGINT NOT NULL, PRIMARY KEY (group_id, secret_hash));
CREATE TABLE IF NOT EXISTS prekeys (
    group_id TEXT NOT NULL, key BYTEA NOT NULL, prekey_id BIGINT NOT NULL, prekey TEXT NOT NULL,
    PRIMARY KEY (group_id, key));
CREATE TABLE IF NOT EXISTS posted (
    group_id TEXT NOT NULL, sender BYTEA NOT NULL, idem_key TEXT NOT NULL, seq BIGINT NOT NULL,
    PRIMARY KEY (group_id, sender, idem_key));
CREATE TABLE IF NOT EXISTS join_requests (
    group_id TEXT NOT NULL, key BYTEA NOT NULL, request_id TEXT NOT NULL, sealed TEXT NOT NULL,
    ts BIGINT NOT NULL, status TEXT NOT NULL, seq BIGINT NOT NULL, sealed_reason TEXT,
    expires_at BIGINT NOT NULL, PRIMARY KEY (group_id, key));
CREATE TABLE IF NOT EXISTS nonces (nonce TEXT PRIMARY KEY, ts BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS nonces_by_time ON nonces (ts);
CREATE TABLE IF NOT EXISTS buckets (
    bucket TEXT NOT NULL, who BYTEA NOT NULL, tokens DOUBLE PRECISION NOT NULL,
    at_ms BIGINT NOT NULL, allowed BOOLEAN NOT NULL, PRIMARY KEY (bucket, who));
CREATE TABLE IF NOT EXISTS slow_mode (
    group_id TEXT NOT NULL, key BYTEA NOT NULL, at_ms BIGINT NOT NULL,
    PRIMARY KEY (group_id, key));
CREATE TABLE IF NOT EXISTS sessions (
    session_id BYTEA PRIMARY KEY, group_id TEXT NOT NULL, member_key BYTEA NOT NULL,
    mac_key BYTEA NOT NULL, expires_at BIGINT NOT NULL, max_uses BIGINT NOT NULL,
    uses BIGINT NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS sessions_by_member ON sessions (group_id, member_key);
"""

# The hot path, one statement (so one round trip and one commit): take the group's next seq
# if the quota allows, store the event, notify. No row back means the quota said no.
_APPEND = """
WITH g AS (
    UPDATE groups SET last_seq = last_seq + 1, bytes_used = bytes_used + %(size)s,
        last_active_ms = GREATEST(last_active_ms, %(ts)s)
    WHERE group_id = %(g)s AND bytes_used + %(size)s <= %(quota)s RETURNING last_seq),
e AS (
    INSERT INTO events (group_id, seq, kind, sender, ts, body, size, visible, recipient)
    SELECT %(g)s, last_seq, %(kind)s, %(sender)s, %(ts)s, %(body)s, %(size)s, %(visible)s,
        %(recipient)s FROM g RETURNING seq)
SELECT seq, pg_notify(%(channel)s, %(g)s || ' ' || seq || ' ' || %(roster)s) FROM e
"""

# The same with an idempotency key: nothing is stored when the sender's key was seen. Two
# processes racing with one key both pass `prior`; the loser hits posted's primary key, its
# statement rolls back whole, and it is run again (then `prior` finds the winner's seq).
_APPEND_ONCE = """
WITH prior AS (
    SELECT seq FROM posted WHERE group_id = %(g)s AND sender = %(sender)s AND idem_key = %(idem)s),
g AS (
    UPDATE groups SET last_seq = last_seq + 1, bytes_used = bytes_used + %(size)s,
        last_active_ms = GREATEST(last_active_ms, %(ts)s)
    WHERE group_id = %(g)s AND bytes_used + %(size)s <= %(quota)s
        AND NOT EXISTS (SELECT 1 FROM prior) RETURNING last_seq),
e AS (
    INSERT INTO events (group_id, seq, kind, sender, ts, body, size, visible, recipient)
    SELECT %(g)s, last_seq, %(kind)s, %(sender)s, %(ts)s, %(body)s, %(size)s, %(visible)s,
        '\\x'::bytea FROM g RETURNING seq),
p AS (INSERT INTO posted SELECT %(g)s, %(sender)s, %(idem)s, seq FROM e RETURNING seq),
n AS (SELECT pg_notify(%(channel)s, %(g)s || ' ' || seq || ' -1') FROM p)
SELECT (SELECT seq FROM prior), (SELECT seq FROM p), (SELECT count(*) FROM n)
"""

_READ = """
SELECT g.purged_through, g.last_seq, e.seq, e.kind, e.sender, e.ts, e.body
FROM groups g LEFT JOIN LATERAL (
    SELECT seq, kind, sender, ts, body FROM events
    WHERE group_id = g.group_id AND seq > %(since)s AND (visible = 'all'
        OR (visible = 'mods' AND %(mod)s) OR (visible = 'one' AND recipient = %(reader)s))
    ORDER BY seq LIMIT %(limit)s) e ON true
WHERE g.group_id = %(g)s ORDER BY e.seq
"""

_GROUP_COLUMNS = (
    "group_id, owner, retention_ms, last_seq, purged_through, bytes_used, epoch, last_active_ms"
)
_REQUEST_COLUMNS = "request_id, key, sealed, ts, status, seq, sealed_reason, expires_at"


def _problem(exc: Exception) -> StorageUnavailable | None:
    """Name what went wrong with the database, or None if it is not a storage condition."""
    if isinstance(exc, psycopg.errors.InsufficientResources | psycopg.errors.DiskFull):
        return StorageUnavailable(
            "The relay cannot store anything right now (its database is full or failing); "
            "nothing already stored was lost. Try again later."
        )
    if isinstance(
        exc,
        PoolTimeout
        | psycopg.OperationalError
        | psycopg.errors.SerializationFailure
        | psycopg.errors.DeadlockDetected,
    ):
        return StorageUnavailable(
            "The relay's database is busy or out of reach for a moment; try again.", busy=True
        )
    return None


class PgEventLog:
    def __init__(
        self, dsn: str, *, group_quota_bytes: int, max_groups: int, pool_size: int = 8
    ) -> None:
        self.dsn = dsn
        self.commits = self.appends = 0  # posts and directs stored (for /metrics)
        self.group_quota_bytes = group_quota_bytes
        self.max_groups = max_groups
        self.pool = AsyncConnectionPool(
            dsn,
            min_size=2,
            max_size=pool_size,
            kwargs={"autocommit": True},
            open=False,
            timeout=10,
        )

    async def open(self) -> None:
        try:
            await self.pool.open(wait=True, timeout=15)
        except PoolTimeout:
            raise StorageUnavailable(
                "The relay cannot reach its PostgreSQL database (see --database).", busy=True
            ) from None
        async with self._tx() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            await conn.execute(SCHEMA)

    async def close(self) -> None:
        await self.pool.close()

    @contextlib.asynccontextmanager
    async def _conn(self) -> AsyncIterator[psycopg.AsyncConnection]:
        try:
            async with self.pool.connection() as conn:
                yield conn
        except (psycopg.Error, PoolTimeout) as exc:
            problem = _problem(exc)
            if problem is None:
                raise
            raise problem from exc

    @contextlib.asynccontextmanager
    async def _tx(self) -> AsyncIterator[psycopg.AsyncConnection]:
        async with self._conn() as conn, conn.transaction():
            yield conn

    async def _one(self, sql: str, params: Any = ()) -> Any:
        async with self._conn() as conn:
            cur = await conn.execute(sql, params)
            return await cur.fetchone()

    async def _all(self, sql: str, params: Any = ()) -> list[Any]:
        async with self._conn() as conn:
            cur = await conn.execute(sql, params)
            return await cur.fetchall()

    async def check(self) -> None:
        await self._one("SELECT 1")

    async def groups(self) -> list[GroupRecord]:
        rows = await self._all(f"SELECT {_GROUP_COLUMNS} FROM groups")
        return [GroupRecord(*row) for row in rows]

    async def group_record(self, group_id: str) -> GroupRecord | None:
        row = await self._one(f"SELECT {_GROUP_COLUMNS} FROM groups WHERE group_id=%s", (group_id,))
        return GroupRecord(*row) if row else None

    async def create_group(self, group_id, owner, retention_ms, genesis, ts):
        async with self._tx() as conn:
            # One creator at a time, so two processes cannot both take the last free place.
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_CREATE_LOCK,))
            cur = await conn.execute("SELECT count(*) FROM groups")
            (count,) = await cur.fetchone()  # type: ignore[misc]
            cur = await conn.execute(
                "INSERT INTO groups (group_id, owner, created_ms, retention_ms, epoch, "
                "last_active_ms) VALUES (%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING "
                "RETURNING group_id",
                (group_id, owner, ts, retention_ms, new_epoch(), ts),
            )
            if await cur.fetchone() is None:
                return None
            if count >= self.max_groups:
                raise QuotaExceeded("groups")
            await conn.execute(
                "INSERT INTO roster VALUES (%s,%s,%s)", (group_id, 0, json.dumps(genesis))
            )
            return await self._insert(
                conn, group_id, "roster", owner, ts, {"event": genesis}, VISIBLE_TO_ALL, b"", 0
            )

    async def _insert(
        self, conn, group_id, kind, sender, ts, body, visible, recipient, roster=-1
    ) -> int:
        # Posts and directs arrive serialised once (Append.body_json); roster rows as a dict.
        text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
        cur = await conn.execute(
            _APPEND,
            {
                "g": group_id,
                "kind": kind,
                "sender": sender,
                "ts": ts,
                "body": text,
                "size": len(text),
                "visible": visible,
                "recipient": recipient,
                "quota": self.group_quota_bytes,
                "channel": CHANNEL,
                "roster": str(roster),
            },
        )
        row = await cur.fetchone()
        if row is None:
            raise QuotaExceeded(group_id)
        return row[0]

    async def roster(self, group_id, from_index=0):
        rows = await self._all(
            "SELECT event FROM roster WHERE group_id=%s AND idx>=%s ORDER BY idx",
            (group_id, from_index),
        )
        return [json.loads(row[0]) for row in rows]

    async def append(self, item: Append, settle: Settle) -> Appended:
        """Store one post or direct in its own transaction (PostgreSQL flushes concurrent
        commits together); `settle` runs once it is decided, before the caller resumes."""
        try:
            if item.idem_key:
                outcome = await self._append_once(item)
            else:
                async with self._conn() as conn:
                    seq = await self._insert(
                        conn,
                        item.group_id,
                        item.kind,
                        item.sender,
                        item.ts,
                        item.body_json,
                        item.visible,
                        item.recipient,
                    )
                outcome = Appended(seq, True)
        except Exception as exc:
            settle(exc)
            raise
        self.commits += 1
        self.appends += 1
        settle(outcome)
        return outcome

    async def _append_once(self, item: Append) -> Appended:
        text = item.body_json  # serialised once, by the caller
        params = {
            "g": item.group_id,
            "kind": item.kind,
            "sender": item.sender,
            "ts": item.ts,
            "body": text,
            "size": len(text),
            "visible": item.visible,
            "idem": item.idem_key,
            "quota": self.group_quota_bytes,
            "channel": CHANNEL,
        }
        for _ in range(3):
            try:
                async with self._conn() as conn:
                    cur = await conn.execute(_APPEND_ONCE, params)
                    prior, seq, _ = await cur.fetchone()  # type: ignore[misc]
            except psycopg.errors.UniqueViolation:
                continue  # a retry raced its original on another process: look again
            if prior is not None:
                return Appended(prior, False)
            if seq is None:
                raise QuotaExceeded(item.group_id)
            return Appended(seq, True)
        raise StorageUnavailable("The relay's database is busy; try again.", busy=True)

    async def posted_seq(self, group_id, sender, idem_key):
        row = await self._one(
            "SELECT seq FROM posted WHERE group_id=%s AND sender=%s AND idem_key=%s",
            (group_id, sender, idem_key),
        )
        return row[0] if row else None

    async def append_roster(self, group_id, event, sender, ts, admitted=b"", delete_envelope_id=""):
        try:
            async with self._tx() as conn:
                await conn.execute(
                    "INSERT INTO roster VALUES (%s,%s,%s)",
                    (group_id, event["index"], json.dumps(event)),
                )
                if admitted:
                    cur = await conn.execute(
                        "DELETE FROM join_requests WHERE group_id=%s AND key=%s RETURNING seq",
                        (group_id, admitted),
                    )
                    row = await cur.fetchone()
                    if row:
                        await self._delete_event(conn, group_id, row[0], "join_request")
                if delete_envelope_id:
                    seq = await self._message_seq_by_envelope_id(conn, group_id, delete_envelope_id)
                    if seq is not None:
                        await self._delete_event(conn, group_id, seq, "message")
                return await self._insert(
                    conn,
                    group_id,
                    "roster",
                    sender,
                    ts,
                    {"event": event},
                    VISIBLE_TO_ALL,
                    b"",
                    event["index"],
                )
        except psycopg.errors.UniqueViolation:
            raise RosterConflict(f"roster index {event['index']} is taken") from None

    @staticmethod
    async def _delete_event(conn, group_id, seq, kind) -> None:
        cur = await conn.execute(
            "DELETE FROM events WHERE group_id=%s AND seq=%s AND kind=%s RETURNING size",
            (group_id, seq, kind),
        )
        row = await cur.fetchone()
        if row:
            await conn.execute(
                "UPDATE groups SET bytes_used = bytes_used - %s WHERE group_id=%s",
                (row[0], group_id),
            )

    @staticmethod
    async def _message_seq_by_envelope_id(conn, group_id, envelope_id) -> int | None:
        cur = await conn.execute(
            "SELECT seq, body FROM events WHERE group_id=%s AND kind='message'", (group_id,)
        )
        for seq, body in await cur.fetchall():
            try:
                raw = b64d(json.loads(body).get("envelope", ""))
            except EncodingError:
                continue
            if b64e(hashlib.blake2b(raw, digest_size=32).digest()) == envelope_id:
                return seq
        return None

    async def read_rows(self, group_id, since, limit, reader, reader_is_mod):
        rows = await self._all(
            _READ,
            {"g": group_id, "since": since, "mod": reader_is_mod, "reader": reader, "limit": limit},
        )
        if not rows:
            return [], 0, 0
        purged_through, last_seq = rows[0][0], rows[0][1]
        events = [tuple(row[2:]) for row in rows if row[2] is not None]
        return events, purged_through, last_seq

    async def read(self, group_id, since, limit, reader, reader_is_mod):
        rows, purged, last_seq = await self.read_rows(group_id, since, limit, reader, reader_is_mod)
        events = [StoredEvent(s, k, snd, ts, json.loads(b)) for s, k, snd, ts, b in rows]
        return events, purged, last_seq

    async def fanout_rows(self, group_id, after, through, limit):
        rows = await self._all(
            "SELECT seq, kind, sender, ts, body, visible, recipient FROM events "
            "WHERE group_id=%s AND seq>%s AND seq<=%s ORDER BY seq LIMIT %s",
            (group_id, after, through, limit),
        )
        return [FanoutRow(*row) for row in rows]

    async def put_invite(self, group_id, secret_hash, expires_at, uses):
        async with self._conn() as conn:
            await conn.execute(
                "INSERT INTO invites VALUES (%s,%s,%s,%s) ON CONFLICT (group_id, secret_hash) "
                "DO UPDATE SET expires_at=excluded.expires_at, uses_left=excluded.uses_left",
                (group_id, secret_hash, expires_at, uses),
            )

    async def delete_invite(self, group_id, secret_hash):
        async with self._conn() as conn:
            cur = await conn.execute(
                "DELETE FROM invites WHERE group_id=%s AND secret_hash=%s",
                (group_id, secret_hash),
            )
            return cur.rowcount > 0

    async def request_join(self, group_id, secret_hash, key, sealed, request_id, now):
        async with self._tx() as conn:
            # The group row's lock orders join requests (and every other write) of one group.
            await conn.execute("SELECT 1 FROM groups WHERE group_id=%s FOR UPDATE", (group_id,))
            cur = await conn.execute(
                "SELECT request_id, seq, status, expires_at FROM join_requests "
                "WHERE group_id=%s AND key=%s",
                (group_id, key),
            )
            existing = await cur.fetchone()
            if existing and existing[2] == "pending" and existing[3] > now:
                return existing[0], existing[1], False
            if existing:
                await self._delete_event(conn, group_id, existing[1], "join_request")
            cur = await conn.execute(
                "SELECT expires_at, uses_left FROM invites WHERE group_id=%s AND secret_hash=%s "
                "FOR UPDATE",
                (group_id, secret_hash),
            )
            invite = await cur.fetchone()
            if invite is None:
                raise InviteRefused(
                    "This invite is not valid for this group (it may have been "
                    "revoked); ask the host for a new one."
                )
            if invite[0] <= now:
                raise InviteRefused("This invite has expired; ask the host for a new one.")
            if invite[1] <= 0:
                raise InviteRefused("This invite has been used up; ask the host for a new one.")
            await conn.execute(
                "UPDATE invites SET uses_left = uses_left - 1 WHERE group_id=%s AND secret_hash=%s",
                (group_id, secret_hash),
            )
            body = {"request_id": request_id, "key": b64e(key), "sealed": sealed}
            seq = await self._insert(
                conn, group_id, "join_request", key, now, body, VISIBLE_TO_MODS, b""
            )
            await conn.execute(
                "INSERT INTO join_requests VALUES (%s,%s,%s,%s,%s,'pending',%s,NULL,%s) "
                "ON CONFLICT (group_id, key) DO UPDATE SET request_id=excluded.request_id, "
                "sealed=excluded.sealed, ts=excluded.ts, status='pending', seq=excluded.seq, "
                "sealed_reason=NULL, expires_at=excluded.expires_at",
                (group_id, key, request_id, sealed, now, seq, invite[0]),
            )
            return request_id, seq, True

    async def join_requests(self, group_id, now, status="pending"):
        rows = await self._all(
            f"SELECT {_REQUEST_COLUMNS} FROM join_requests "
            "WHERE group_id=%s AND status=%s AND expires_at>%s ORDER BY seq",
            (group_id, status, now),
        )
        return [JoinRequestRecord(*row) for row in rows]

    async def join_request_for(self, group_id, key):
        row = await self._one(
            f"SELECT {_REQUEST_COLUMNS} FROM join_requests WHERE group_id=%s AND key=%s",
            (group_id, key),
        )
        return JoinRequestRecord(*row) if row else None

    async def deny_join(self, group_id, request_id, sealed_reason, now):
        async with self._tx() as conn:
            cur = await conn.execute(
                "UPDATE join_requests SET status='denied', sealed='', sealed_reason=%s, "
                "expires_at=LEAST(expires_at, %s) "
                "WHERE group_id=%s AND request_id=%s AND status='pending' AND expires_at>%s "
                "RETURNING seq",
                (sealed_reason, now + DENIAL_NOTE_MS, group_id, request_id, now),
            )
            row = await cur.fetchone()
            if row is None:
                return False
            await self._delete_event(conn, group_id, row[0], "join_request")
            return True

    async def put_prekey(self, group_id, key, prekey_id, prekey):
        async with self._conn() as conn:
            cur = await conn.execute(
                "INSERT INTO prekeys VALUES (%s,%s,%s,%s) ON CONFLICT (group_id, key) DO UPDATE "
                "SET prekey_id=excluded.prekey_id, prekey=excluded.prekey "
                "WHERE excluded.prekey_id > prekeys.prekey_id",
                (group_id, key, prekey_id, prekey),
            )
            return cur.rowcount > 0

    async def prekeys(self, group_id):
        rows = await self._all(
            "SELECT prekey FROM prekeys WHERE group_id=%s ORDER BY key", (group_id,)
        )
        return [row[0] for row in rows]

    async def ack_directs(self, group_id, recipient, seqs):
        async with self._tx() as conn:
            cur = await conn.execute(
                "DELETE FROM events WHERE group_id=%s AND seq = ANY(%s) AND kind='direct' "
                "AND recipient=%s RETURNING size",
                (group_id, seqs, recipient),
            )
            sizes = [row[0] for row in await cur.fetchall()]
            if sizes:
                await conn.execute(
                    "UPDATE groups SET bytes_used = bytes_used - %s WHERE group_id=%s",
                    (sum(sizes), group_id),
                )
            return len(sizes)

    async def purge(self, now, max_retention_ms):
        changed: dict[str, int] = {}
        async with self._tx() as conn:
            cur = await conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (_PURGE_LOCK,))
            if not (await cur.fetchone())[0]:  # type: ignore[index]
                return changed  # another process is purging right now
            cur = await conn.execute("SELECT group_id, retention_ms FROM groups")
            for group_id, retention_ms in await cur.fetchall():
                cutoff = now - min(retention_ms, max_retention_ms)
                cur = await conn.execute(
                    "SELECT MAX(seq) FROM events WHERE group_id=%s AND ts<%s", (group_id, cutoff)
                )
                (through,) = await cur.fetchone()  # type: ignore[misc]
                if through is None:
                    continue
                cur = await conn.execute(
                    "DELETE FROM events WHERE group_id=%s AND seq<=%s RETURNING size",
                    (group_id, through),
                )
                freed = sum(row[0] for row in await cur.fetchall())
                await conn.execute(
                    "DELETE FROM posted WHERE group_id=%s AND seq<=%s", (group_id, through)
                )
                await conn.execute(
                    "UPDATE groups SET purged_through=GREATEST(purged_through, %s), "
                    "bytes_used=bytes_used-%s WHERE group_id=%s",
                    (through, freed, group_id),
                )
                changed[group_id] = through
        return changed

    async def expire_joins(self, now):
        async with self._tx() as conn:
            cur = await conn.execute(
                "DELETE FROM join_requests WHERE expires_at<=%s RETURNING group_id, seq", (now,)
            )
            rows = await cur.fetchall()
            for group_id, seq in rows:
                await self._delete_event(conn, group_id, seq, "join_request")
            await conn.execute("DELETE FROM invites WHERE expires_at<=%s", (now,))
            return len(rows)

    async def reclaim_idle(self, now, max_retention_ms, keep):
        """As the SQLite store; the groups with members connected to this process count as
        active now, for every process (another process keeps its own the same way)."""
        async with self._tx() as conn:
            if keep:
                await conn.execute(
                    "UPDATE groups SET last_active_ms = GREATEST(last_active_ms, %s) "
                    "WHERE group_id = ANY(%s)",
                    (now, list(keep)),
                )
            cur = await conn.execute(
                "DELETE FROM groups WHERE last_active_ms < %s - LEAST(retention_ms, %s) "
                "RETURNING group_id",
                (now, max_retention_ms),
            )
            idle = [row[0] for row in await cur.fetchall()]
            for table in ("events", "roster", "invites", "join_requests", "posted", "prekeys"):
                await conn.execute(f"DELETE FROM {table} WHERE group_id = ANY(%s)", (idle,))
            for group_id in idle:
                await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, f"{group_id} gone"))
        return idle

    async def stored_events(self):
        return (await self._one("SELECT count(*) FROM events"))[0]


class PgNotifier:
    """One LISTEN connection for this process; calls `on_change` for every notification, and
    `on_connected` after each (re)connect so what was sent while it was away is caught up."""

    inline = False  # writers do not publish themselves: the listener pushes committed rows

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.connected = asyncio.Event()

    @property
    def ready(self) -> bool:
        return self.connected.is_set()

    async def wait_ready(self, timeout: float) -> None:
        try:
            async with asyncio.timeout(timeout):
                await self.connected.wait()
        except TimeoutError:
            raise StorageUnavailable(
                "The relay could not LISTEN on its PostgreSQL database (see --database).",
                busy=True,
            ) from None

    async def run(
        self, on_change: Callable[[Change], None], on_connected: Callable[[], Awaitable[None]]
    ) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    await on_connected()
                    self.connected.set()
                    async for notify in conn.notifies():
                        change = Change.parse(notify.payload)
                        if change is not None:
                            on_change(change)
            except (psycopg.Error, OSError) as exc:
                self.connected.clear()
                _quiet.warning(  # once a minute, not once a second while the database is away
                    "listen", f"lost the LISTEN connection ({type(exc).__name__}); reconnecting"
                )
                await asyncio.sleep(1.0)


class PgGuards(StreamCaps):
    def __init__(self, log: PgEventLog, config, floor_ms: int) -> None:
        super().__init__(config.max_streams_per_address)
        self.log = log
        self.rates = bucket_rates(config)
        self.floor_ms = floor_ms
        self.known_sessions: OrderedDict[bytes, Session] = OrderedDict()

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def take(self, bucket: Bucket, who: bytes) -> float:
        rate, burst = self.rates[bucket]
        now = _now_ms()
        # Refill by the time since the last take, spend one if there is one: one statement, so
        # two processes taking at once each see the other's spend (the row lock orders them).
        row = await self.log._one(
            """
            INSERT INTO buckets AS b VALUES (%(b)s, %(who)s, %(burst)s - 1, %(now)s, true)
            ON CONFLICT (bucket, who) DO UPDATE SET
                allowed = LEAST(%(burst)s, b.tokens
                    + GREATEST(0, %(now)s - b.at_ms) * %(rate)s / 1000.0) >= 1,
                tokens = LEAST(%(burst)s, b.tokens
                    + GREATEST(0, %(now)s - b.at_ms) * %(rate)s / 1000.0)
                    - CASE WHEN LEAST(%(burst)s, b.tokens
                        + GREATEST(0, %(now)s - b.at_ms) * %(rate)s / 1000.0) >= 1
                      THEN 1 ELSE 0 END,
                at_ms = GREATEST(b.at_ms, %(now)s)
            RETURNING allowed, tokens
            """,
            {"b": bucket.value, "who": who, "burst": float(burst), "now": now, "rate": rate},
        )
        allowed, tokens = row
        return 0.0 if allowed else (1.0 - tokens) / rate

    async def remember_nonce(self, nonce: str, ts: int, now_ms: int, *, known: bool) -> str | None:
        async with self.log._conn() as conn:
            cur = await conn.execute(
                "INSERT INTO nonces VALUES (%s,%s) ON CONFLICT DO NOTHING", (nonce, ts)
            )
            if cur.rowcount == 0:
                return "This request was already received once (replayed nonce); it was ignored."
        return None

    async def claim_post(self, group_id: str, key: bytes, seconds: float) -> PostClaim:
        if not seconds:
            return PostClaim()
        now = _now_ms()
        params = {"g": group_id, "k": key, "now": now, "ms": int(seconds * 1000)}
        async with self.log._conn() as conn:
            # The clock restarts only if it has run out; `prior` is its value before.
            cur = await conn.execute(
                "WITH prior AS (SELECT at_ms FROM slow_mode WHERE group_id=%(g)s AND key=%(k)s) "
                "INSERT INTO slow_mode AS s VALUES (%(g)s, %(k)s, %(now)s) "
                "ON CONFLICT (group_id, key) DO UPDATE SET at_ms = %(now)s "
                "WHERE s.at_ms <= %(now)s - %(ms)s RETURNING (SELECT at_ms FROM prior)",
                params,
            )
            row = await cur.fetchone()
            if row is not None:
                return PostClaim(claimed=True, previous=row[0])
            cur = await conn.execute(
                "SELECT at_ms FROM slow_mode WHERE group_id=%s AND key=%s", (group_id, key)
            )
            held = await cur.fetchone()
        last = held[0] if held else now
        return PostClaim(wait=max(0.001, seconds - (now - last) / 1000))

    async def undo_claim(self, group_id: str, key: bytes, claim: PostClaim) -> None:
        if not claim.claimed:
            return
        async with self.log._conn() as conn:
            if claim.previous is None:
                await conn.execute(
                    "DELETE FROM slow_mode WHERE group_id=%s AND key=%s", (group_id, key)
                )
            else:
                await conn.execute(
                    "UPDATE slow_mode SET at_ms=%s WHERE group_id=%s AND key=%s",
                    (int(claim.previous), group_id, key),
                )

    async def expire(self, now_ms: int) -> None:
        from peertui_wire.auth import MAX_CLOCK_SKEW_MS

        async with self.log._conn() as conn:
            await conn.execute(
                "DELETE FROM nonces WHERE ts < %s", (now_ms - 2 * MAX_CLOCK_SKEW_MS,)
            )
            # A bucket untouched long enough to be full again is the same as no row.
            for bucket, (rate, burst) in self.rates.items():
                await conn.execute(
                    "DELETE FROM buckets WHERE bucket=%s AND at_ms < %s",
                    (bucket.value, now_ms - int(1000 * burst / max(rate, 1e-9)) - 1000),
                )
            await conn.execute("DELETE FROM slow_mode WHERE at_ms < %s", (now_ms - 7 * 86_400_000,))
            await conn.execute("DELETE FROM sessions WHERE expires_at <= %s", (now_ms,))

    # Sessions are rows every process reads, MAC key included, unencrypted: whoever reads this
    # database already reads all the relay knows, and a session key only lets its holder act
    # as the relay's client for that member until it expires (docs/THREAT_MODEL.md).
    async def add_session(self, session: Session) -> None:
        async with self.log._tx() as conn:
            await conn.execute(
                "INSERT INTO sessions VALUES (%s,%s,%s,%s,%s,%s,0)",
                (
                    session.session_id,
                    session.group_id,
                    session.member_key,
                    session.mac_key,
                    session.expires_at,
                    session.max_uses,
                ),
            )
            await conn.execute(
                "DELETE FROM sessions WHERE session_id IN (SELECT session_id FROM sessions "
                "WHERE group_id=%s AND member_key=%s ORDER BY expires_at DESC OFFSET %s)",
                (session.group_id, session.member_key, MAX_SESSIONS_PER_MEMBER),
            )

    async def find_session(self, session_id: bytes) -> Session | None:
        # What never changes about a session is remembered here; whether it still exists is
        # asked at every use (count_session_use), so one ended elsewhere is refused at once.
        known = self.known_sessions.get(session_id)
        if known is not None:
            self.known_sessions.move_to_end(session_id)
            return known
        row = await self.log._one(
            "SELECT session_id, group_id, member_key, mac_key, expires_at, max_uses, uses "
            "FROM sessions WHERE session_id=%s",
            (session_id,),
        )
        if row is None:
            return None
        sid, group_id, member_key, key, expires_at, max_uses, uses = row
        session = Session(
            bytes(sid), group_id, bytes(member_key), bytes(key), expires_at, max_uses, uses
        )
        self.known_sessions[session_id] = session
        while len(self.known_sessions) > KNOWN_SESSIONS:
            self.known_sessions.popitem(last=False)
        return session

    async def count_session_use(self, session: Session) -> int | None:
        row = await self.log._one(
            "UPDATE sessions SET uses = uses + 1 WHERE session_id=%s RETURNING uses",
            (session.session_id,),
        )
        return None if row is None else int(row[0])

    async def end_sessions(self, group_id: str, member_key: bytes) -> None:
        for session_id, known in list(self.known_sessions.items()):
            if known.group_id == group_id and known.member_key == member_key:
                del self.known_sessions[session_id]
        async with self.log._conn() as conn:
            await conn.execute(
                "DELETE FROM sessions WHERE group_id=%s AND member_key=%s", (group_id, member_key)
            )

    async def end_session(self, session_id: bytes) -> None:
        self.known_sessions.pop(session_id, None)
        async with self.log._conn() as conn:
            await conn.execute("DELETE FROM sessions WHERE session_id=%s", (session_id,))


def _now_ms() -> int:
    import time

    return int(time.time() * 1000)
