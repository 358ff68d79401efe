"""The encrypted local database: history, groups, keys, outbox and small JSON values.

The whole file is SQLCipher-encrypted with a raw 32-byte key (see `peertui.core.keys`), so
SQLCipher's own slow KDF is skipped and the full-text index, which lives inside the same
database, is encrypted too. Temporary tables and sorts stay in memory so nothing is spilled
to an unencrypted temp file.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import sqlcipher3

from peertui.core.keys import (
    ForeignFilesKept,
    KeyringRefused,
    Leftover,
    NoKeyAvailable,
    NotDeleted,
    StoreError,
    WrongPassphrase,
    database_key,
    forget_key,
    keyring_refusal,
    keyring_usable,
)
from peertui.paths import Paths, make_private_dir

__all__ = [
    "Message",
    "NoKeyAvailable",
    "StorageFull",
    "Store",
    "StoreError",
    "WrongPassphrase",
    "wipe",
]

_SCHEMA_VERSION = 6
_SQLITE_FULL = 13
_SQLITE_NOTADB = 26
_EXPORT_PAGE = 2000
_LOOKUP_CHUNK = 500  # message ids looked up per statement (SQLite allows 32,766 parameters)

# Every searched word is a prefix ("word"*). Without a prefix index FTS5 gathers every term
# that starts with it into one list before returning any hit, so a one-letter search of a
# million messages took seconds; with indexes for 1 to 3 letters those are direct look-ups.
#
# The index's row id is a message's search key: its place in the display order (the sender's
# time in its high bits, then a slot for messages of the same millisecond, given in the order
# they are stored), so the index hands back hits newest first in the order the conversation
# shows them and a page stops after 50 hits, whatever the number of matches. See `search`.
_TOKENIZER = "unicode61 remove_diacritics 2"
# A backlog's messages enter the full-text index later (`Store.index_pending`), not in the
# transaction that stores them: tokenizing a message for the index and its three prefix indexes
# was the largest single cost of receiving one (issue 12). `index_later` holds a row only inside
# such a transaction (it is emptied before the commit), and the messages stored meanwhile are
# listed in `index_pending` instead of indexed. Every reader of the index (search, and removals
# that ask it whether a word is still stored) first indexes what is pending, so nothing is ever
# missed; the triggers keep the index right for a pending message that is removed or changed
# before its turn (it is not in the index yet, so nothing is taken out of it: taking out words
# an external-content index never got corrupts it).
_INDEX_LATER = """
CREATE TABLE IF NOT EXISTS index_later (flag INTEGER);
CREATE TABLE IF NOT EXISTS index_pending (message INTEGER PRIMARY KEY);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) SELECT new.search_key, new.text
    WHERE NOT EXISTS (SELECT 1 FROM index_later);
    INSERT INTO index_pending (message) SELECT new.id WHERE EXISTS (SELECT 1 FROM index_later);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text)
    SELECT 'delete', old.search_key, old.text
    WHERE NOT EXISTS (SELECT 1 FROM index_pending WHERE message = old.id);
    DELETE FROM index_pending WHERE message = old.id;
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages
WHEN NOT EXISTS (SELECT 1 FROM index_pending WHERE message = old.id) BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text)
    VALUES ('delete', old.search_key, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.search_key, new.text);
END;
"""
_FTS = f"""
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text, content = 'messages', content_rowid = 'search_key',
    tokenize = '{_TOKENIZER}', prefix = '1 2 3'
);
{_INDEX_LATER}
"""
# Version 5 to 6: indexing a backlog later.
_DEFER_INDEX = f"""
DROP TRIGGER messages_fts_insert; DROP TRIGGER messages_fts_delete; DROP TRIGGER messages_fts_update;
{_INDEX_LATER}
"""
_INDEX_CHUNK = 500  # pending messages indexed per statement when a search needs them all
# Every word the index holds, so a long word typed as a prefix can be looked up as the words
# that start with it (`Store._match_expression`). Stored messages wait in `search_terms_pending`
# until a search needs the words; they are then split by FTS5's own tokenizer (see
# `_learn_pending_terms`), so the list holds exactly the index's terms. Removing, purging or
# deleting messages takes out the words no stored message has any more (a removed message's
# words must not linger on disk), `_forget_words_no_longer_stored`.
_TERMS = """
CREATE TABLE search_terms (term TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE search_terms_pending (message INTEGER PRIMARY KEY);
CREATE TRIGGER search_terms_insert AFTER INSERT ON messages BEGIN
    INSERT OR IGNORE INTO search_terms_pending (message) VALUES (new.id);
END;
CREATE TRIGGER search_terms_update AFTER UPDATE OF text ON messages BEGIN
    INSERT OR IGNORE INTO search_terms_pending (message) VALUES (new.id);
END;
"""
# Version 4 to 5 (and after the rebuild of `_SEARCH_KEYS`): the terms of the index as it is.
_TERMS_FROM_INDEX = f"""
{_TERMS}
CREATE VIRTUAL TABLE temp.index_terms USING fts5vocab(main, messages_fts, row);
INSERT INTO search_terms (term) SELECT term FROM temp.index_terms;
DROP TABLE temp.index_terms;
"""
_PENDING_CHUNK = 5000  # messages whose words are learnt per statement

# Search keys: the time (clamped to 0 .. 2^42 - 1 ms, past the year 2100) shifted left by 20
# bits, plus a slot: the next free one of that millisecond, so 2^20 messages fit in one.
_SLOT_BITS = 20
_KEY_TIME_MAX = (1 << 42) - 1


def _key_time(ts_sql: str) -> str:
    return f"MIN(MAX({ts_sql}, 0), {_KEY_TIME_MAX})"


# The search key of a message about to be stored at time ?7 (its `ts` in `_INSERT_MESSAGE`).
_NEXT_SEARCH_KEY = (
    f"(SELECT COALESCE(MAX(search_key) + 1, {_key_time('?7')} << {_SLOT_BITS}) FROM messages "
    f"WHERE search_key BETWEEN {_key_time('?7')} << {_SLOT_BITS} "
    f"AND ({_key_time('?7')} << {_SLOT_BITS}) + {(1 << _SLOT_BITS) - 1})"
)
_SCHEMA = f"""
CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE groups (id INTEGER PRIMARY KEY, group_id TEXT NOT NULL UNIQUE, state TEXT NOT NULL);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    group_id TEXT NOT NULL,
    msg_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    sender TEXT NOT NULL,
    nick TEXT NOT NULL,
    text TEXT NOT NULL,
    ts INTEGER NOT NULL,
    kind TEXT NOT NULL,
    cw TEXT NOT NULL,
    removed_reason TEXT,
    extra TEXT NOT NULL,
    number INTEGER NOT NULL,
    search_key INTEGER NOT NULL,
    UNIQUE (group_id, msg_id)
);
CREATE UNIQUE INDEX messages_by_number ON messages (number);
CREATE UNIQUE INDEX messages_by_search_key ON messages (search_key);
CREATE INDEX messages_in_order ON messages (group_id, ts, sender, msg_id);
CREATE INDEX messages_by_time ON messages (ts);
CREATE INDEX messages_by_group_seq ON messages (group_id, seq);
{_FTS}
{_TERMS}
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    item_id TEXT NOT NULL UNIQUE,
    group_id TEXT NOT NULL,
    payload TEXT NOT NULL
);
"""
# Version 1 or 2 to 3: message numbers. Existing messages keep the order this device stored
# them in (the row id) as their numbers, and the display order gets its index.
_NUMBERS = """
ALTER TABLE messages ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET number = id;
CREATE UNIQUE INDEX messages_by_number ON messages (number);
DROP INDEX messages_by_group_time;
CREATE INDEX messages_in_order ON messages (group_id, ts, number);
INSERT INTO kv (key, value) SELECT 'message_numbers', COALESCE(MAX(number), 0) FROM messages;
"""
# Version 3 to 4: messages with the same time are ordered by sender and message id, which
# every device has alike, instead of this device's numbers (docs/PROTOCOL.md §9.6).
_SHARED_ORDER = """
DROP INDEX messages_in_order;
CREATE INDEX messages_in_order ON messages (group_id, ts, sender, msg_id);
"""
# The display order (peertui.ui.ordering.display_key), in SQL.
_ORDER = "ts, sender, msg_id"
# A message written at most this long before one of mine crossed mine on the way: it goes at
# its place, above mine, without being called late (`Store._number_and_place`).
CROSSED_MS = 5_000
_ORDER_DESC = "ts DESC, sender DESC, msg_id DESC"
# Version 1 to 4, to 5: search keys, and the full-text index rebuilt on them (with the prefix
# indexes version 1 lacked). Messages of one millisecond get their slots in the display order. A
# minute or two for a million messages, once.
_SEARCH_KEYS = f"""
DROP TRIGGER messages_fts_insert; DROP TRIGGER messages_fts_delete; DROP TRIGGER messages_fts_update;
DROP TABLE messages_fts;
ALTER TABLE messages ADD COLUMN search_key INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET search_key = keyed.key FROM (
    SELECT id, ({_key_time("ts")} << {_SLOT_BITS})
        + ROW_NUMBER() OVER (PARTITION BY {_key_time("ts")} ORDER BY sender, msg_id) - 1 AS key
    FROM messages
) AS keyed WHERE messages.id = keyed.id;
CREATE UNIQUE INDEX messages_by_search_key ON messages (search_key);
{_FTS}
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
"""

_MESSAGE_COLUMNS = (
    "group_id, msg_id, seq, sender, nick, text, ts, kind, cw, removed_reason, extra, number"
)
# The highest message number given out on this device (kv key); numbers are never reused.
_NUMBERS_KEY = "message_numbers"


# The facts of each refusal; `peertui.ui.wording.problem` words them for the person. `str()` is
# a short English line for logs: it never holds message text, nicknames or keys.

FullDuring = Literal["open", "setup", "save", "export"]


class StorageFull(StoreError):
    """The disk (or the database's size limit) is full; nothing already stored was lost.

    `during` is what could not be done; `place` the folder or file it was for (if any)."""

    def __init__(self, during: FullDuring, place: Path | None = None) -> None:
        super().__init__(f"disk full ({during})")
        self.during: FullDuring = during
        self.place = place


class DatabaseUnopenable(StoreError):
    """The database file could not be opened; `reason` is SQLite's or the system's own words."""

    def __init__(self, db_file: Path, reason: str) -> None:
        super().__init__(f"database could not be opened ({reason})")
        self.db_file = db_file
        self.reason = reason


class DatabaseTooNew(StoreError):
    """The database's schema (`version`) is newer than this peertui knows."""

    def __init__(self, version: int) -> None:
        super().__init__(f"database schema {version} is newer than this peertui")
        self.version = version


class DatabaseKeyMismatch(StoreError):
    """The database does not open with this home's key: damaged, or another home's."""

    def __init__(self, db_file: Path) -> None:
        super().__init__("database does not open with this home's key")
        self.db_file = db_file


class FolderUnusable(StoreError):
    """A folder of the home cannot be made or used; `reason` is the system's words."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"folder unusable ({reason})")
        self.path = path
        self.reason = reason


class SaveFailed(StoreError):
    """A write to the database failed for a reason other than a full disk."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"save failed ({reason})")
        self.reason = reason


class OldProtocolHome(StoreError):
    """This home holds groups of an earlier, incompatible protocol (a test version): nothing
    was released, so there is nothing to convert."""

    def __init__(self, data_dir: Path, protocol: int) -> None:
        super().__init__(f"home holds protocol-{protocol} groups")
        self.data_dir = data_dir
        self.protocol = protocol


ExportFault = Literal["is_folder", "no_folder", "unwritable"]


class ExportRefused(StoreError):
    """An export was not written: the target is a folder, its folder is missing, or writing
    failed (`reason`, the system's words). Nothing was exported."""

    def __init__(self, target: Path, fault: ExportFault, reason: str = "") -> None:
        super().__init__(f"export not written ({fault}{': ' + reason if reason else ''})")
        self.target = target
        self.fault: ExportFault = fault
        self.reason = reason


@dataclass
class Message:
    group_id: str
    msg_id: str
    seq: int
    sender: str
    nick: str
    text: str
    ts: int  # milliseconds since the epoch
    kind: str = "text"
    cw: str = ""  # content warning topic; empty for none
    removed_reason: str | None = None
    extra: dict = field(default_factory=dict)
    # This device's number for the message (`#12`): given once, when it is first stored or
    # queued, never changed and never given to another message. 0 until then. The rule, and
    # why numbers are not the display order, is in `peertui.ui.ordering`.
    number: int = 0


class Store:
    """One open, unlocked database. Safe to share between threads (calls are serialised)."""

    def __init__(self, connection: sqlcipher3.Connection):
        self._db = connection
        self._lock = threading.RLock()
        self._own_sender: dict[str, str] = {}  # group id -> my member id there
        self._depth = 0  # open `transaction()` blocks; writes inside join the outermost one
        self._failed: BaseException | None = None  # a write inside failed: never commit it
        # To tell once (worded by ui.unlock.keyring_refused): a keyring this new home refused.
        self.notices: list[KeyringRefused] = []

    @classmethod
    def open(cls, paths: Paths, passphrase: str | None = None) -> Store:
        """Unlock (or create) the database of this home.

        Raises NoKeyAvailable, WrongPassphrase (the home is left untouched) or StoreError.
        """
        creating = not paths.unlock_file.exists()
        try:
            key = database_key(paths, passphrase)
            make_private_dir(paths.data_dir)
            _create_private_file(paths.db_file)
            connection = sqlcipher3.connect(
                str(paths.db_file), isolation_level=None, check_same_thread=False
            )
        except OSError as exc:
            raise _folder_error(exc, paths) from exc
        except sqlcipher3.Error as exc:
            raise DatabaseUnopenable(paths.db_file, str(exc)) from exc
        try:
            _unlock(connection, key, paths)
            _prepare(connection)
        except sqlcipher3.Error as exc:
            connection.close()
            if _is_full(exc):
                raise StorageFull("open", paths.data_dir) from exc
            raise DatabaseUnopenable(paths.db_file, str(exc)) from exc
        except BaseException:
            connection.close()
            raise
        store = cls(connection)
        # Said once: when this home chose the passphrase because the keyring was refused.
        refusal = keyring_refusal() if creating else None
        store.notices = [refusal] if refusal and not keyring_usable() else []
        return store

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- small JSON values (safety plan, crypto state blobs, ...) ---------------------------

    def get(self, key: str, default: Any = None) -> Any:
        row = self._one("SELECT value FROM kv WHERE key = ?", (key,))
        return default if row is None else json.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        text = _to_json(value, f"the value for '{key}'")
        with self._writing(f"'{key}'") as db:
            db.execute(
                "INSERT INTO kv (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, text),
            )

    def delete(self, key: str) -> None:
        with self._writing(f"the removal of '{key}'") as db:
            db.execute("DELETE FROM kv WHERE key = ?", (key,))

    # -- groups ----------------------------------------------------------------------------

    def save_group(self, group_id: str, state: dict) -> None:
        self.save_group_json(group_id, _to_json(state, "the group's state"))

    def save_group_json(self, group_id: str, text: str) -> None:
        """Store a group's state already encoded as JSON (encoded by its owner's thread)."""
        with self._writing("the group's state") as db:
            db.execute(
                "INSERT INTO groups (group_id, state) VALUES (?, ?) "
                "ON CONFLICT (group_id) DO UPDATE SET state = excluded.state",
                (group_id, text),
            )

    def load_group(self, group_id: str) -> dict | None:
        row = self._one("SELECT state FROM groups WHERE group_id = ?", (group_id,))
        return None if row is None else json.loads(row[0])

    def list_groups(self) -> list[dict]:
        """Every group's state, oldest first, each with its "group_id"."""
        rows = self._all("SELECT group_id, state FROM groups ORDER BY id")
        return [{**json.loads(state), "group_id": group_id} for group_id, state in rows]

    def delete_group(self, group_id: str) -> None:
        """Forget the group: its state, its history and its unsent outbox items."""
        with self._writing("the removal of the group") as db:
            words = _words_of(db, "group_id = ?", (group_id,))
            db.execute("DELETE FROM messages WHERE group_id = ?", (group_id,))
            _forget_words_no_longer_stored(db, words)
            db.execute("DELETE FROM outbox WHERE group_id = ?", (group_id,))
            db.execute("DELETE FROM groups WHERE group_id = ?", (group_id,))

    def forget_group(self, group_id: str) -> None:
        """Erase everything this device keeps about a group it left: history (and its search
        index rows), queued messages, drafts, keys, counters and state. Deleted content is
        zeroed (secure_delete), the search index merged so no old segment still holds a
        word, and the file rebuilt, so nothing of the group is left in the database's pages."""
        with self._writing("the deletion of the group's history") as db:
            db.execute("DELETE FROM messages WHERE group_id = ?", (group_id,))
            db.execute("DELETE FROM outbox WHERE group_id = ?", (group_id,))
            db.execute("DELETE FROM groups WHERE group_id = ?", (group_id,))
            # Every per-group entry is keyed "<what>:<group id>" (a random 22-character id).
            db.execute("DELETE FROM kv WHERE instr(key, ?) > 0", (group_id,))
            db.execute("INSERT INTO messages_fts (messages_fts) VALUES ('optimize')")
        with self._lock:
            self._db.execute("VACUUM")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- history ---------------------------------------------------------------------------

    def add_message(self, m: Message) -> bool:
        """Store one message; False if this (group_id, msg_id) is already stored.

        A new message gets its number here (kept in `m.number`; a number reserved for it while
        it was queued is kept), and `m.extra["late_before"]` names the first message already
        stored that it comes before in the display order, when it arrived late."""
        with self._writing("the message") as db:
            return self._insert(db, m)

    def add_messages(self, messages: Iterable[Message]) -> int:
        """Store many messages in one transaction; returns how many were new."""
        with self._writing("the messages") as db:
            return sum(self._insert(db, m) for m in messages)

    def _insert(self, db: sqlcipher3.Connection, m: Message) -> bool:
        if db.execute(
            "SELECT 1 FROM messages WHERE group_id = ? AND msg_id = ?", (m.group_id, m.msg_id)
        ).fetchone():
            return False
        highest = self._number_and_place(db, m, self._highest_number(db))
        _put_kv(db, _NUMBERS_KEY, highest)
        db.execute(_INSERT_MESSAGE, _message_row(m))
        return True

    def note_own_sender(self, group_id: str, member_id: str) -> None:
        """Who "I" am in a group, for the late-arrival rule (`_number_and_place`)."""
        self._own_sender[group_id] = member_id

    def _number_and_place(
        self, db: sqlcipher3.Connection, m: Message, highest: int, *, last: bool = False
    ) -> int:
        """Give a message about to be stored its number (keeping a reserved one) and note when
        it arrived late; returns the highest number given out now. Every way of storing a
        message goes through here, so no stored message is ever without its number. `last`:
        the caller knows it comes after every message of its group (nothing to look up).

        Late means it goes before a message already stored, except my own messages that the
        relay stored after it or that I wrote less than CROSSED_MS after it: those were shown
        first only because I wrote them while it was on its way (the two crossed), not
        because it was held back (docs/dev/CONTRACTS.md, "Late arrivals"; FINDINGS7 F3)."""
        taken = m.number > 0 and (
            m.number > highest
            or db.execute("SELECT 1 FROM messages WHERE number = ?", (m.number,)).fetchone()
        )
        if m.number <= 0 or taken:
            m.number = highest + 1  # (a reserved number is at most `highest`, and unused)
        if last:
            return max(highest, m.number)
        mine = self._own_sender.get(m.group_id, "")
        after = db.execute(
            f"SELECT number FROM messages WHERE group_id = ? AND ({_ORDER}) > (?, ?, ?) "
            "AND NOT (sender = ? AND ((? > 0 AND seq > ?) OR ts - ? < ?)) "
            f"ORDER BY {_ORDER} LIMIT 1",
            (m.group_id, *order_key(m), mine, m.seq, m.seq, m.ts, CROSSED_MS),
        ).fetchone()
        if after is not None:
            m.extra["late_before"] = after[0]
        return max(highest, m.number)

    def reserve_number(self) -> int:
        """A number for a message that is queued and not stored yet: it keeps it when stored."""
        with self._writing("the message number") as db:
            number = self._highest_number(db) + 1
            _put_kv(db, _NUMBERS_KEY, number)
            return number

    def highest_number(self) -> int:
        """The highest message number given out on this device (0 before the first)."""
        with self._lock:
            return self._highest_number(self._db)

    @staticmethod
    def _highest_number(db: sqlcipher3.Connection) -> int:
        row = db.execute("SELECT value FROM kv WHERE key = ?", (_NUMBERS_KEY,)).fetchone()
        return int(json.loads(row[0])) if row else 0

    def newest_time(self, group_id: str) -> int:
        """The latest display time stored in the group (0 when it has no messages)."""
        row = self._one("SELECT MAX(ts) FROM messages WHERE group_id = ?", (group_id,))
        return int(row[0]) if row and row[0] is not None else 0

    def message_by_number(self, number: int) -> Message | None:
        """The message this device numbered `number`, in whichever group it is."""
        row = self._one(f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE number = ?", (number,))
        return None if row is None else _message_from(row)

    def add_new_messages(
        self, messages: list[Message], *, index_later: bool = False
    ) -> list[Message]:
        """Store those of `messages` not stored yet (by group and message id; of the same one
        listed twice, the first), in one transaction and one statement; returns them, in
        order. A backlog is stored this way: a message at a time cost more Python than SQL.

        With `index_later` they wait for the full-text index (`index_pending`, which a search
        runs first): a backlog is stored without tokenizing every message on the way."""
        if not messages:
            return []
        with self._writing("the messages") as db:
            if not index_later:
                return self._add_new(db, messages)
            db.execute("INSERT INTO index_later (flag) VALUES (1)")
            try:
                return self._add_new(db, messages)
            finally:
                # Never committed with the flag set (a failed write rolls it all back anyway).
                with contextlib.suppress(sqlcipher3.Error):
                    db.execute("DELETE FROM index_later")

    def _add_new(self, db: sqlcipher3.Connection, messages: list[Message]) -> list[Message]:
        known: set[tuple[str, str]] = set()
        ids_by_group: dict[str, list[str]] = {}
        for m in messages:
            ids_by_group.setdefault(m.group_id, []).append(m.msg_id)
        for group_id, ids in ids_by_group.items():
            for start in range(0, len(ids), _LOOKUP_CHUNK):
                chunk = ids[start : start + _LOOKUP_CHUNK]
                found = db.execute(
                    "SELECT msg_id FROM messages WHERE group_id = ? "
                    f"AND msg_id IN ({', '.join('?' * len(chunk))})",
                    (group_id, *chunk),
                ).fetchall()
                known.update((group_id, msg_id) for (msg_id,) in found)
        new: list[Message] = []
        highest = self._highest_number(db)
        rows: list[tuple] = []
        newest_waiting: dict[str, tuple] = {}  # group -> latest place among `rows`
        # group -> the latest place stored or among `rows`: a message after it is the newest of
        # its group, so no look-up finds a message it arrived late before (most of a backlog).
        newest: dict[str, tuple] = {}
        for group_id in ids_by_group:
            row = db.execute(
                f"SELECT {_ORDER} FROM messages WHERE group_id = ? ORDER BY {_ORDER_DESC} LIMIT 1",
                (group_id,),
            ).fetchone()
            newest[group_id] = (-(2**63), "", "") if row is None else tuple(row)
        for m in messages:
            if (m.group_id, m.msg_id) not in known:
                known.add((m.group_id, m.msg_id))
                key = order_key(m)
                if key < newest_waiting.get(m.group_id, key):
                    # Out of order within the run: what it comes before must be stored
                    # first, so that its place is found (rare; otherwise one bulk insert).
                    db.executemany(_INSERT_MESSAGE, rows)
                    rows, newest_waiting = [], {}
                last = key > newest[m.group_id]
                newest[m.group_id] = max(key, newest[m.group_id])
                highest = self._number_and_place(db, m, highest, last=last)
                rows.append(_message_row(m))
                newest_waiting[m.group_id] = max(key, newest_waiting.get(m.group_id, key))
                new.append(m)
        db.executemany(_INSERT_MESSAGE, rows)
        _put_kv(db, _NUMBERS_KEY, highest)
        return new

    def index_pending(self, limit: int | None = None) -> bool:
        """Put up to `limit` (None: all) of the messages stored with `index_later` into the
        full-text index, in one transaction; True while more wait. Idle time does this a
        chunk at a time; a search does it all first."""
        with self._writing("the search index") as db:
            _index_pending_in(db, limit)
            return db.execute("SELECT 1 FROM index_pending LIMIT 1").fetchone() is not None

    def index_waiting(self) -> bool:
        """Whether any stored message still waits for the full-text index."""
        return self._one("SELECT 1 FROM index_pending LIMIT 1") is not None

    def get_message(self, group_id: str, msg_id: str) -> Message | None:
        row = self._one(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE group_id = ? AND msg_id = ?",
            (group_id, msg_id),
        )
        return None if row is None else _message_from(row)

    def message_by_envelope(self, group_id: str, envelope_id: str) -> Message | None:
        """The message whose envelope id (b64u BLAKE2b-256) is `envelope_id`: how deletes name
        messages end to end (docs/PROTOCOL.md §9.5)."""
        row = self._one(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages "
            "WHERE group_id = ? AND json_extract(extra, '$.env') = ?",
            (group_id, envelope_id),
        )
        return None if row is None else _message_from(row)

    def message_by_seq(self, group_id: str, seq: int) -> Message | None:
        """The message the relay numbered `seq` (moderators remove messages by that number)."""
        row = self._one(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE group_id = ? AND seq = ? AND seq > 0",
            (group_id, seq),
        )
        return None if row is None else _message_from(row)

    def latest(
        self,
        group_id: str,
        limit: int = 50,
        before_ts: int | None = None,
        *,
        before_msg_id: str | None = None,
    ) -> list[Message]:
        """The newest `limit` messages (older than `before_ts` if given), oldest first, in
        the display order (`order_key`, `peertui.ui.ordering`).

        Paging by `before_ts` alone skips messages that share the boundary millisecond; pass
        the oldest message already shown as `before_msg_id` (with its ts) to page exactly.
        """
        if before_ts is None:
            rows = self._all(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE group_id = ? "
                f"ORDER BY {_ORDER_DESC} LIMIT ?",
                (group_id, limit),
            )
        else:
            boundary = self._one(
                "SELECT sender FROM messages WHERE group_id = ? AND msg_id = ? AND ts = ?",
                (group_id, before_msg_id, before_ts),
            )
            # Without the boundary message, everything before its millisecond ('' sorts first).
            sender, msg_id = (boundary[0], before_msg_id) if boundary else ("", "")
            rows = self._all(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE group_id = ? "
                f"AND ({_ORDER}) < (?, ?, ?) ORDER BY {_ORDER_DESC} LIMIT ?",
                (group_id, before_ts, sender, msg_id, limit),
            )
        return [_message_from(row) for row in reversed(rows)]

    def following(
        self, group_id: str, after_ts: int, after_msg_id: str, limit: int = 50
    ) -> list[Message]:
        """The `limit` messages right after the given one in the display order, oldest first:
        the page below it, for a view that shows a window of a long conversation."""
        boundary = self._one(
            "SELECT sender FROM messages WHERE group_id = ? AND msg_id = ? AND ts = ?",
            (group_id, after_msg_id, after_ts),
        )
        # Without the boundary message, everything after its millisecond (U+FFFF sorts last).
        sender, msg_id = (boundary[0], after_msg_id) if boundary else ("\uffff", "")
        rows = self._all(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE group_id = ? "
            f"AND ({_ORDER}) > (?, ?, ?) ORDER BY {_ORDER} LIMIT ?",
            (group_id, after_ts, sender, msg_id, limit),
        )
        return [_message_from(row) for row in rows]

    def search(self, query: str, group_id: str | None = None, limit: int = 50) -> list[Message]:
        """The newest `limit` messages containing every word of `query` (each as a prefix),
        newest first in the display order (`order_key`, as every view of a conversation lists
        them, `peertui.ui.ordering`), late arrivals included.

        The full-text index's row id is the search key (time, then a slot), so the index
        hands back hits in display order and the page costs the same whether a word is in ten
        messages or a million: no sort of all matches. Within one millisecond the slots follow
        the order messages were stored, not the display order (sender, then message id), so
        the matches of the page's last
        millisecond are all fetched and the page is cut in display order. Docs: PERFORMANCE.md.

        The query is never interpreted as FTS5 syntax, so quotes, `*`, `AND`, `-`, `NEAR(`
        and the like are simply searched for as words.
        """
        with self._lock:
            match = self._match_expression(query)
            if not match or limit <= 0:
                return []
            waiting = self._index_waiting_for_search()
            group_filter = "" if group_id is None else " AND m.group_id = ?"
            group = () if group_id is None else (group_id,)
            rows = self._db.execute(
                _SEARCH_NEWEST.format(where="", group=group_filter), (match, *group, limit)
            ).fetchall()
            last_key = rows[-1][-1] if len(rows) == limit else 0
            first_of_millisecond = (last_key >> _SLOT_BITS) << _SLOT_BITS
            if last_key > first_of_millisecond:  # others of its millisecond may come next
                rows += self._db.execute(
                    _SEARCH_NEWEST.format(
                        where=" AND messages_fts.rowid BETWEEN ? AND ?", group=group_filter
                    ).replace(" LIMIT ?", ""),
                    (match, first_of_millisecond, last_key - 1, *group),
                ).fetchall()
            if waiting:
                rows += self._search_waiting(match, group_filter, group)
        found = sorted((_message_from(row[:-1]) for row in rows), key=order_key, reverse=True)
        return found[:limit]

    def _index_waiting_for_search(self) -> bool:
        """Index every message still waiting (a backlog stored with `index_later`) before a
        search; True if that could not be saved (a full disk), so the search must also look
        through the waiting messages itself (`_search_waiting`)."""
        if self._db.execute("SELECT 1 FROM index_pending LIMIT 1").fetchone() is None:
            return False
        try:
            self.index_pending()
        except StoreError:
            return True
        return False

    def _search_waiting(self, match: str, group_filter: str, group: tuple) -> list[tuple]:
        """Every waiting message that matches, found through an index of just them in memory
        (the same tokenizer and prefixes, so the same answers) when the disk cannot take them."""
        db = self._db
        try:
            db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.waiting_fts USING fts5 "
                f"(text, content = '', tokenize = '{_TOKENIZER}', prefix = '1 2 3')"
            )
            db.execute(
                "INSERT INTO temp.waiting_fts (rowid, text) SELECT m.search_key, m.text "
                "FROM index_pending AS p JOIN messages AS m ON m.id = p.message"
            )
            query = (
                _SEARCH_NEWEST.format(where="", group=group_filter)
                .replace("messages_fts", "waiting_fts")
                .replace(" LIMIT ?", "")
            )
            return db.execute(query, (match, *group)).fetchall()
        finally:
            db.execute("DROP TABLE IF EXISTS temp.waiting_fts")

    def _match_expression(self, query: str) -> str:
        """`fts_query(query)`, with each long plain word (4+ ASCII letters or digits, past the
        prefix indexes) replaced by the OR of the index's words that start with it: FTS5 reads
        a prefix's whole list of hits before the first one, while a word streams newest first.
        Empty when nothing can match."""
        words = _search_words(query)
        long_words = [w.lower() for w in words if _is_long_plain_word(w)]
        if long_words and not self._learn_pending_terms():
            long_words = []  # (the disk is full: search the slow way, still exactly)
        parts = []
        for word in words:
            prefix = word.lower()
            if prefix not in long_words:
                parts.append(_prefix_phrase(word))
                continue
            after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            terms = [
                term
                for (term,) in self._db.execute(
                    "SELECT term FROM search_terms WHERE term >= ? AND term < ? LIMIT ?",
                    (prefix, after, _MAX_TERMS_PER_WORD + 1),
                )
            ]
            if not terms:
                return ""  # no stored message has a word starting with it
            if len(terms) > _MAX_TERMS_PER_WORD:
                parts.append(_prefix_phrase(word))
            else:
                parts.append("(" + " OR ".join(_phrase(t) for t in terms) + ")")
        return " AND ".join(parts)

    def _learn_pending_terms(self) -> bool:
        """Add the words of messages stored since the last search to `search_terms`, split by
        FTS5's own tokenizer (a contentless in-memory index, then its vocabulary); False when
        that could not be saved. A backlog of a million takes seconds, once."""
        with self._lock:
            if self._db.execute("SELECT 1 FROM search_terms_pending LIMIT 1").fetchone() is None:
                return True
            try:
                with self._writing("the search words") as db:
                    while True:
                        ids = [
                            m
                            for (m,) in db.execute(
                                "SELECT message FROM search_terms_pending ORDER BY message LIMIT ?",
                                (_PENDING_CHUNK,),
                            )
                        ]
                        if not ids:
                            return True
                        db.execute(
                            "INSERT INTO temp.new_words (rowid, text) SELECT m.id, m.text "
                            "FROM search_terms_pending AS p JOIN messages AS m ON m.id = p.message "
                            "WHERE p.message BETWEEN ? AND ?",
                            (ids[0], ids[-1]),
                        )
                        db.execute(
                            "INSERT OR IGNORE INTO search_terms (term) "
                            "SELECT term FROM temp.new_words_terms"
                        )
                        db.execute("INSERT INTO temp.new_words (new_words) VALUES ('delete-all')")
                        db.execute(
                            "DELETE FROM search_terms_pending WHERE message BETWEEN ? AND ?",
                            (ids[0], ids[-1]),
                        )
            except StoreError:
                with contextlib.suppress(sqlcipher3.Error):
                    self._db.execute("INSERT INTO temp.new_words (new_words) VALUES ('delete-all')")
                return False

    def mark_removed(self, group_id: str, msg_id: str, reason: str) -> bool:
        """Record a moderator's removal. The text and content warning are erased (and leave the
        search index) so removed words do not linger on disk; False if no such message."""
        with self._writing("the removal") as db:
            _index_pending_in(db)  # (the index is asked below whether a word is still stored)
            words = _words_of(db, "group_id = ? AND msg_id = ?", (group_id, msg_id))
            cursor = db.execute(
                "UPDATE messages SET removed_reason = ?, text = '', cw = '' "
                "WHERE group_id = ? AND msg_id = ?",
                (reason, group_id, msg_id),
            )
            _forget_words_no_longer_stored(db, words)
            return cursor.rowcount > 0

    def purge_history(self, older_than_ms: int) -> int:
        """Delete every message with ts < older_than_ms (an epoch-ms cutoff); returns how many."""
        with self._writing("the history clean-up") as db:
            _index_pending_in(db)  # (the index is asked below whether a word is still stored)
            words = _words_of(db, "ts < ?", (older_than_ms,))
            count = db.execute("DELETE FROM messages WHERE ts < ?", (older_than_ms,)).rowcount
            _forget_words_no_longer_stored(db, words)
            return count

    def export_group(self, group_id: str, path: str | Path, words: ExportWords) -> int:
        """Write the group's history as readable text (owner-only file); returns message count.
        `words` are the file's headings and labels in the person's language."""
        target = Path(path).expanduser()
        if target.is_dir():
            raise ExportRefused(target, "is_folder")
        if not target.parent.is_dir():
            raise ExportRefused(target, "no_folder")
        state = self.load_group(group_id) or {}
        name = state.get("name") or group_id
        try:
            fd, tmp_name = tempfile.mkstemp(
                dir=target.parent, prefix=".peertui-export-", suffix=".tmp"
            )
        except OSError as exc:
            raise _file_error(exc, target) from exc
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(words.title.format(name=name) + "\n")
                out.write(words.written.format(when=_local_time(_now_ms())) + "\n\n")
                count = 0
                for m in self._all_messages(group_id):
                    out.write(_export_line(m, words))
                    count += 1
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp_name, target)
        except OSError as exc:
            Path(tmp_name).unlink(missing_ok=True)
            raise _file_error(exc, target) from exc
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return count

    # -- outbox (messages typed while offline; survives restarts) --------------------------

    def outbox_add(self, group_id: str, item_id: str, payload: dict) -> None:
        text = _to_json(payload, "the outgoing message")
        with self._writing("the outgoing message") as db:
            db.execute(
                "INSERT INTO outbox (item_id, group_id, payload) VALUES (?, ?, ?) "
                "ON CONFLICT (item_id) DO UPDATE SET payload = excluded.payload",
                (item_id, group_id, text),
            )

    def outbox_list(self, group_id: str | None = None) -> list[tuple[str, str, dict]]:
        """(group_id, item_id, payload) for each waiting item, in the order they were added."""
        if group_id is None:
            rows = self._all("SELECT group_id, item_id, payload FROM outbox ORDER BY id")
        else:
            rows = self._all(
                "SELECT group_id, item_id, payload FROM outbox WHERE group_id = ? ORDER BY id",
                (group_id,),
            )
        return [(gid, item_id, json.loads(payload)) for gid, item_id, payload in rows]

    def outbox_number(self, number: int) -> bool:
        """Whether a message waiting in the outbox holds this number (`reserve_number`)."""
        row = self._one(
            "SELECT 1 FROM outbox WHERE json_extract(payload, '$.number') = ?", (number,)
        )
        return row is not None

    def outbox_to_draft(
        self, item_id: str, draft_key: str, text: str, note_key: str, note: str
    ) -> str:
        """Move a waiting message back into a draft in one transaction, so a crash in between
        can neither lose it nor keep it twice. The text goes after any draft already there.
        Returns the draft as it now is."""
        with self._writing("the returned message") as db:
            row = db.execute("SELECT value FROM kv WHERE key = ?", (draft_key,)).fetchone()
            current = json.loads(row[0]) if row else ""
            draft = f"{current}\n{text}" if isinstance(current, str) and current.strip() else text
            for key, value in ((draft_key, draft), (note_key, note)):
                db.execute(
                    "INSERT INTO kv (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, _to_json(value, "the returned message")),
                )
            db.execute("DELETE FROM outbox WHERE item_id = ?", (item_id,))
        return draft

    def outbox_remove(self, item_id: str) -> None:
        with self._writing("the outbox") as db:
            db.execute("DELETE FROM outbox WHERE item_id = ?", (item_id,))

    # -- plumbing --------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self, what: str) -> Iterator[None]:
        """Group many writes into one transaction (one commit): every write made inside, by
        this thread, is kept together or not at all. Other threads wait until it ends.

        If any write inside fails, the whole transaction is rolled back and the error is
        raised when the block ends, even if the code inside caught it: a half-written batch
        is never committed."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            with self._writing(what):
                self._depth, self._failed = 1, None
                try:
                    yield
                finally:
                    self._depth = 0
                if self._failed is not None:
                    raise self._failed

    @contextlib.contextmanager
    def _writing(self, what: str) -> Iterator[sqlcipher3.Connection]:
        """One write transaction; a full disk rolls it back and becomes StorageFull.

        Inside `transaction()` it joins the open transaction instead of starting one."""
        with self._lock:
            if self._depth:
                try:
                    yield self._db
                except BaseException as exc:
                    self._failed = self._failed or exc
                    raise
                return
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    # SQLite may already have rolled back on its own (e.g. after SQLITE_FULL).
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlcipher3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                if _is_full(exc):
                    raise StorageFull("save") from exc
                raise SaveFailed(str(exc)) from exc

    def _one(self, sql: str, params: tuple = ()) -> tuple | None:
        with self._lock:
            return self._db.execute(sql, params).fetchone()

    def _all(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _all_messages(self, group_id: str) -> Iterator[Message]:
        """Oldest first, a page at a time so a huge history never sits in memory at once."""
        after: tuple[int, str, str] = (-(2**63), "", "")
        while True:
            rows = self._all(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE group_id = ? "
                f"AND ({_ORDER}) > (?, ?, ?) ORDER BY {_ORDER} LIMIT ?",
                (group_id, *after, _EXPORT_PAGE),
            )
            for row in rows:
                yield _message_from(row)
            if len(rows) < _EXPORT_PAGE:
                return
            after = order_key(_message_from(rows[-1]))


# The newest hits first, by search key: the index drives (CROSS JOIN keeps it the outer loop)
# and SQLite stops after `limit` rows of the group. The last column is the search key.
_SEARCH_NEWEST = (
    "SELECT "
    + ", ".join(f"m.{c.strip()}" for c in _MESSAGE_COLUMNS.split(","))
    + ", m.search_key FROM messages_fts CROSS JOIN messages AS m "
    "ON m.search_key = messages_fts.rowid WHERE messages_fts MATCH ?{where}{group} "
    "ORDER BY messages_fts.rowid DESC LIMIT ?"
)
# A long word with more terms than this in the index is searched as a prefix after all.
_MAX_TERMS_PER_WORD = 128

_INSERT_MESSAGE = (
    f"INSERT INTO messages ({_MESSAGE_COLUMNS}, search_key) "
    f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {_NEXT_SEARCH_KEY})"
)


@dataclass(frozen=True)
class ExportWords:
    """The headings and labels of an export file, worded by the front-ends
    (`peertui.ui.wording.export_words`): each a template, filled in here."""

    title: str  # {name}: the group's name
    written: str  # {when}: the local time the file was written
    removed: str  # {reason}: a message the moderators removed
    content_warning: str  # {cw}: the content warning a message carries


def wipe(paths: Paths) -> list[Leftover]:
    """Delete everything peertui keeps for this home, including its keyring entry.

    The caller closes the Store first. Returns each thing that remains (typed: worded by
    `peertui.ui.problems.leftover`).
    """
    problems = forget_key(paths)
    for file in (
        *paths.db_companions(),
        paths.unlock_file,
        paths.config_file,
        *paths.first_run_markers,
    ):
        _remove_file(file, problems)
    for directory in (paths.data_dir, paths.exports_dir, paths.themes_dir):
        _remove_tree(directory, problems)
    for leftover in dict.fromkeys((paths.config_dir, paths.home)):  # often the same folder
        _remove_empty_dir(leftover, problems)
    return problems


def fts_query(query: str) -> str:
    """Turn what a person typed into a safe FTS5 query: every word quoted, as a prefix."""
    return " ".join(_prefix_phrase(w) for w in _search_words(query))


def _index_pending_in(db: sqlcipher3.Connection, limit: int | None = None) -> None:
    """Index up to `limit` (None: all) waiting messages, oldest stored first, inside the
    caller's write transaction (see `_INDEX_LATER`)."""
    while limit is None or limit > 0:
        chunk = _INDEX_CHUNK if limit is None else min(limit, _INDEX_CHUNK)
        ids = [
            m
            for (m,) in db.execute(
                "SELECT message FROM index_pending ORDER BY message LIMIT ?", (chunk,)
            )
        ]
        if not ids:
            return
        db.execute(
            "INSERT INTO messages_fts (rowid, text) SELECT m.search_key, m.text "
            "FROM index_pending AS p JOIN messages AS m ON m.id = p.message "
            "WHERE p.message BETWEEN ? AND ?",
            (ids[0], ids[-1]),
        )
        db.execute("DELETE FROM index_pending WHERE message BETWEEN ? AND ?", (ids[0], ids[-1]))
        if limit is not None:
            limit -= len(ids)


def _words_of(db: sqlcipher3.Connection, where: str, params: tuple) -> list[str]:
    """The index's words in the messages `where` selects (split as the index splits them)."""
    try:
        db.execute(
            f"INSERT INTO temp.new_words (rowid, text) SELECT id, text FROM messages WHERE {where}",
            params,
        )
        return [term for (term,) in db.execute("SELECT term FROM temp.new_words_terms")]
    finally:
        db.execute("INSERT INTO temp.new_words (new_words) VALUES ('delete-all')")


def _forget_words_no_longer_stored(db: sqlcipher3.Connection, words: list[str]) -> None:
    """Take out of `search_terms` the words no stored message has any more, so a removed or
    purged message's words do not linger on disk in the list either."""
    for word in words:
        if (
            db.execute(
                "SELECT 1 FROM messages_fts WHERE messages_fts MATCH ? LIMIT 1", (_phrase(word),)
            ).fetchone()
            is None
        ):
            db.execute("DELETE FROM search_terms WHERE term = ?", (word,))


def _search_words(query: str) -> list[str]:
    # FTS5 reads the query as a C string, so a NUL would cut it off mid-quote.
    return [w for w in query.replace("\x00", " ").split() if any(c.isalnum() for c in w)]


def _prefix_phrase(word: str) -> str:
    return _phrase(word) + "*"


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _is_long_plain_word(word: str) -> bool:
    """A word FTS5 keeps whole as one term (ASCII letters and digits only) and longer than the
    longest prefix index."""
    return word.isascii() and word.isalnum() and len(word) > 3


def _unlock(connection: sqlcipher3.Connection, key: bytes, paths: Paths) -> None:
    # SQLCipher otherwise writes its own error lines to stderr, straight into the user's terminal.
    connection.execute("PRAGMA cipher_log_level = NONE")
    # A raw key ("x'...'") makes SQLCipher skip its own PBKDF2 on top of our key derivation.
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", None) != _SQLITE_NOTADB:
            raise
        raise DatabaseKeyMismatch(paths.db_file) from exc


def _prepare(connection: sqlcipher3.Connection) -> None:
    connection.execute("PRAGMA temp_store = MEMORY")
    connection.execute("PRAGMA busy_timeout = 5000")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    # Zero deleted content inside the (encrypted) pages, so purged history is not recoverable
    # even by someone who later learns the key.
    connection.execute("PRAGMA secure_delete = ON")
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    if version == 0:
        connection.executescript(
            f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version = {_SCHEMA_VERSION}; COMMIT;"
        )
    elif version == 5:
        connection.executescript(
            f"BEGIN IMMEDIATE; {_DEFER_INDEX} PRAGMA user_version = {_SCHEMA_VERSION}; COMMIT;"
        )
    elif version == 4:
        steps = _SEARCH_KEYS + _TERMS_FROM_INDEX
        connection.executescript(
            f"BEGIN IMMEDIATE; {steps} PRAGMA user_version = {_SCHEMA_VERSION}; COMMIT;"
        )
    elif version in (1, 2, 3):
        steps = (_NUMBERS if version < 3 else "") + _SHARED_ORDER + _SEARCH_KEYS + _TERMS_FROM_INDEX
        connection.executescript(
            f"BEGIN IMMEDIATE; {steps} PRAGMA user_version = {_SCHEMA_VERSION}; COMMIT;"
        )
    elif version > _SCHEMA_VERSION:
        raise DatabaseTooNew(version)
    # FTS5's own tokenizer, to split the text of newly stored messages into the index's words
    # (`Store._learn_pending_terms`); in memory, like every temporary table here.
    connection.executescript(
        "CREATE VIRTUAL TABLE temp.new_words USING fts5 "
        f"(text, content = '', detail = none, tokenize = '{_TOKENIZER}');"
        "CREATE VIRTUAL TABLE temp.new_words_terms USING fts5vocab(temp, new_words, row);"
    )


def _create_private_file(path: Path) -> None:
    """Create the database file owner-only; SQLite gives -wal and -shm the same mode."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def order_key(m: Message) -> tuple[int, str, str]:
    """Where a message goes in the display order, alike on every device: its order time
    (`receive_rules.order_time`), then its sender's member id and its message id (both the
    same everywhere), never this device's number (docs/PROTOCOL.md §9.6)."""
    return (m.ts, m.sender, m.msg_id)


def _message_row(m: Message) -> tuple:
    return (
        m.group_id,
        m.msg_id,
        m.seq,
        m.sender,
        m.nick,
        m.text,
        m.ts,
        m.kind,
        m.cw,
        m.removed_reason,
        _to_json(m.extra, "the message's extra fields"),
        m.number,
    )


def _message_from(row: tuple) -> Message:
    group_id, msg_id, seq, sender, nick, text, ts, kind, cw, removed_reason, extra, number = row
    return Message(
        group_id, msg_id, seq, sender, nick, text, ts, kind, cw, removed_reason,
        extra=json.loads(extra), number=number,
    )  # fmt: skip


def _put_kv(db: sqlcipher3.Connection, key: str, value: Any) -> None:
    db.execute(
        "INSERT INTO kv (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, _to_json(value, f"the value for '{key}'")),
    )


def _to_json(value: Any, what: str) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        # A bug, not the disk: the value's type (never its content) goes to the log.
        raise SaveFailed(f"{what} cannot be stored as JSON ({type(exc).__name__})") from exc


def _is_full(exc: sqlcipher3.Error) -> bool:
    return getattr(exc, "sqlite_errorcode", None) == _SQLITE_FULL or "disk is full" in str(exc)


def _folder_error(exc: OSError, paths: Paths) -> StoreError:
    if exc.errno == errno.ENOSPC:
        return StorageFull("setup", paths.data_dir)
    return FolderUnusable(Path(exc.filename or paths.data_dir), exc.strerror or str(exc))


def _file_error(exc: OSError, target: Path) -> StoreError:
    if exc.errno == errno.ENOSPC:
        return StorageFull("export", target)
    return ExportRefused(target, "unwritable", exc.strerror or str(exc))


def _export_line(m: Message, words: ExportWords) -> str:
    when = _local_time(m.ts)
    if m.removed_reason is not None:
        return f"[{when}] {m.nick}: ({words.removed.format(reason=m.removed_reason)})\n"
    body = m.text.replace("\n", "\n    ")
    prefix = f"[{words.content_warning.format(cw=m.cw)}] " if m.cw else ""
    return f"[{when}] {m.nick}: {prefix}{body}\n"


def _local_time(ms: int) -> str:
    return datetime.datetime.fromtimestamp(ms / 1000).astimezone().strftime("%Y-%m-%d %H:%M %Z")


def _now_ms() -> int:
    return int(datetime.datetime.now().timestamp() * 1000)


def _remove_file(path: Path, problems: list[Leftover]) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        problems.append(NotDeleted(path, exc.strerror or str(exc)))


def _remove_tree(directory: Path, problems: list[Leftover]) -> None:
    if not directory.exists():
        return

    def report(_function: Any, path: str, exc_info: Any) -> None:
        problems.append(NotDeleted(Path(path), exc_info[1].strerror or str(exc_info[1])))

    shutil.rmtree(directory, onerror=report)


def _remove_empty_dir(directory: Path, problems: list[Leftover]) -> None:
    if not directory.exists():
        return
    remaining = sorted(p.name for p in directory.iterdir())
    if remaining:
        problems.append(ForeignFilesKept(directory, tuple(remaining)))
        return
    try:
        directory.rmdir()
    except OSError as exc:
        problems.append(NotDeleted(directory, exc.strerror or str(exc)))
