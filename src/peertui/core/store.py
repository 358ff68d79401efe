"""The encrypted local database: history, groups, keys, outbox and small JSON values.

The whole file is SQLCipher-encrypted with a raw 32-byte key (see `peertui.core.keys`), so
SQLCipher's own slow KDF is skipped and the full-text index, which lives inside the same
database, is encrypted too. Temporary tables and sorts stay in memory so nothing is spilled
to an unencrypted temp file.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlcipher3

from peertui.core import store_search as index
from peertui.core.keys import (
    KeyringRefused,
    NoKeyAvailable,
    StoreError,
    WrongPassphrase,
    database_key,
    keyring_refusal,
    keyring_usable,
)
from peertui.core.store_errors import (
    DatabaseKeyMismatch,
    DatabaseTooNew,
    DatabaseUnopenable,
    ExportFault,
    ExportRefused,
    FolderUnusable,
    FullDuring,
    OldProtocolHome,
    SaveFailed,
    StorageFull,
)
from peertui.core.store_files import ExportWords, wipe, write_export
from peertui.core.store_schema import (
    INSERT_MESSAGE,
    MESSAGE_COLUMNS,
    ORDER,
    ORDER_DESC,
    prepare,
    unlock,
)
from peertui.paths import Paths, make_private_dir

__all__ = [
    "CROSSED_MS",
    "DatabaseKeyMismatch",
    "DatabaseTooNew",
    "DatabaseUnopenable",
    "ExportFault",
    "ExportRefused",
    "ExportWords",
    "FolderUnusable",
    "FullDuring",
    "Message",
    "NoKeyAvailable",
    "OldProtocolHome",
    "SaveFailed",
    "StorageFull",
    "Store",
    "StoreError",
    "WrongPassphrase",
    "order_key",
    "wipe",
]
_SQLITE_FULL = 13
_EXPORT_PAGE = 2000
_LOOKUP_CHUNK = 500  # message ids looked up per statement (SQLite allows 32,766 parameters)

# A message written at most this long before one of mine crossed mine on the way: it goes at
# its place, above mine, without being called late (`Store._number_and_place`).
CROSSED_MS = 5_000
# The highest message number given out on this device (kv key); numbers are never reused.
_NUMBERS_KEY = "message_numbers"


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
            unlock(connection, key, paths)
            prepare(connection)
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
            words = index.words_of(db, "group_id = ?", (group_id,))
            db.execute("DELETE FROM messages WHERE group_id = ?", (group_id,))
            index.forget_words_no_longer_stored(db, words)
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
        db.execute(INSERT_MESSAGE, _message_row(m))
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
            f"SELECT number FROM messages WHERE group_id = ? AND ({ORDER}) > (?, ?, ?) "
            "AND NOT (sender = ? AND ((? > 0 AND seq > ?) OR ts - ? < ?)) "
            f"ORDER BY {ORDER} LIMIT 1",
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
        row = self._one(f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE number = ?", (number,))
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
                f"SELECT {ORDER} FROM messages WHERE group_id = ? ORDER BY {ORDER_DESC} LIMIT 1",
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
                    db.executemany(INSERT_MESSAGE, rows)
                    rows, newest_waiting = [], {}
                last = key > newest[m.group_id]
                newest[m.group_id] = max(key, newest[m.group_id])
                highest = self._number_and_place(db, m, highest, last=last)
                rows.append(_message_row(m))
                newest_waiting[m.group_id] = max(key, newest_waiting.get(m.group_id, key))
                new.append(m)
        db.executemany(INSERT_MESSAGE, rows)
        _put_kv(db, _NUMBERS_KEY, highest)
        return new

    def index_pending(self, limit: int | None = None) -> bool:
        """Put up to `limit` (None: all) of the messages stored with `index_later` into the
        full-text index, in one transaction; True while more wait. Idle time does this a
        chunk at a time; a search does it all first."""
        with self._writing("the search index") as db:
            index.index_pending_in(db, limit)
            return db.execute("SELECT 1 FROM index_pending LIMIT 1").fetchone() is not None

    def index_waiting(self) -> bool:
        """Whether any stored message still waits for the full-text index."""
        return self._one("SELECT 1 FROM index_pending LIMIT 1") is not None

    def get_message(self, group_id: str, msg_id: str) -> Message | None:
        row = self._one(
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE group_id = ? AND msg_id = ?",
            (group_id, msg_id),
        )
        return None if row is None else _message_from(row)

    def message_by_envelope(self, group_id: str, envelope_id: str) -> Message | None:
        """The message whose envelope id (b64u BLAKE2b-256) is `envelope_id`: how deletes name
        messages end to end (docs/PROTOCOL.md §9.5)."""
        row = self._one(
            f"SELECT {MESSAGE_COLUMNS} FROM messages "
            "WHERE group_id = ? AND json_extract(extra, '$.env') = ?",
            (group_id, envelope_id),
        )
        return None if row is None else _message_from(row)

    def message_by_seq(self, group_id: str, seq: int) -> Message | None:
        """The message the relay numbered `seq` (moderators remove messages by that number)."""
        row = self._one(
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE group_id = ? AND seq = ? AND seq > 0",
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
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE group_id = ? "
                f"ORDER BY {ORDER_DESC} LIMIT ?",
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
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE group_id = ? "
                f"AND ({ORDER}) < (?, ?, ?) ORDER BY {ORDER_DESC} LIMIT ?",
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
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE group_id = ? "
            f"AND ({ORDER}) > (?, ?, ?) ORDER BY {ORDER} LIMIT ?",
            (group_id, after_ts, sender, msg_id, limit),
        )
        return [_message_from(row) for row in rows]

    def search(self, query: str, group_id: str | None = None, limit: int = 50) -> list[Message]:
        """The newest `limit` messages containing every word of `query` (each as a prefix),
        newest first in the display order (`order_key`, as every view of a conversation lists
        them, `peertui.ui.ordering`), late arrivals included. The page costs the same whether
        a word is in ten messages or a million (`store_search.newest_hits`).

        The query is never interpreted as FTS5 syntax, so quotes, `*`, `AND`, `-`, `NEAR(`
        and the like are simply searched for as words.
        """
        with self._lock:
            terms_known = not index.needs_terms(query) or self._learn_pending_terms()
            match = index.match_expression(self._db, query, terms_known=terms_known)
            if not match or limit <= 0:
                return []
            waiting = self._index_waiting_for_search()
            rows = index.newest_hits(self._db, match, group_id, limit)
            if waiting:
                rows += index.waiting_hits(self._db, match, group_id)
        found = sorted((_message_from(row[:-1]) for row in rows), key=order_key, reverse=True)
        return found[:limit]

    def search_outbox(self, query: str, group_id: str | None = None) -> list[tuple[str, str, dict]]:
        """(group_id, item_id, payload) of each message waiting to be sent whose text has every
        word of `query` (as `search` matches them), oldest first."""
        with self._lock:
            rows = index.outbox_hits(self._db, query, group_id)
        return [(gid, item_id, json.loads(payload)) for gid, item_id, payload in rows]

    def _index_waiting_for_search(self) -> bool:
        """Index every message still waiting (a backlog stored with `index_later`) before a
        search; True if that could not be saved (a full disk), so the search must also look
        through the waiting messages itself (`store_search.waiting_hits`)."""
        if not self.index_waiting():
            return False
        try:
            self.index_pending()
        except StoreError:
            return True
        return False

    def _learn_pending_terms(self) -> bool:
        """Bring the index's word list up to date (`store_search.learn_pending_terms`); False
        when that could not be saved (a full disk)."""
        with self._lock:
            if not index.terms_pending(self._db):
                return True
            try:
                with self._writing("the search words") as db:
                    index.learn_pending_terms(db)
            except StoreError:
                with contextlib.suppress(sqlcipher3.Error):
                    index.forget_unlearnt_words(self._db)
                return False
            return True

    def mark_removed(self, group_id: str, msg_id: str, reason: str) -> bool:
        """Record a moderator's removal. The text and content warning are erased (and leave the
        search index) so removed words do not linger on disk; False if no such message."""
        with self._writing("the removal") as db:
            index.index_pending_in(db)  # (the index is asked below whether a word is still stored)
            words = index.words_of(db, "group_id = ? AND msg_id = ?", (group_id, msg_id))
            cursor = db.execute(
                "UPDATE messages SET removed_reason = ?, text = '', cw = '' "
                "WHERE group_id = ? AND msg_id = ?",
                (reason, group_id, msg_id),
            )
            index.forget_words_no_longer_stored(db, words)
            return cursor.rowcount > 0

    def purge_history(self, older_than_ms: int) -> int:
        """Delete every message with ts < older_than_ms (an epoch-ms cutoff); returns how many."""
        with self._writing("the history clean-up") as db:
            index.index_pending_in(db)  # (the index is asked below whether a word is still stored)
            words = index.words_of(db, "ts < ?", (older_than_ms,))
            count = db.execute("DELETE FROM messages WHERE ts < ?", (older_than_ms,)).rowcount
            index.forget_words_no_longer_stored(db, words)
            return count

    def export_group(self, group_id: str, path: str | Path, words: ExportWords) -> int:
        """Write the group's history as readable text (owner-only file); returns message count.
        `words` are the file's headings and labels in the person's language."""
        state = self.load_group(group_id) or {}
        name = state.get("name") or group_id
        target = Path(path).expanduser()
        return write_export(target, name, self._all_messages(group_id), words)

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
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE group_id = ? "
                f"AND ({ORDER}) > (?, ?, ?) ORDER BY {ORDER} LIMIT ?",
                (group_id, *after, _EXPORT_PAGE),
            )
            for row in rows:
                yield _message_from(row)
            if len(rows) < _EXPORT_PAGE:
                return
            after = order_key(_message_from(rows[-1]))


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
