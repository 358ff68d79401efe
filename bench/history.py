"""History benchmark: the encrypted store with 1,000,000 messages in one group. Prints JSON.

    .venv/bin/python bench/history.py [--messages 1000000] [--repeats 7] [--reuse DIR]

Timings are medians of `--repeats` runs, in milliseconds. Without `--reuse` the homes are built
in a temp dir and thrown away; with `--reuse DIR` they are built once into DIR (untimed: a
million messages take a while on a busy machine) and later runs only measure. The raw-key path
uses an in-memory keyring backend (what a desktop keyring hands back is the same 32 bytes; a
reused home keeps its bench-only key in DIR); the Argon2id path uses a passphrase exactly as a
headless machine would.

Reference in the same run: the same schema, rows and search code (`Store` on a plain
connection) in unencrypted SQLite, so the cost of SQLCipher shows as a ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail

from peertui.core.keys import KDF_MEMLIMIT, KDF_OPSLIMIT
from peertui.core.store import (
    _INSERT_MESSAGE,
    _NUMBERS_KEY,
    _SCHEMA_VERSION,
    Message,
    Store,
    _message_row,
    _prepare,
    fts_query,
)
from peertui.paths import resolve_paths

WORDS = [
    "anxious",
    "tired",
    "sleep",
    "work",
    "family",
    "friend",
    "walk",
    "breathe",
    "today",
    "tomorrow",
    "night",
    "morning",
    "panic",
    "calm",
    "therapy",
    "appointment",
    "medication",
    "feeling",
    "better",
    "worse",
    "lonely",
    "support",
    "thanks",
    "listen",
    "help",
    "hard",
    "day",
    "week",
    "talk",
    "group",
    "share",
    "hope",
    "small",
    "step",
    "again",
    "maybe",
    "really",
    "think",
    "know",
    "want",
    "need",
    "try",
    "good",
    "bad",
    "okay",
    "heavy",
    "light",
    "tea",
    "music",
    "rain",
    "garden",
    "dog",
    "cat",
    "book",
    "film",
    "call",
    "text",
    "message",
    "wait",
]
GROUP = "bench-group"
PASSPHRASE = "benchmark passphrase, not a real one"


class MemoryKeyring(keyring.backend.KeyringBackend):
    # No `priority`, so keyring never picks this class by itself; it is only ever set explicitly.

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        self.entries.pop((service, username), None)


def make_messages(
    count: int, start_ts: int, rng: random.Random, prefix: str = "m"
) -> list[Message]:
    return [
        Message(
            group_id=GROUP,
            msg_id=f"{prefix}{i}",
            seq=i + 1,
            sender=f"member{i % 12}",
            nick=f"nick{i % 12}",
            text=" ".join(rng.choices(WORDS, k=rng.randint(4, 30))),
            ts=start_ts + i * 1500,
            cw="",
        )
        for i in range(count)
    ]


def message_chunks(
    count: int, start_ts: int, seed: int, size: int = 1000
) -> Iterator[list[Message]]:
    """The same messages for both stores, made a chunk at a time (a million do not fit well)."""
    rng = random.Random(seed)
    for offset in range(0, count, size):
        chunk = make_messages(min(size, count - offset), start_ts + offset * 1500, rng)
        for i, m in enumerate(chunk):
            # The number as the store gives it (the reference store has no one to give it).
            m.msg_id, m.seq, m.number = f"m{offset + i}", offset + i + 1, offset + i + 1
        yield chunk


QUERIES = ("garden", "anx", "therapy appointment", "tea rain dog", "t", "nothing-matches")
# "t" is a prefix of a dozen common words, so it matches nearly every message: the worst case.
START_TS = 1_700_000_000_000
LATE = 2000  # a backlog stored last whose times fall all over the history (late arrivals)
SEED = 20261125


def late_arrivals(count: int) -> list[Message]:
    """Messages written at random times in the history, stored after all of it."""
    rng = random.Random(SEED + 1)
    made = make_messages(LATE, START_TS, rng, prefix="late")
    return [
        replace(m, seq=0, ts=START_TS + rng.randrange(count * 1500), number=count + i + 1)
        for i, m in enumerate(made)
    ]


def build(db, count: int) -> float:
    """Store `count` messages as `Store.add_messages` does (a transaction per 1,000, the same
    insert statement and triggers), then the late backlog; returns the batched insert rate."""
    started = time.perf_counter()
    for chunk in message_chunks(count, START_TS, seed=SEED):
        db.execute("BEGIN IMMEDIATE")
        db.executemany(_INSERT_MESSAGE, [_message_row(m) for m in chunk])
        db.execute("COMMIT")
    rate = count / (time.perf_counter() - started)
    db.execute("BEGIN IMMEDIATE")
    db.executemany(_INSERT_MESSAGE, [_message_row(m) for m in late_arrivals(count)])
    db.execute(
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = ?",
        (_NUMBERS_KEY, str(count + LATE), str(count + LATE)),
    )
    db.execute("COMMIT")
    return rate


def prepare_homes(root: Path, count: int) -> dict:
    """The encrypted home and the plain reference in `root`, built there unless a finished
    build of the same size and schema is already there. Returns what the build recorded."""
    marker = root / "built.json"
    # (A home of an older schema is upgraded by `Store.open`, as a member's would be.)
    wanted = {"messages": count, "late_arrivals": LATE}
    if marker.exists():
        built = json.loads(marker.read_text())
        if {k: built.get(k) for k in wanted} == wanted:
            keyring.get_keyring().entries = {
                tuple(k.split("\t")): v for k, v in built["keyring"].items()
            }
            return built
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    load = os.getloadavg()[0]
    store = Store.open(resolve_paths(root / "raw-key-home"))
    cipher_rate = build(store._db, count)  # noqa: SLF001 - the bench fills the store in bulk
    store.close()
    plain = sqlite3.connect(root / "plain.db", isolation_level=None, check_same_thread=False)
    _prepare(plain)
    plain_rate = build(plain, count)
    plain.close()
    store = Store.open(resolve_paths(root / "raw-key-home"))
    store._learn_pending_terms()  # noqa: SLF001 - what the first search would do, untimed
    store.close()
    plain_db = sqlite3.connect(root / "plain.db", isolation_level=None)
    _prepare(plain_db)
    plain = Store(plain_db)
    plain._learn_pending_terms()  # noqa: SLF001
    plain.close()
    built = {
        **wanted,
        "schema_at_build": _SCHEMA_VERSION,
        "insert_batched_per_s": round(cipher_rate),
        "plain_insert_batched_per_s": round(plain_rate),
        "insert_batch_size": 1000,
        "load_average_at_build": load,
        # The bench home's own key (an in-memory keyring has nowhere else to keep it).
        "keyring": {"\t".join(k): v for k, v in keyring.get_keyring().entries.items()},
    }
    marker.write_text(json.dumps(built))
    return built


def median_ms(action, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 2)


def measure_searches(store: Store, repeats: int) -> dict:
    return {q: median_ms(lambda q=q: store.search(q, GROUP), repeats) for q in QUERIES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--reuse", type=Path, help="build the homes once into this folder")
    args = parser.parse_args()
    rng = random.Random(SEED)
    keyring.set_keyring(MemoryKeyring())
    with tempfile.TemporaryDirectory(prefix="peertui-bench-") as tmp:
        root = args.reuse or Path(tmp) / "homes"
        built = prepare_homes(root, args.messages)
        load_before = os.getloadavg()
        results: dict[str, object] = {
            "messages": args.messages + LATE,
            "late_arrivals": LATE,
            "repeats": args.repeats,
            "load_average_1_5_15": [round(x, 2) for x in load_before],
            "build": {k: v for k, v in built.items() if k != "keyring"},
        }
        paths = resolve_paths(root / "raw-key-home")

        def open_and_latest() -> None:
            with Store.open(paths) as opened:
                assert len(opened.latest(GROUP, 50)) == 50

        results["open_raw_key_and_latest_page_ms"] = median_ms(open_and_latest, args.repeats)
        results["open_raw_key_ms"] = median_ms(lambda: Store.open(paths).close(), args.repeats)

        store = Store.open(paths)
        middle = store.latest(GROUP, 1, before_ts=START_TS + args.messages * 750)[0]
        results["latest_page_ms"] = median_ms(lambda: store.latest(GROUP, 50), args.repeats)
        results["older_page_mid_history_ms"] = median_ms(
            lambda: store.latest(GROUP, 50, before_ts=middle.ts, before_msg_id=middle.msg_id),
            args.repeats,
        )
        first_after_open = {}
        for query in QUERIES:  # the page cache of a freshly opened store is empty
            with Store.open(paths) as fresh:
                started = time.perf_counter()
                fresh.search(query, GROUP)
                first_after_open[query] = round((time.perf_counter() - started) * 1000, 2)
        timed = measure_searches(store, args.repeats)
        searches = {}
        for query in QUERIES:
            (matching,) = (
                store._db.execute(  # noqa: SLF001 - counting only, for the table
                    "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?",
                    (fts_query(query),),
                ).fetchone()
                if fts_query(query)
                else (0,)
            )
            searches[query] = {
                "ms": timed[query],
                "first_after_open_ms": first_after_open[query],
                "matching_messages": matching,
            }
        results["search_first_page_of_50"] = searches
        # The way search worked before issue 12, in the same run: every match sorted by the
        # display order. Also the check that the fast page is exactly its first 50.
        sort_all = (
            "SELECT m.msg_id FROM messages_fts CROSS JOIN messages AS m "
            "ON m.search_key = messages_fts.rowid WHERE messages_fts MATCH ? AND m.group_id = ? "
            "ORDER BY m.ts DESC, m.sender DESC, m.msg_id DESC LIMIT 50"  # (`order_key`)
        )
        reference = {}
        for query in QUERIES:
            if not fts_query(query):
                continue
            started = time.perf_counter()  # one run: sorting every match of "t" takes seconds
            expected = [
                msg_id
                for (msg_id,) in store._db.execute(sort_all, (fts_query(query), GROUP))  # noqa: SLF001
            ]
            reference[query] = {
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "same_page_as_search": [m.msg_id for m in store.search(query, GROUP)] == expected,
                "late_arrivals_on_page": sum(msg_id.startswith("late") for msg_id in expected),
            }
        results["reference_sort_every_match"] = reference
        store._db.execute("PRAGMA cache_size = -65536")  # noqa: SLF001 - 64 MiB instead of 8
        results["search_ms_with_64_mib_cache"] = measure_searches(store, args.repeats)
        results["db_bytes"] = sum(p.stat().st_size for p in paths.data_dir.iterdir())
        results["page_size"] = store._db.execute("PRAGMA page_size").fetchone()[0]  # noqa: SLF001
        # Timed inside a transaction that is rolled back, so a reused home stays as built.
        store._db.execute("BEGIN IMMEDIATE")  # noqa: SLF001
        started = time.perf_counter()
        purged = store._db.execute(  # noqa: SLF001 - the statement `purge_history` runs
            "DELETE FROM messages WHERE ts < ?", (START_TS + (args.messages // 10) * 1500,)
        ).rowcount
        results["purge_oldest_tenth_ms"] = round((time.perf_counter() - started) * 1000, 1)
        store._db.execute("ROLLBACK")  # noqa: SLF001
        results["purged"] = purged
        store.close()

        # One message per transaction, into a small throwaway home (not the reused one).
        singles_paths = resolve_paths(Path(tmp) / "singles-home")
        with Store.open(singles_paths) as singles_store:
            singles_store.add_messages(make_messages(20_000, START_TS, rng, prefix="s"))
            singles_store.search("garden")  # learns the words of those 20,000
            singles = make_messages(2000, START_TS + 20_000 * 1500, rng, prefix="single")
            started = time.perf_counter()
            for m in singles:
                singles_store.add_message(m)
            results["insert_single_per_s_into_20k"] = round(
                len(singles) / (time.perf_counter() - started)
            )
            # The first search for a long word after them learns their words (`search_terms`).
            started = time.perf_counter()
            singles_store.search("garden")
            results["first_long_word_search_after_2000_new_messages_ms"] = round(
                (time.perf_counter() - started) * 1000, 1
            )

        keyring.set_keyring(keyring.backends.fail.Keyring())
        passphrase_paths = resolve_paths(Path(tmp) / "passphrase-home")
        Store.open(passphrase_paths, PASSPHRASE).close()
        results["open_argon2id_ms"] = median_ms(
            lambda: Store.open(passphrase_paths, PASSPHRASE).close(), args.repeats
        )
        results["argon2id"] = {"opslimit": KDF_OPSLIMIT, "memlimit_mib": KDF_MEMLIMIT >> 20}

        plain_db = sqlite3.connect(root / "plain.db", isolation_level=None, check_same_thread=False)
        _prepare(plain_db)
        plain = Store(plain_db)
        plain_searches = measure_searches(plain, args.repeats)
        results["plain_sqlite_reference"] = {
            "search_first_page_of_50_ms": plain_searches,
            "latest_page_ms": median_ms(lambda: plain.latest(GROUP, 50), args.repeats),
        }
        plain.close()
        results["search_vs_plain_sqlite"] = {
            q: round(searches[q]["ms"] / max(plain_searches[q], 0.01), 1) for q in QUERIES
        }
        results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]

    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
