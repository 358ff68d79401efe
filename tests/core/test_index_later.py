"""Issue 12: a backlog's messages are stored first and put into the full-text index later
(`Store.add_new_messages(..., index_later=True)`, then `Store.index_pending`). Search never
misses a waiting message, removals and purges stay exact and leave no words behind, the index
stays consistent when a waiting message is deleted or changed, and a home of schema 5 gets it."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from tests.core.test_search_order import QUERIES, WORDS, brute_force, found, stored, words_kept
from tests.core.test_store import PASSPHRASE, message

from peertui.core.store import Store

# A passphrase home and an open store: the fixtures of tests/core/conftest.py.
pytestmark = pytest.mark.usefixtures("no_keyring")


def waiting(store: Store) -> int:
    return store._db.execute("SELECT count(*) FROM index_pending").fetchone()[0]


def assert_index_consistent(store: Store) -> None:
    """FTS5's own checks: the index is sound as it is, and once every waiting message is in
    it, it holds exactly the stored texts (a 'delete' of words the index never got, or a
    waiting message indexed twice, fails here)."""
    store._db.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
    store.index_pending()
    store._db.execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)")
    indexed = store._db.execute("SELECT count(*) FROM messages_fts").fetchone()[0]
    assert indexed == store._db.execute("SELECT count(*) FROM messages").fetchone()[0]


def test_a_search_finds_messages_still_waiting_for_the_index(store):
    store.add_new_messages([message(1, text="the garden before")])
    store.add_new_messages(
        [message(i, text=f"gardening backlog {i}") for i in range(2, 40)], index_later=True
    )
    assert waiting(store) == 38 and store.index_waiting()
    # Not in the index yet, and still found, newest first, the older message too.
    hits = [m.msg_id for m in store.search("garden", limit=100)]
    assert hits == [f"m{i}" for i in range(39, 1, -1)] + ["m1"]
    assert waiting(store) == 0 and not store.index_waiting()  # the search indexed them
    assert_index_consistent(store)


def test_idle_indexing_goes_a_chunk_at_a_time(store):
    store.add_new_messages([message(i) for i in range(1, 451)], index_later=True)
    assert store.index_pending(200) is True and waiting(store) == 250
    assert store.index_pending(200) is True and waiting(store) == 50
    assert store.index_pending(200) is False and waiting(store) == 0
    assert len(store.search("number", limit=1000)) == 450
    assert_index_consistent(store)


def test_a_full_disk_still_finds_waiting_messages(store):
    store.add_new_messages([message(i, text=f"gardening {i}") for i in range(1, 30)])
    store.add_new_messages(
        [message(i, text=f"gardening late {i}") for i in range(30, 60)], index_later=True
    )
    with store._lock:  # SQLite's own size limit: the index cannot grow
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count = {pages}")
    hits = [m.msg_id for m in store.search("garden", limit=100)]
    assert hits == [f"m{i}" for i in range(59, 0, -1)]
    assert [m.msg_id for m in store.search("late", limit=5)] == [f"m{i}" for i in range(59, 54, -1)]
    assert [m.msg_id for m in store.search("gardening 42")] == ["m42"]
    assert waiting(store) == 30  # still waiting: nothing could be written
    with store._lock:
        store._db.execute("PRAGMA max_page_count = 1073741823")
    assert len(store.search("garden", limit=100)) == 59 and waiting(store) == 0
    assert_index_consistent(store)


def test_a_waiting_message_deleted_or_changed_before_its_turn_leaves_the_index_right(store):
    store.add_new_messages([message(i, text=f"indexed word{i}") for i in range(1, 5)])
    store.add_new_messages(
        [message(i, text=f"waiting word{i}") for i in range(5, 15)], index_later=True
    )
    store.add_new_messages(
        [message(i, group="g2", text=f"other waiting {i}") for i in range(15, 40)],
        index_later=True,
    )
    with store._lock:  # what the triggers see, below every method that indexes first
        store._db.execute("DELETE FROM messages WHERE msg_id IN ('m5', 'm2')")
        store._db.execute("UPDATE messages SET text = 'changed text' WHERE msg_id = 'm6'")
        store._db.execute("UPDATE messages SET text = 'changed indexed' WHERE msg_id = 'm3'")
    assert waiting(store) == 9 + 25
    store.delete_group("g2")  # deletes messages still waiting
    assert waiting(store) == 9
    assert_index_consistent(store)
    assert [m.msg_id for m in store.search("changed")] == ["m6", "m3"]
    assert [m.msg_id for m in store.search("waiting", limit=100)] == [
        f"m{i}" for i in range(14, 6, -1)
    ]
    assert store.search("word5") == [] and store.search("word2") == []
    assert store.search("other") == []
    assert_index_consistent(store)


def test_removing_a_waiting_message_leaves_no_words_behind(store):
    store.add_new_messages(
        [
            message(1, text="my address is 12 elmstreet"),
            message(2, text="garden secretword"),
            message(3, text="garden"),
        ],
        index_later=True,
    )
    assert store._learn_pending_terms()  # their words are known, their index rows not yet
    assert {"elmstreet", "secretword", "garden"} <= words_kept(store) and waiting(store) == 3
    store.mark_removed("g1", "m1", "personal details")
    assert "elmstreet" not in words_kept(store) and "garden" in words_kept(store)
    assert store.search("elmstreet") == []
    store.add_new_messages([message(4, text="late secretword")], index_later=True)
    assert store._learn_pending_terms()
    store.purge_history(message(3).ts + 1)
    assert "secretword" in words_kept(store)  # m4, still waiting, has it
    assert [m.msg_id for m in store.search("secretword")] == ["m4"]
    assert_index_consistent(store)


@pytest.mark.parametrize("seed", [3, 4])
def test_search_with_waiting_messages_gives_what_a_scan_gives(paths, seed):
    """Random runs stored now or later, idle chunks in between, removals and purges: every
    search gives exactly what a scan of every stored message gives."""
    rng = random.Random(seed)
    with Store.open(paths, PASSPHRASE) as store:
        now, made = 1_700_000_000_000, 0
        for _round in range(6):
            for _ in range(rng.randint(5, 15)):
                run = []
                for _ in range(rng.randint(1, 60)):
                    now += rng.choice([0, 1, 1000])
                    ts = now - (rng.randint(0, 3_000_000) if rng.random() < 0.2 else 0)
                    text = " ".join(rng.choices(WORDS, k=rng.randint(1, 6)))
                    group = rng.choice(["g1", "g2", "g3"])
                    run.append(replace(message(made, group=group), ts=ts, text=text))
                    made += 1
                store.add_new_messages(run, index_later=rng.random() < 0.7)
                if rng.random() < 0.3:
                    store.index_pending(rng.randint(1, 100))
            if rng.random() < 0.5:
                for m in rng.sample(stored(store), 20):
                    store.mark_removed(m.group_id, m.msg_id, "off topic")
            everything = stored(store)
            for query in rng.sample(QUERIES, 4):
                group = rng.choice([None, "g1", "g2"])
                limit = rng.choice([1, 5, 50, 200])
                assert found(store, query, group, limit) == brute_force(
                    everything, query, group, limit
                ), (query, group, limit)
        store.purge_history(min(m.ts for m in stored(store)) + 500_000)
        assert_index_consistent(store)


def test_a_schema_5_home_gets_indexing_later(paths):
    with Store.open(paths, PASSPHRASE) as store:
        store.add_new_messages([message(i, text=f"garden {i}") for i in range(1, 6)])
        store._db.executescript(SCHEMA_5)  # as a home written before indexing later
    with Store.open(paths, PASSPHRASE) as store:
        (version,) = store._db.execute("PRAGMA user_version").fetchone()
        assert version == 6
        store.add_new_messages(
            [message(i, text=f"garden {i}") for i in range(6, 30)], index_later=True
        )
        assert waiting(store) == 24
        assert len(store.search("garden", limit=100)) == 29
        assert_index_consistent(store)


SCHEMA_5 = """
DROP TRIGGER messages_fts_insert; DROP TRIGGER messages_fts_delete; DROP TRIGGER messages_fts_update;
DROP TABLE index_later; DROP TABLE index_pending;
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.search_key, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text)
    VALUES ('delete', old.search_key, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text)
    VALUES ('delete', old.search_key, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.search_key, new.text);
END;
PRAGMA user_version = 5;
"""
