"""Durable storage for the relay: groups, the roster log, the event log, invites, join requests.

The relay holds only ciphertext and public keys, so stdlib sqlite3 is enough. Every write is
durable (WAL) before the caller acknowledges it, so neither a `kill -9` nor a power loss loses
an acknowledged post. Posts and direct messages arrive in batches: one transaction for all of
them, a failing one undone alone. The relay commits those with `append_batch_unsynced`
(synchronous=NORMAL: frames written, no fsync) and acknowledges them only after `sync_wal`
(fsync of the WAL, on another thread, overlapping the next batch; see group_commit.py and
docs/HOSTING.md, "Durability"); every other write commits with synchronous=FULL. All
methods are blocking; the app runs them on one worker thread (`SqliteStorage` is not safe to
share between threads concurrently); the relay reaches it through `eventlog.SqliteEventLog`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peertui_wire.encoding import EncodingError, b64d, b64e

# Who may see a stored event: every member, only the moderators, or one recipient key.
VISIBLE_TO_ALL, VISIBLE_TO_MODS, VISIBLE_TO_ONE = "all", "mods", "one"

# How long the note of a denial (the joiner's key and the reason sealed to it) is kept at most,
# so a joiner who is offline for a while still learns the answer.
DENIAL_NOTE_MS = 7 * 86_400_000


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    kind: str
    sender: bytes
    ts: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Append:
    """One event to store: a post (with the sender's idempotency key, if any) or a direct."""

    group_id: str
    kind: str
    sender: bytes
    ts: int
    body_json: str  # the body as stored and streamed (compact JSON), serialised once
    visible: str
    recipient: bytes = b""
    idem_key: str = ""


@dataclass(frozen=True)
class Appended:
    """Where an `Append` went: its seq, and False when its idempotency key was seen before."""

    seq: int
    is_new: bool


@dataclass(frozen=True)
class GroupRecord:
    group_id: str
    owner: bytes
    retention_ms: int
    last_seq: int
    purged_through: int
    bytes_used: int
    epoch: str = ""
    last_active_ms: int = 0


@dataclass(frozen=True)
class JoinRequestRecord:
    request_id: str
    key: bytes
    sealed: str
    ts: int
    status: str  # pending | denied
    seq: int
    sealed_reason: str | None
    expires_at: int  # the request (or the denial note left of it) is deleted then


# SQLite primary result codes (extended codes keep them in the low byte).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL = 5, 6, 8, 10, 13
_SQLITE_CANTOPEN = 14


def new_epoch() -> str:
    """A fresh log epoch: random, so a restored or re-created log never repeats an old one."""
    return secrets.token_urlsafe(12)


class StorageUnavailable(Exception):
    """The store cannot take writes for a reason it can name (disk full, I/O error, busy).
    `str()` is a sentence for the API; `busy` is True when waiting a moment is enough."""

    def __init__(self, message: str, *, busy: bool = False) -> None:
        super().__init__(message)
        self.busy = busy


def storage_problem(exc: sqlite3.Error) -> StorageUnavailable | None:
    """Name what went wrong with the store, or None if it is not a storage condition."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in (_SQLITE_FULL, _SQLITE_IOERR, _SQLITE_READONLY, _SQLITE_CANTOPEN) or (
        primary is None and ("disk is full" in str(exc) or "disk I/O error" in str(exc))
    ):
        return StorageUnavailable(
            "The relay cannot store anything right now (its disk is full or failing); "
            "nothing already stored was lost. Try again later."
        )
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return StorageUnavailable(
            "The relay's store is busy (for example a backup is running); try again.", busy=True
        )
    return None


class _KeySeenBefore(Exception):
    """A batch holds an idempotency key an earlier batch stored (see `_append_all`)."""


class InviteRefused(Exception):
    """The invite secret does not open this group; `str()` says why."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS groups (
    group_id TEXT PRIMARY KEY, owner BLOB NOT NULL, created_ms INTEGER NOT NULL,
    retention_ms INTEGER NOT NULL, last_seq INTEGER NOT NULL DEFAULT 0,
    purged_through INTEGER NOT NULL DEFAULT 0, bytes_used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS roster (
    group_id TEXT NOT NULL, idx INTEGER NOT NULL, event TEXT NOT NULL,
    PRIMARY KEY (group_id, idx));
CREATE TABLE IF NOT EXISTS events (
    group_id TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, sender BLOB NOT NULL,
    ts INTEGER NOT NULL, body TEXT NOT NULL, size INTEGER NOT NULL, visible TEXT NOT NULL,
    recipient BLOB NOT NULL DEFAULT x'', PRIMARY KEY (group_id, seq));
CREATE INDEX IF NOT EXISTS events_by_time ON events (group_id, ts);
CREATE TABLE IF NOT EXISTS invites (
    group_id TEXT NOT NULL, secret_hash TEXT NOT NULL, expires_at INTEGER NOT NULL,
    uses_left INTEGER NOT NULL, PRIMARY KEY (group_id, secret_hash));
CREATE TABLE IF NOT EXISTS prekeys (
    group_id TEXT NOT NULL, key BLOB NOT NULL, prekey_id INTEGER NOT NULL, prekey TEXT NOT NULL,
    PRIMARY KEY (group_id, key));
CREATE TABLE IF NOT EXISTS posted (
    group_id TEXT NOT NULL, sender BLOB NOT NULL, idem_key TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (group_id, sender, idem_key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS join_requests (
    group_id TEXT NOT NULL, key BLOB NOT NULL, request_id TEXT NOT NULL, sealed TEXT NOT NULL,
    ts INTEGER NOT NULL, status TEXT NOT NULL, seq INTEGER NOT NULL, sealed_reason TEXT,
    expires_at INTEGER NOT NULL, PRIMARY KEY (group_id, key));
"""


class SqliteStorage:
    def __init__(self, data_dir: str | Path, *, max_pages: int = 0) -> None:
        path = Path(data_dir)
        # Ciphertext only, but sizes, timing and membership are still metadata: owner-only.
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)
        self.path = path / "relay.sqlite3"
        self.path.touch(mode=0o600, exist_ok=True)  # SQLite gives -wal/-shm the same mode
        self.path.chmod(0o600)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)
        self._migrate()
        if max_pages:
            self._db.execute(f"PRAGMA max_page_count={int(max_pages)}")
        self._wal_fd = self._open_wal()

    def _migrate(self) -> None:
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(groups)")}
        with self._tx() as db:
            if "epoch" not in columns:
                db.execute("ALTER TABLE groups ADD COLUMN epoch TEXT NOT NULL DEFAULT ''")
            if "event_count" not in columns:
                # Kept with every insert and delete, so `stored_events` never counts the log.
                db.execute("ALTER TABLE groups ADD COLUMN event_count INTEGER NOT NULL DEFAULT 0")
                db.execute(
                    "UPDATE groups SET event_count = "
                    "(SELECT COUNT(*) FROM events WHERE events.group_id = groups.group_id)"
                )
            if "last_active_ms" not in columns:
                db.execute(
                    "ALTER TABLE groups ADD COLUMN last_active_ms INTEGER NOT NULL DEFAULT 0"
                )
                db.execute("UPDATE groups SET last_active_ms = created_ms")
            for (group_id,) in db.execute("SELECT group_id FROM groups WHERE epoch=''").fetchall():
                db.execute("UPDATE groups SET epoch=? WHERE group_id=?", (new_epoch(), group_id))

    def renew_epochs(self) -> int:
        """Give every group a new log epoch (after a restore): clients then re-read the log
        instead of trusting cursors from a log that may have been longer. Returns the count."""
        with self._tx() as db:
            groups = db.execute("SELECT group_id FROM groups").fetchall()
            for (group_id,) in groups:
                db.execute("UPDATE groups SET epoch=? WHERE group_id=?", (new_epoch(), group_id))
        return len(groups)

    def close(self) -> None:
        self._db.close()
        os.close(self._wal_fd)

    def _tx(self):
        return _Transaction(self._db)

    def groups(self) -> list[GroupRecord]:
        rows = self._db.execute(
            "SELECT group_id, owner, retention_ms, last_seq, purged_through, bytes_used, epoch, "
            "last_active_ms FROM groups"
        ).fetchall()
        return [GroupRecord(*row) for row in rows]

    def create_group(self, group_id, owner, retention_ms, genesis, ts):
        """Store a new group with its genesis as roster index 0 and event seq 1; None if taken."""
        with self._tx() as db:
            if db.execute("SELECT 1 FROM groups WHERE group_id=?", (group_id,)).fetchone():
                return None
            db.execute(
                "INSERT INTO groups (group_id, owner, created_ms, retention_ms, epoch, "
                "last_active_ms) VALUES (?,?,?,?,?,?)",
                (group_id, owner, ts, retention_ms, new_epoch(), ts),
            )
            db.execute("INSERT INTO roster VALUES (?,?,?)", (group_id, 0, json.dumps(genesis)))
            return self._insert_event(
                db, group_id, "roster", owner, ts, {"event": genesis}, VISIBLE_TO_ALL, b""
            )

    def check(self) -> None:
        """Raise sqlite3.Error if the store cannot be read (for /v1/health)."""
        self._db.execute("SELECT COUNT(*) FROM groups").fetchone()

    def group_record(self, group_id: str) -> GroupRecord | None:
        row = self._db.execute(
            "SELECT group_id, owner, retention_ms, last_seq, purged_through, bytes_used, epoch, "
            "last_active_ms FROM groups WHERE group_id=?",
            (group_id,),
        ).fetchone()
        return GroupRecord(*row) if row else None

    def roster(self, group_id):
        rows = self._db.execute(
            "SELECT event FROM roster WHERE group_id=? ORDER BY idx", (group_id,)
        ).fetchall()
        return [json.loads(row[0]) for row in rows]

    @classmethod
    def _insert_event(cls, db, group_id, kind, sender, ts, body, visible, recipient) -> int:
        text = json.dumps(body, separators=(",", ":"))
        return cls._insert_text(db, group_id, kind, sender, ts, text, visible, recipient)

    @staticmethod
    def _insert_text(db, group_id, kind, sender, ts, text, visible, recipient) -> int:
        row = db.execute(
            "UPDATE groups SET last_seq = last_seq + 1, bytes_used = bytes_used + ?, "
            "event_count = event_count + 1, last_active_ms = MAX(last_active_ms, ?) "
            "WHERE group_id=? RETURNING last_seq",
            (len(text), ts, group_id),
        ).fetchone()
        if row is None:  # reclaimed while the append waited for the writer
            raise LookupError(f"group {group_id} is not stored")
        (seq,) = row
        db.execute(
            "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?)",
            (group_id, seq, kind, sender, ts, text, len(text), visible, recipient),
        )
        return seq

    @staticmethod
    def _delete_event(db, group_id, seq, kind) -> None:
        row = db.execute(
            "DELETE FROM events WHERE group_id=? AND seq=? AND kind=? RETURNING size",
            (group_id, seq, kind),
        ).fetchone()
        if row:
            db.execute(
                "UPDATE groups SET bytes_used = bytes_used - ?, event_count = event_count - 1 "
                "WHERE group_id=?",
                (row[0], group_id),
            )

    def posted_seq(self, group_id: str, sender: bytes, idem_key: str) -> int | None:
        """The seq an earlier post with this sender's idempotency key got, if it is kept."""
        row = self._db.execute(
            "SELECT seq FROM posted WHERE group_id=? AND sender=? AND idem_key=?",
            (group_id, sender, idem_key),
        ).fetchone()
        return row[0] if row else None

    def append_batch(self, appends: Sequence[Append]) -> list[Appended | Exception]:
        """Store every append in one transaction with one fsync, in order; for each, where it
        went or why it failed. One that fails (its group gone, the disk full for its size) is
        undone alone: the batch is written again with a savepoint per append. If the commit
        fails, every append gets that error: nothing is reported stored that was not
        committed."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            return [exc] * len(appends)
        try:  # the usual case: nothing fails, and no savepoints are needed
            try:
                outcomes = self._append_all(appends)
            except _KeySeenBefore:  # a retry of a post from an earlier batch: look keys up
                _Transaction(self._db)._rollback()
                self._db.execute("BEGIN IMMEDIATE")
                outcomes = self._append_all(appends, look_up=True)
        except Exception:  # noqa: BLE001 - which append it was is found out below
            _Transaction(self._db)._rollback()
            return self._append_each(appends)
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            _Transaction(self._db)._rollback()
            return [exc] * len(appends)
        return outcomes

    def append_batch_unsynced(self, appends: Sequence[Append]) -> list[Appended | Exception]:
        """`append_batch`, committed with `synchronous=NORMAL`: the batch's WAL frames are
        written (to the OS) but not fsynced, so nothing it returns may be acknowledged, or
        shown to anyone, before a later `sync_wal()` has returned. The connection is back at
        FULL afterwards, so every other write stays durable on its own (and its fsync covers
        these frames too: it flushes the whole WAL file)."""
        self._db.execute("PRAGMA synchronous=NORMAL")
        try:
            return self.append_batch(appends)
        finally:
            self._db.execute("PRAGMA synchronous=FULL")

    def sync_wal(self) -> None:
        """Make every transaction committed before this call durable: fsync the WAL file, which
        holds their frames (in WAL mode a transaction is on disk once its frames are; the WAL's
        header, checkpoints and restarts SQLite syncs itself, also under NORMAL). Safe to call
        from another thread while the writer commits: fsync covers all of the file's dirty
        pages written before it began, through any descriptor. One system call: on a busy relay
        each one is a wait to win the GIL back."""
        os.fsync(self._wal_fd)

    def _open_wal(self) -> int:
        """The WAL file, held open for `sync_wal`. It is the same file for as long as this
        connection is open (SQLite removes it only when the last connection closes), and
        this connection has written to it already (the schema), so it exists. Its directory
        entry is synced once, as SQLite does on its first sync of a new file under FULL, so
        that a new WAL's name survives a power loss as its contents do."""
        fd = os.open(self.path.with_name(self.path.name + "-wal"), os.O_RDONLY)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return fd

    def _append_all(
        self, appends: Sequence[Append], *, look_up: bool = False
    ) -> list[Appended | Exception]:
        """The whole batch in bulk: seqs handed out here in order, one insert of all events,
        one update per group. Raises if anything fails (then `_append_each` finds which).

        Each statement is one multi-row statement rather than one per post: every statement
        step gives up the GIL and must win it back from a busy event loop (up to the switch
        interval, 5 ms, each time), so a batch of 16 posts waited for ~50 of those hand-offs.

        Idempotency keys seen in an earlier batch are rare (a client's retry), so they are
        looked up only with `look_up`; without it the keys' rows go in first, and the primary
        key of `posted` refusing one raises `_KeySeenBefore` before anything else is written
        (the caller rolls back and calls again with `look_up`). That saves the batch's
        look-up statement, 7-10 % of the writer's time per batch."""
        db = self._db
        stored_before: dict[tuple[str, bytes, str], int] = {}
        if look_up:
            keyed = {(a.group_id, a.sender, a.idem_key) for a in appends if a.idem_key}
            stored_before = self._posted_seqs(keyed)
        gids = list(dict.fromkeys(a.group_id for a in appends))
        last_seq: dict[str, int] = {}
        for start in range(0, len(gids), _ROWS_PER_STATEMENT):
            chunk = gids[start : start + _ROWS_PER_STATEMENT]
            last_seq.update(
                db.execute(
                    f"SELECT group_id, last_seq FROM groups WHERE group_id IN ({_marks(len(chunk))})",
                    chunk,
                ).fetchall()
            )
        for gid in gids:
            if gid not in last_seq:
                raise LookupError(f"group {gid} is not stored")
        outcomes: list[Appended | Exception] = []
        added: dict[str, list[int]] = {}  # group -> [events, bytes, newest ts]
        in_batch: dict[tuple[str, bytes, str], int] = {}
        events: list[Any] = []
        posted: list[Any] = []
        for item in appends:
            gid = item.group_id
            if item.idem_key:
                key = (gid, item.sender, item.idem_key)
                seq = in_batch.get(key)
                if seq is None:
                    seq = stored_before.get(key)
                if seq is not None:  # a retry, maybe of a post earlier in this very batch
                    outcomes.append(Appended(seq, False))
                    continue
            seq = last_seq[gid] = last_seq[gid] + 1
            size = len(item.body_json)
            events += (gid, seq, item.kind, item.sender, item.ts, item.body_json, size)
            events += (item.visible, item.recipient)
            if item.idem_key:
                posted += (gid, item.sender, item.idem_key, seq)
                in_batch[(gid, item.sender, item.idem_key)] = seq
            totals = added.setdefault(gid, [0, 0, 0])
            totals[0], totals[1], totals[2] = (
                totals[0] + 1,
                totals[1] + size,
                max(totals[2], item.ts),
            )
            outcomes.append(Appended(seq, True))
        try:
            _insert_rows(db, "posted", 4, posted)
        except sqlite3.IntegrityError:
            if look_up:  # not a key seen before, then: something else is wrong
                raise
            raise _KeySeenBefore() from None
        _insert_rows(db, "events", 9, events)
        db.executemany(
            "UPDATE groups SET last_seq=?, bytes_used=bytes_used+?, event_count=event_count+?, "
            "last_active_ms=MAX(last_active_ms, ?) WHERE group_id=?",
            [(last_seq[gid], total[1], total[0], total[2], gid) for gid, total in added.items()],
        )
        return outcomes

    def _posted_seqs(self, keys: set[tuple[str, bytes, str]]) -> dict[tuple[str, bytes, str], int]:
        """The seqs earlier posts with these (group, sender, idempotency key)s got, in one
        statement (each key looked up through the primary key)."""
        found: dict[tuple[str, bytes, str], int] = {}
        listed = list(keys)
        for start in range(0, len(listed), _ROWS_PER_STATEMENT):
            chunk = listed[start : start + _ROWS_PER_STATEMENT]
            rows = self._db.execute(
                f"WITH k(g, s, i) AS (VALUES {_row_marks(3, len(chunk))}) SELECT p.group_id, "
                "p.sender, p.idem_key, p.seq FROM k "
                "JOIN posted p ON p.group_id=k.g AND p.sender=k.s AND p.idem_key=k.i",
                [part for key in chunk for part in key],
            ).fetchall()
            found.update(((gid, sender, idem), seq) for gid, sender, idem, seq in rows)
        return found

    def _append_each(self, appends: Sequence[Append]) -> list[Appended | Exception]:
        outcomes: list[Appended | Exception | None] = [None] * len(appends)
        todo = list(range(len(appends)))
        while todo:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                for i in todo:
                    outcomes[i] = exc
                break
            stored: list[int] = []
            redo: list[int] | None = None
            for position, i in enumerate(todo):
                try:
                    self._db.execute("SAVEPOINT one_append")
                    outcomes[i] = self._append_one(appends[i])
                    self._db.execute("RELEASE one_append")
                    stored.append(i)
                except Exception as exc:  # noqa: BLE001 - it is this append's answer
                    outcomes[i] = exc
                    if not self._db.in_transaction:
                        # SQLite gave up the whole transaction (it may, on a full disk): the
                        # appends before this one are undone too, so do them again.
                        redo = stored + todo[position + 1 :]
                        break
                    with contextlib.suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK TO one_append")
                        self._db.execute("RELEASE one_append")
            if redo is not None:
                todo = redo
                continue
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                _Transaction(self._db)._rollback()
                for i in stored:
                    outcomes[i] = exc
            break
        # Every append got an answer above (todo starts as all of them, and every path that
        # leaves the loop sets one for each left in it).
        return [o if o is not None else RuntimeError("append not attempted") for o in outcomes]

    def _append_one(self, item: Append) -> Appended:
        db = self._db
        if item.idem_key:
            row = db.execute(
                "SELECT seq FROM posted WHERE group_id=? AND sender=? AND idem_key=?",
                (item.group_id, item.sender, item.idem_key),
            ).fetchone()
            if row:
                return Appended(row[0], False)
        seq = self._insert_text(
            db,
            item.group_id,
            item.kind,
            item.sender,
            item.ts,
            item.body_json,
            item.visible,
            item.recipient,
        )
        if item.idem_key:
            db.execute(
                "INSERT INTO posted VALUES (?,?,?,?)",
                (item.group_id, item.sender, item.idem_key, seq),
            )
        return Appended(seq, True)

    def append_roster(self, group_id, event, sender, ts, admitted=b"", delete_envelope_id=""):
        """Append a roster event (already verified) with its relay-side effects, atomically."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO roster VALUES (?,?,?)", (group_id, event["index"], json.dumps(event))
            )
            if admitted:
                # Decided: the sealed request has done its job and is deleted with its event.
                row = db.execute(
                    "DELETE FROM join_requests WHERE group_id=? AND key=? RETURNING seq",
                    (group_id, admitted),
                ).fetchone()
                if row:
                    self._delete_event(db, group_id, row[0], "join_request")
            delete_seq = (
                self._message_seq_by_envelope_id(db, group_id, delete_envelope_id)
                if delete_envelope_id
                else None
            )
            if delete_seq is not None:
                self._delete_event(db, group_id, delete_seq, "message")
            return self._insert_event(
                db, group_id, "roster", sender, ts, {"event": event}, VISIBLE_TO_ALL, b""
            )

    @staticmethod
    def _message_seq_by_envelope_id(db, group_id: str, envelope_id: str) -> int | None:
        """The stored message whose envelope hashes to `envelope_id` (a delete names messages
        by their envelope, never by a number this relay could have swapped)."""
        for seq, body in db.execute(
            "SELECT seq, body FROM events WHERE group_id=? AND kind='message'", (group_id,)
        ):
            envelope = json.loads(body).get("envelope", "")
            try:
                raw = b64d(envelope)
            except EncodingError:
                continue
            if b64e(hashlib.blake2b(raw, digest_size=32).digest()) == envelope_id:
                return seq
        return None

    def put_prekey(self, group_id, key, prekey_id, prekey):
        """Keep the newest prekey per key; False if one with this id or a higher one is held."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO prekeys VALUES (?,?,?,?) ON CONFLICT (group_id, key) DO UPDATE "
                "SET prekey_id=excluded.prekey_id, prekey=excluded.prekey "
                "WHERE excluded.prekey_id > prekeys.prekey_id",
                (group_id, key, prekey_id, prekey),
            )
            return cur.rowcount > 0

    def prekeys(self, group_id):
        rows = self._db.execute(
            "SELECT prekey FROM prekeys WHERE group_id=? ORDER BY key", (group_id,)
        ).fetchall()
        return [row[0] for row in rows]

    def ack_directs(self, group_id, recipient, seqs):
        """Delete direct deliveries the recipient has read; return how many went."""
        deleted = 0
        with self._tx() as db:
            for seq in seqs:
                row = db.execute(
                    "DELETE FROM events WHERE group_id=? AND seq=? AND kind='direct' "
                    "AND recipient=? RETURNING size",
                    (group_id, seq, recipient),
                ).fetchone()
                if row:
                    deleted += 1
                    db.execute(
                        "UPDATE groups SET bytes_used = bytes_used - ?, "
                        "event_count = event_count - 1 WHERE group_id=?",
                        (row[0], group_id),
                    )
        return deleted

    def read(self, group_id, since, limit, reader, reader_is_mod):
        """Visible events after `since`, plus the group's purged_through and last_seq."""
        rows, purged_through, last_seq = self.read_rows(
            group_id, since, limit, reader, reader_is_mod
        )
        events = [StoredEvent(s, k, snd, ts, json.loads(b)) for s, k, snd, ts, b in rows]
        return events, purged_through, last_seq

    def read_rows(self, group_id, since, limit, reader, reader_is_mod):
        """Like `read`, with bodies left as stored JSON text: (seq, kind, sender, ts, body)."""
        with self._tx() as db:
            purged_through, last_seq = db.execute(
                "SELECT purged_through, last_seq FROM groups WHERE group_id=?", (group_id,)
            ).fetchone()
            rows = db.execute(
                "SELECT seq, kind, sender, ts, body FROM events WHERE group_id=? AND seq>? AND "
                "(visible='all' OR (visible='mods' AND ?) OR (visible='one' AND recipient=?)) "
                "ORDER BY seq LIMIT ?",
                (group_id, since, 1 if reader_is_mod else 0, reader, limit),
            ).fetchall()
        return rows, purged_through, last_seq

    def fanout_rows(self, group_id: str, after: int, through: int, limit: int) -> list[tuple]:
        """Events in (after, through] with who may see them, for pushing to live streams."""
        return self._db.execute(
            "SELECT seq, kind, sender, ts, body, visible, recipient FROM events "
            "WHERE group_id=? AND seq>? AND seq<=? ORDER BY seq LIMIT ?",
            (group_id, after, through, limit),
        ).fetchall()

    def put_invite(self, group_id, secret_hash, expires_at, uses):
        with self._tx() as db:
            db.execute(
                "INSERT INTO invites VALUES (?,?,?,?) ON CONFLICT (group_id, secret_hash) "
                "DO UPDATE SET expires_at=excluded.expires_at, uses_left=excluded.uses_left",
                (group_id, secret_hash, expires_at, uses),
            )

    def delete_invite(self, group_id, secret_hash):
        with self._tx() as db:
            cur = db.execute(
                "DELETE FROM invites WHERE group_id=? AND secret_hash=?", (group_id, secret_hash)
            )
            return cur.rowcount > 0

    def request_join(self, group_id, secret_hash, key, sealed, request_id, now):
        """Spend one invite use and record a pending request (and its event); idempotent while
        pending. Returns (request_id, seq, is_new); raises InviteRefused."""
        with self._tx() as db:
            existing = db.execute(
                "SELECT request_id, seq, status, expires_at FROM join_requests "
                "WHERE group_id=? AND key=?",
                (group_id, key),
            ).fetchone()
            if existing and existing[2] == "pending" and existing[3] > now:
                return existing[0], existing[1], False
            if existing:  # an expired request, or a denial note: this new request replaces it
                self._delete_event(db, group_id, existing[1], "join_request")
            invite = db.execute(
                "SELECT expires_at, uses_left FROM invites WHERE group_id=? AND secret_hash=?",
                (group_id, secret_hash),
            ).fetchone()
            if invite is None:
                raise InviteRefused(
                    "This invite is not valid for this group (it may have been "
                    "revoked); ask the host for a new one."
                )
            if invite[0] <= now:
                raise InviteRefused("This invite has expired; ask the host for a new one.")
            if invite[1] <= 0:
                raise InviteRefused("This invite has been used up; ask the host for a new one.")
            db.execute(
                "UPDATE invites SET uses_left = uses_left - 1 WHERE group_id=? AND secret_hash=?",
                (group_id, secret_hash),
            )
            body = {"request_id": request_id, "key": b64e(key), "sealed": sealed}
            seq = self._insert_event(
                db, group_id, "join_request", key, now, body, VISIBLE_TO_MODS, b""
            )
            # A request lives no longer than the invite it came with.
            db.execute(
                "INSERT OR REPLACE INTO join_requests VALUES (?,?,?,?,?,'pending',?,NULL,?)",
                (group_id, key, request_id, sealed, now, seq, invite[0]),
            )
            return request_id, seq, True

    _REQUEST_COLUMNS = "request_id, key, sealed, ts, status, seq, sealed_reason, expires_at"

    def join_requests(self, group_id, now, status="pending"):
        rows = self._db.execute(
            f"SELECT {self._REQUEST_COLUMNS} FROM join_requests "
            "WHERE group_id=? AND status=? AND expires_at>? ORDER BY seq",
            (group_id, status, now),
        ).fetchall()
        return [JoinRequestRecord(*row) for row in rows]

    def join_request_for(self, group_id, key):
        row = self._db.execute(
            f"SELECT {self._REQUEST_COLUMNS} FROM join_requests WHERE group_id=? AND key=?",
            (group_id, key),
        ).fetchone()
        return JoinRequestRecord(*row) if row else None

    def deny_join(self, group_id, request_id, sealed_reason, now):
        """Decided: the sealed request and its event are deleted. What is left — the key, and
        the reason sealed to the joiner — stays until the invite expires, and at most
        DENIAL_NOTE_MS, so the joiner can still learn the answer."""
        with self._tx() as db:
            row = db.execute(
                "UPDATE join_requests SET status='denied', sealed='', sealed_reason=?, "
                "expires_at=MIN(expires_at, ?) "
                "WHERE group_id=? AND request_id=? AND status='pending' AND expires_at>? "
                "RETURNING seq",
                (sealed_reason, now + DENIAL_NOTE_MS, group_id, request_id, now),
            ).fetchone()
            if row is None:
                return False
            self._delete_event(db, group_id, row[0], "join_request")
            return True

    def expire_joins(self, now):
        """Delete join requests and denial notes whose time is up, and expired invites."""
        with self._tx() as db:
            rows = db.execute(
                "DELETE FROM join_requests WHERE expires_at<=? RETURNING group_id, seq", (now,)
            ).fetchall()
            for group_id, seq in rows:
                self._delete_event(db, group_id, seq, "join_request")
            db.execute("DELETE FROM invites WHERE expires_at<=?", (now,))
            return len(rows)

    def purge(self, now, max_retention_ms):
        """Drop events older than each group's retention; return {group_id: purged_through}."""
        changed: dict[str, int] = {}
        with self._tx() as db:
            groups = db.execute("SELECT group_id, retention_ms FROM groups").fetchall()
            for group_id, retention_ms in groups:
                cutoff = now - min(retention_ms, max_retention_ms)
                (through,) = db.execute(
                    "SELECT MAX(seq) FROM events WHERE group_id=? AND ts<?", (group_id, cutoff)
                ).fetchone()
                if through is None:
                    continue
                # Everything up to the newest expired seq goes, so that the position where
                # history starts is a single number clients can be told about.
                freed = db.execute(
                    "SELECT COALESCE(SUM(size), 0) FROM events WHERE group_id=? AND seq<=?",
                    (group_id, through),
                ).fetchone()[0]
                deleted = db.execute(
                    "DELETE FROM events WHERE group_id=? AND seq<=?", (group_id, through)
                ).rowcount
                db.execute("DELETE FROM posted WHERE group_id=? AND seq<=?", (group_id, through))
                db.execute(
                    "UPDATE groups SET purged_through=MAX(purged_through, ?), "
                    "bytes_used=bytes_used-?, event_count=event_count-? WHERE group_id=?",
                    (through, freed, deleted, group_id),
                )
                changed[group_id] = through
        return changed

    def reclaim_idle(self, now: int, max_retention_ms: int, keep: set[str]) -> list[str]:
        """Delete groups with no event for longer than their retention (except `keep`, those
        with members connected): abandoned groups must not hold the relay's space forever."""
        with self._tx() as db:
            idle = [
                group_id
                for group_id, retention_ms, last_active in db.execute(
                    "SELECT group_id, retention_ms, last_active_ms FROM groups"
                ).fetchall()
                if last_active < now - min(retention_ms, max_retention_ms) and group_id not in keep
            ]
            for group_id in idle:
                for table in ("events", "roster", "invites", "join_requests", "posted", "groups"):
                    db.execute(f"DELETE FROM {table} WHERE group_id=?", (group_id,))
        return idle

    def stored_events(self) -> int:
        """Events stored in all groups, from the kept per-group counts (never a log scan)."""
        return self._db.execute("SELECT COALESCE(SUM(event_count), 0) FROM groups").fetchone()[0]


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, so a write is on disk before the caller returns."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> sqlite3.Connection:
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self._db.execute("COMMIT")
                return
            except sqlite3.Error:
                # A full disk can fail the commit itself: end the transaction, or every later
                # BEGIN on this connection would fail too, long after space is freed.
                self._rollback()
                raise
        self._rollback()

    def _rollback(self) -> None:
        if self._db.in_transaction:
            # SQLite may already have rolled back on its own (e.g. after SQLITE_FULL).
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")


# SQLite before 3.32 allows 999 parameters per statement: 100 rows of up to 9 stay under it.
_ROWS_PER_STATEMENT = 100


def _marks(count: int) -> str:
    return ",".join("?" * count)


def _row_marks(width: int, rows: int) -> str:
    return ",".join([f"({_marks(width)})"] * rows)


def _insert_rows(db: sqlite3.Connection, table: str, width: int, flat: list[Any]) -> None:
    """Insert rows given as one flat list of values, `width` a row, in few statements."""
    step = width * _ROWS_PER_STATEMENT
    for start in range(0, len(flat), step):
        chunk = flat[start : start + step]
        db.execute(f"INSERT INTO {table} VALUES {_row_marks(width, len(chunk) // width)}", chunk)
