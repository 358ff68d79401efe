"""The database's tables, its full-text index and the steps from each older version.

Every statement the store runs on many rows is written here once: the message columns, the
display order, storing a message with its search key, the newest hits of a search.
"""

from __future__ import annotations

import sqlcipher3

from peertui.core.store_errors import DatabaseKeyMismatch, DatabaseTooNew
from peertui.paths import Paths

SCHEMA_VERSION = 6
_SQLITE_NOTADB = 26

# Every searched word is a prefix ("word"*). Without a prefix index FTS5 gathers every term
# that starts with it into one list before returning any hit, so a one-letter search of a
# million messages took seconds; with indexes for 1 to 3 letters those are direct look-ups.
#
# The index's row id is a message's search key: its place in the display order (the sender's
# time in its high bits, then a slot for messages of the same millisecond, given in the order
# they are stored), so the index hands back hits newest first in the order the conversation
# shows them and a page stops after 50 hits, whatever the number of matches. See `search`.
TOKENIZER = "unicode61 remove_diacritics 2"
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
    tokenize = '{TOKENIZER}', prefix = '1 2 3'
);
{_INDEX_LATER}
"""
# Version 5 to 6: indexing a backlog later.
_DEFER_INDEX = f"""
DROP TRIGGER messages_fts_insert; DROP TRIGGER messages_fts_delete; DROP TRIGGER messages_fts_update;
{_INDEX_LATER}
"""
# Every word the index holds, so a long word typed as a prefix can be looked up as the words
# that start with it (`Store._match_expression`). Stored messages wait in `search_terms_pending`
# until a search needs the words; they are then split by FTS5's own tokenizer (see
# `_learn_pending_terms`), so the list holds exactly the index's terms. Removing, purging or
# deleting messages takes out the words no stored message has any more (a removed message's
# words must not linger on disk), `forget_words_no_longer_stored`.
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

# Search keys: the time (clamped to 0 .. 2^42 - 1 ms, past the year 2100) shifted left by 20
# bits, plus a slot: the next free one of that millisecond, so 2^20 messages fit in one.
SLOT_BITS = 20
_KEY_TIME_MAX = (1 << 42) - 1


def _key_time(ts_sql: str) -> str:
    return f"MIN(MAX({ts_sql}, 0), {_KEY_TIME_MAX})"


# The search key of a message about to be stored at time ?7 (its `ts` in `INSERT_MESSAGE`).
_NEXT_SEARCH_KEY = (
    f"(SELECT COALESCE(MAX(search_key) + 1, {_key_time('?7')} << {SLOT_BITS}) FROM messages "
    f"WHERE search_key BETWEEN {_key_time('?7')} << {SLOT_BITS} "
    f"AND ({_key_time('?7')} << {SLOT_BITS}) + {(1 << SLOT_BITS) - 1})"
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
ORDER = "ts, sender, msg_id"
ORDER_DESC = "ts DESC, sender DESC, msg_id DESC"
# Version 1 to 4, to 5: search keys, and the full-text index rebuilt on them (with the prefix
# indexes version 1 lacked). Messages of one millisecond get their slots in the display order. A
# minute or two for a million messages, once.
_SEARCH_KEYS = f"""
DROP TRIGGER messages_fts_insert; DROP TRIGGER messages_fts_delete; DROP TRIGGER messages_fts_update;
DROP TABLE messages_fts;
ALTER TABLE messages ADD COLUMN search_key INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET search_key = keyed.key FROM (
    SELECT id, ({_key_time("ts")} << {SLOT_BITS})
        + ROW_NUMBER() OVER (PARTITION BY {_key_time("ts")} ORDER BY sender, msg_id) - 1 AS key
    FROM messages
) AS keyed WHERE messages.id = keyed.id;
CREATE UNIQUE INDEX messages_by_search_key ON messages (search_key);
{_FTS}
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
"""

MESSAGE_COLUMNS = (
    "group_id, msg_id, seq, sender, nick, text, ts, kind, cw, removed_reason, extra, number"
)

# The newest hits first, by search key: the index drives (CROSS JOIN keeps it the outer loop)
# and SQLite stops after `limit` rows of the group. The last column is the search key.
SEARCH_NEWEST = (
    "SELECT "
    + ", ".join(f"m.{c.strip()}" for c in MESSAGE_COLUMNS.split(","))
    + ", m.search_key FROM messages_fts CROSS JOIN messages AS m "
    "ON m.search_key = messages_fts.rowid WHERE messages_fts MATCH ?{where}{group} "
    "ORDER BY messages_fts.rowid DESC LIMIT ?"
)

INSERT_MESSAGE = (
    f"INSERT INTO messages ({MESSAGE_COLUMNS}, search_key) "
    f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {_NEXT_SEARCH_KEY})"
)


def unlock(connection: sqlcipher3.Connection, key: bytes, paths: Paths) -> None:
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


def prepare(connection: sqlcipher3.Connection) -> None:
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
            f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
        )
    elif version == 5:
        connection.executescript(
            f"BEGIN IMMEDIATE; {_DEFER_INDEX} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
        )
    elif version == 4:
        steps = _SEARCH_KEYS + _TERMS_FROM_INDEX
        connection.executescript(
            f"BEGIN IMMEDIATE; {steps} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
        )
    elif version in (1, 2, 3):
        steps = (_NUMBERS if version < 3 else "") + _SHARED_ORDER + _SEARCH_KEYS + _TERMS_FROM_INDEX
        connection.executescript(
            f"BEGIN IMMEDIATE; {steps} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
        )
    elif version > SCHEMA_VERSION:
        raise DatabaseTooNew(version)
    # FTS5's own tokenizer, to split the text of newly stored messages into the index's words
    # (`Store._learn_pending_terms`); in memory, like every temporary table here.
    connection.executescript(
        "CREATE VIRTUAL TABLE temp.new_words USING fts5 "
        f"(text, content = '', detail = none, tokenize = '{TOKENIZER}');"
        "CREATE VIRTUAL TABLE temp.new_words_terms USING fts5vocab(temp, new_words, row);"
    )
