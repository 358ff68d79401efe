"""History search at any size: the fast query (newest first from the full-text index, by
search key) gives exactly what a scan of every message would, in the display order
(the sender's time, then the number), late arrivals and messages of one millisecond included."""

from __future__ import annotations

import contextlib
import random
import re
from dataclasses import replace

import pytest
from tests.core.test_store import PASSPHRASE, V3_SEARCH, V4_SEARCH, message

from peertui.core.store import Message, StorageFull, Store, order_key

# A passphrase home and an open store: the fixtures of tests/core/conftest.py.
pytestmark = pytest.mark.usefixtures("no_keyring")


WORDS = [
    "garden",
    "gardening",
    "gardens",
    "tea",
    "team",
    "tired",
    "therapy",
    "the",
    "appointment",
    "rain",
    "rainy",
    "dog",
    "walk",
    "walking",
    "sleep",
    "sleepless",
    "calm",
    "call",
    "a",
    "x9",
]
QUERIES = [
    "garden",
    "gard",
    "g",
    "tea",
    "te",
    "t",
    "therapy",
    "the",
    "rain dog",
    "walking",
    "walk sleep",
    "sleepl",
    "appointment therapy",
    "ca",
    "calm call",
    "x9",
    "nothing",
    "GARDEN",
    "gardens!",
]


def brute_force(messages: list[Message], query: str, group: str | None, limit: int) -> list[str]:
    """Every message, scanned: each word of the query is the start of a word of its text."""
    words = [w.strip("!").lower() for w in query.split()]
    hits = [
        m
        for m in messages
        if (group is None or m.group_id == group)
        and all(
            any(token.startswith(w) for token in re.findall(r"[a-z0-9]+", m.text.lower()))
            for w in words
        )
    ]
    hits.sort(key=order_key, reverse=True)
    return [f"{m.group_id}/{m.msg_id}" for m in hits[:limit]]


def found(store: Store, query: str, group: str | None, limit: int) -> list[str]:
    return [f"{m.group_id}/{m.msg_id}" for m in store.search(query, group_id=group, limit=limit)]


def random_history(store: Store, rng: random.Random, count: int) -> None:
    """`count` messages in three groups, arriving out of time order in runs (a backlog read
    after being offline, a relay that holds some back), many in the same millisecond, some
    sent from here with a number reserved while they were queued."""
    made = 0
    now = 1_700_000_000_000
    while made < count:
        run = []
        backlog = rng.random() < 0.3
        for _ in range(rng.randint(1, 60)):
            if backlog:
                ts = now - rng.randint(0, 3_000_000)  # older than what is already here
            else:
                now += rng.choice([0, 0, 1, 7, 1000])  # often the same millisecond
                ts = now
            text = " ".join(rng.choices(WORDS, k=rng.randint(1, 6)))
            run.append(
                replace(message(made, group=rng.choice(["g1", "g2", "g3"])), ts=ts, text=text)
            )
            made += 1
        if rng.random() < 0.5:
            store.add_new_messages(run)
        else:
            for m in run:
                if rng.random() < 0.1:
                    m.number = store.reserve_number()  # queued first, then stored
                    for k in range(2):  # others arrive meanwhile, in its millisecond
                        other = replace(message(made), msg_id=f"r{made}_{k}", ts=now)
                        store.add_message(replace(other, text=rng.choice(WORDS)))
                    m.ts = now
                store.add_message(m)


def stored(store: Store) -> list[Message]:
    return [m for g in ("g1", "g2", "g3") for m in store.latest(g, limit=1_000_000)]


def assert_search_matches_a_scan(store: Store, rng: random.Random) -> None:
    everything = stored(store)
    for query in QUERIES:
        for group in (None, "g1", "g2"):
            limit = rng.choice([1, 5, 50, 200])
            assert found(store, query, group, limit) == brute_force(
                everything, query, group, limit
            ), (query, group, limit)


@pytest.mark.parametrize("seed", [1, 2])
def test_search_gives_what_a_scan_of_every_message_gives(paths, seed):
    rng = random.Random(seed)
    with Store.open(paths, PASSPHRASE) as store:
        random_history(store, rng, 3000)
        assert_search_matches_a_scan(store, rng)
        # Removed and purged messages leave the results; the rest stays exact.
        for m in rng.sample(stored(store), 200):
            store.mark_removed(m.group_id, m.msg_id, "off topic")
        oldest = min(m.ts for m in stored(store))
        store.purge_history(oldest + 500_000)
        assert_search_matches_a_scan(store, rng)


def test_a_late_backlog_is_listed_at_its_place_in_time(store):
    store.add_messages(message(i, text=f"tea at {i}") for i in range(100, 200))
    # A backlog read after days offline: older messages, stored after the newer ones.
    backlog = [message(i, text=f"tea from the backlog {i}") for i in range(150, 160)]
    backlog = [replace(m, msg_id=f"late{m.seq}", ts=m.ts - 1) for m in backlog]
    store.add_new_messages(backlog)
    page = store.search("tea", limit=50)
    # The newest 50 by time: 199 .. 150 of the first run and the late ones between them.
    assert [m.ts for m in page] == sorted((m.ts for m in page), reverse=True)
    assert page[0].msg_id == "m199"
    assert {m.msg_id for m in page if m.msg_id.startswith("late")} == {
        f"late{i}" for i in range(155, 160)
    }
    assert page[-1].msg_id == "late155"
    late = next(m for m in page if m.msg_id == "late157")
    assert page[page.index(late) - 1].msg_id == "m157"  # just before its own minute's message
    assert late.extra["late_before"] == next(m for m in page if m.msg_id == "m157").number


def test_messages_of_one_millisecond_are_paged_in_the_display_order(store):
    """Within a millisecond the index's slots follow arrival, the display order follows sender
    and message id: the page's last millisecond is cut exactly in the display order."""
    reserved = store.reserve_number()
    same = [replace(message(i, text="rain again"), ts=5_000) for i in range(1, 5)]
    store.add_messages(same)
    mine = replace(message(9, text="rain here too"), ts=5_000, number=reserved)
    store.add_message(mine)
    newest = [m.msg_id for m in store.search("rain", limit=5)]
    # (sender, message id) descending: key2/m2, key1/m4, key1/m1, key0/m9, key0/m3.
    assert newest == ["m2", "m4", "m1", "m9", "m3"]
    for limit in range(1, 5):
        assert [m.msg_id for m in store.search("rain", limit=limit)] == newest[:limit]


def test_a_long_word_with_many_words_starting_with_it_is_still_found_whole(store):
    # More words in the index start with "garden" than are looked up one by one.
    store.add_messages(
        message(i, text=f"garden{chr(97 + i // 26)}{chr(97 + i % 26)} plot") for i in range(100)
    )
    assert len(store.search("garden", limit=1000)) == 100
    assert len(store.search("gardenb plot", limit=1000)) == 26
    assert store.search("gardenzz") == []


def test_words_the_index_splits_or_folds_are_searched_as_typed(store):
    store.add_messages(
        [
            message(1, text="Café tomorrow? Don't forget"),
            message(2, text="cafeteria closed"),
            message(3, text="I don t know"),
        ]
    )
    assert [m.msg_id for m in store.search("café")] == ["m2", "m1"]
    assert [m.msg_id for m in store.search("CAFE")] == ["m2", "m1"]
    assert [m.msg_id for m in store.search("don't")] == ["m3", "m1"]
    assert [m.msg_id for m in store.search("tomorrow?")] == ["m1"]


def test_an_old_home_gets_search_keys_and_searches_exactly(paths):
    rng = random.Random(7)
    with Store.open(paths, PASSPHRASE) as store:
        random_history(store, rng, 600)
        store._db.executescript(V3_SEARCH)  # as a home written before search keys
    with Store.open(paths, PASSPHRASE) as store:
        (version,) = store._db.execute("PRAGMA user_version").fetchone()
        assert version == 6
        assert_search_matches_a_scan(store, rng)
        store.add_message(replace(message(5000, text="garden after the update"), ts=1))
        store.add_message(message(5001, text="garden newest"))
        assert [m.msg_id for m in store.search("garden", group_id="g1", limit=1)] == ["m5001"]
        assert store.search("after the update")[0].msg_id == "m5000"
        assert_search_matches_a_scan(store, rng)


def test_a_home_without_the_list_of_words_gets_it_from_its_index(paths):
    rng = random.Random(8)
    with Store.open(paths, PASSPHRASE) as store:
        random_history(store, rng, 400)
        store._db.executescript(V4_SEARCH)  # as a home written before search keys and words
    with Store.open(paths, PASSPHRASE) as store:
        (version,) = store._db.execute("PRAGMA user_version").fetchone()
        (pending,) = store._db.execute("SELECT count(*) FROM search_terms_pending").fetchone()
        assert version == 6 and pending == 0  # every word came from the index itself
        assert_search_matches_a_scan(store, rng)


def test_words_of_new_messages_are_found_by_the_next_search(store):
    store.add_message(message(1, text="gardening club"))
    assert [m.msg_id for m in store.search("garden")] == ["m1"]
    store.add_new_messages([message(2, text="the gardener came"), message(3, text="Gardens")])
    store.add_message(message(4, text="a new word: horticulture"))
    assert [m.msg_id for m in store.search("garden")] == ["m3", "m2", "m1"]
    assert [m.msg_id for m in store.search("horti")] == ["m4"]
    store.mark_removed("g1", "m4", "spam")
    assert store.search("horticulture") == []


def words_kept(store: Store) -> set[str]:
    return {t for (t,) in store._db.execute("SELECT term FROM search_terms")}


def test_removed_purged_and_deleted_messages_leave_no_words_behind(store):
    """The list of words is on disk like the index: a removed message's words go with it."""
    store.add_messages(
        [
            message(1, text="my address is 12 elmstreet"),
            message(2, text="a word shared: garden"),
            message(3, text="garden secretword"),
            message(4, group="g2", text="garden othergroupword"),
        ]
    )
    assert store.search("elmst") and {"elmstreet", "secretword", "othergroupword"} <= words_kept(
        store
    )
    store.mark_removed("g1", "m1", "personal details")
    assert "elmstreet" not in words_kept(store) and "address" not in words_kept(store)
    assert "garden" in words_kept(store)  # other messages still have it
    store.purge_history(message(3).ts + 1)
    assert "secretword" not in words_kept(store) and "garden" in words_kept(store)
    store.delete_group("g2")
    assert words_kept(store) == set()
    assert store.search("garden") == []


def test_a_full_disk_while_learning_new_words_still_finds_every_match(store, monkeypatch):
    store.add_messages(message(i, text=f"gardening {i}") for i in range(1, 20))

    def full(what):
        raise StorageFull("save")

    monkeypatch.setattr(store, "_writing", lambda what: contextlib.nullcontext(full(what)))
    assert len(store.search("gardening", limit=100)) == 19
    # (the words were not learnt: the search went the slow way)
    assert store._db.execute("SELECT count(*) FROM search_terms_pending").fetchone() == (19,)
