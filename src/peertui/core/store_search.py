"""Finding messages in the full-text index, and keeping the index and its word list right.

Each function runs on the store's connection inside the caller's lock (and, for writes, its
write transaction); `peertui.core.store.Store` holds the lock and says when to write. What a
person types is never read as FTS5 syntax: every word is quoted and searched as a prefix.
"""

from __future__ import annotations

import sqlcipher3

from peertui.core.store_schema import SEARCH_NEWEST, SLOT_BITS, TOKENIZER

INDEX_CHUNK = 500  # pending messages indexed per statement when a search needs them all
PENDING_CHUNK = 5000  # messages whose words are learnt per statement

# A long word with more terms than this in the index is searched as a prefix after all.
_MAX_TERMS_PER_WORD = 128


def fts_query(query: str) -> str:
    """Turn what a person typed into a safe FTS5 query: every word quoted, as a prefix."""
    return " ".join(_prefix_phrase(w) for w in search_words(query))


def index_pending_in(db: sqlcipher3.Connection, limit: int | None = None) -> None:
    """Index up to `limit` (None: all) waiting messages, oldest stored first, inside the
    caller's write transaction (see `_INDEX_LATER`)."""
    while limit is None or limit > 0:
        chunk = INDEX_CHUNK if limit is None else min(limit, INDEX_CHUNK)
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


def words_of(db: sqlcipher3.Connection, where: str, params: tuple) -> list[str]:
    """The index's words in the messages `where` selects (split as the index splits them)."""
    try:
        db.execute(
            f"INSERT INTO temp.new_words (rowid, text) SELECT id, text FROM messages WHERE {where}",
            params,
        )
        return [term for (term,) in db.execute("SELECT term FROM temp.new_words_terms")]
    finally:
        db.execute("INSERT INTO temp.new_words (new_words) VALUES ('delete-all')")


def forget_words_no_longer_stored(db: sqlcipher3.Connection, words: list[str]) -> None:
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


def search_words(query: str) -> list[str]:
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


def newest_hits(
    db: sqlcipher3.Connection, match: str, group_id: str | None, limit: int
) -> list[tuple]:
    """The rows (message columns, then the search key) of the newest `limit` indexed messages
    that match, plus every other match of the page's last millisecond.

    The full-text index's row id is the search key (time, then a slot), so the index hands
    back hits in display order and the page costs the same whether a word is in ten messages
    or a million: no sort of all matches. Within one millisecond the slots follow the order
    messages were stored, not the display order (sender, then message id), so the caller cuts
    the page in display order after these extra rows. Docs: PERFORMANCE.md."""
    group_filter, group = _group_filter(group_id)
    rows = db.execute(
        SEARCH_NEWEST.format(where="", group=group_filter), (match, *group, limit)
    ).fetchall()
    last_key = rows[-1][-1] if len(rows) == limit else 0
    first_of_millisecond = (last_key >> SLOT_BITS) << SLOT_BITS
    if last_key > first_of_millisecond:  # others of its millisecond may come next
        rows += db.execute(
            SEARCH_NEWEST.format(
                where=" AND messages_fts.rowid BETWEEN ? AND ?", group=group_filter
            ).replace(" LIMIT ?", ""),
            (match, first_of_millisecond, last_key - 1, *group),
        ).fetchall()
    return rows


def waiting_hits(db: sqlcipher3.Connection, match: str, group_id: str | None) -> list[tuple]:
    """Every message still waiting for the index that matches, found through an index of just
    them in memory (the same tokenizer and prefixes, so the same answers): for when the disk
    cannot take them into the real index."""
    group_filter, group = _group_filter(group_id)
    try:
        db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.waiting_fts USING fts5 "
            f"(text, content = '', tokenize = '{TOKENIZER}', prefix = '1 2 3')"
        )
        db.execute(
            "INSERT INTO temp.waiting_fts (rowid, text) SELECT m.search_key, m.text "
            "FROM index_pending AS p JOIN messages AS m ON m.id = p.message"
        )
        query = (
            SEARCH_NEWEST.format(where="", group=group_filter)
            .replace("messages_fts", "waiting_fts")
            .replace(" LIMIT ?", "")
        )
        return db.execute(query, (match, *group)).fetchall()
    finally:
        db.execute("DROP TABLE IF EXISTS temp.waiting_fts")


def outbox_hits(db: sqlcipher3.Connection, query: str, group_id: str | None) -> list[tuple]:
    """(group_id, item_id, payload) of every message waiting in the outbox whose text matches
    `query`, oldest first: written while the relay was away, they are in no index yet, and a
    member searching for what they just wrote must find it. The outbox is small, so an index
    of just its texts is built in memory (the same tokenizer and prefixes, so the same
    answers) and dropped."""
    match = fts_query(query)
    if not match:
        return []
    group_filter = "" if group_id is None else " AND o.group_id = ?"
    group = () if group_id is None else (group_id,)
    try:
        db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.outbox_fts USING fts5 "
            f"(text, content = '', tokenize = '{TOKENIZER}', prefix = '1 2 3')"
        )
        db.execute(
            "INSERT INTO temp.outbox_fts (rowid, text) "
            "SELECT id, json_extract(payload, '$.text') FROM outbox"
        )
        return db.execute(
            "SELECT o.group_id, o.item_id, o.payload FROM outbox_fts "
            "CROSS JOIN outbox AS o ON o.id = outbox_fts.rowid "
            f"WHERE outbox_fts MATCH ?{group_filter} ORDER BY o.id",
            (match, *group),
        ).fetchall()
    finally:
        db.execute("DROP TABLE IF EXISTS temp.outbox_fts")


def match_expression(db: sqlcipher3.Connection, query: str, *, terms_known: bool) -> str:
    """`fts_query(query)`, with each long plain word (4+ ASCII letters or digits, past the
    prefix indexes) replaced by the OR of the index's words that start with it: FTS5 reads
    a prefix's whole list of hits before the first one, while a word streams newest first.
    `terms_known`: the word list is up to date (`learn_pending_terms`); without it (a full
    disk) every word is searched as a prefix, slower and still exact. Empty when nothing can
    match."""
    words = search_words(query)
    long_words = [w.lower() for w in words if _is_long_plain_word(w)] if terms_known else []
    parts = []
    for word in words:
        prefix = word.lower()
        if prefix not in long_words:
            parts.append(_prefix_phrase(word))
            continue
        after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        terms = [
            term
            for (term,) in db.execute(
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


def needs_terms(query: str) -> bool:
    """Whether `match_expression` looks words up in the word list for this query."""
    return any(_is_long_plain_word(w) for w in search_words(query))


def terms_pending(db: sqlcipher3.Connection) -> bool:
    return db.execute("SELECT 1 FROM search_terms_pending LIMIT 1").fetchone() is not None


def learn_pending_terms(db: sqlcipher3.Connection) -> None:
    """Add the words of messages stored since the last search to `search_terms`, inside the
    caller's write transaction, split by FTS5's own tokenizer (a contentless in-memory index,
    then its vocabulary). A backlog of a million takes seconds, once."""
    while True:
        ids = [
            m
            for (m,) in db.execute(
                "SELECT message FROM search_terms_pending ORDER BY message LIMIT ?",
                (PENDING_CHUNK,),
            )
        ]
        if not ids:
            return
        db.execute(
            "INSERT INTO temp.new_words (rowid, text) SELECT m.id, m.text "
            "FROM search_terms_pending AS p JOIN messages AS m ON m.id = p.message "
            "WHERE p.message BETWEEN ? AND ?",
            (ids[0], ids[-1]),
        )
        db.execute(
            "INSERT OR IGNORE INTO search_terms (term) SELECT term FROM temp.new_words_terms"
        )
        db.execute("INSERT INTO temp.new_words (new_words) VALUES ('delete-all')")
        db.execute(
            "DELETE FROM search_terms_pending WHERE message BETWEEN ? AND ?", (ids[0], ids[-1])
        )


def forget_unlearnt_words(db: sqlcipher3.Connection) -> None:
    """Empty the in-memory splitter after a failed `learn_pending_terms`."""
    db.execute("INSERT INTO temp.new_words (new_words) VALUES ('delete-all')")


def _group_filter(group_id: str | None) -> tuple[str, tuple]:
    return ("", ()) if group_id is None else (" AND m.group_id = ?", (group_id,))
