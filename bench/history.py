"""History benchmark: the encrypted store with 1,000,000 messages in one group. Prints JSON.

    .venv/bin/python bench/history.py [--messages 1000000] [--repeats 7]

The full run takes a few minutes; `--messages 100000` is a quick one. Timings are medians of
`--repeats` runs, in milliseconds, on a throwaway home in a temp dir. The raw-key path uses an
in-memory keyring backend (what a desktop keyring hands back is the same 32 bytes); the
Argon2id path uses a passphrase exactly as a headless machine would.

Reference in the same run: the same schema and the same searches in plain (unencrypted)
SQLite, so the cost of SQLCipher shows as a ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail

from peertui.core.keys import KDF_MEMLIMIT, KDF_OPSLIMIT
from peertui.core.store import _INSERT_MESSAGE, _SCHEMA, Message, Store, _message_row, fts_query
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


def plain_sqlite_reference(path: Path, count: int, repeats: int, start_ts: int) -> dict:
    """Same schema, same rows, same search SQL as Store.search, without encryption."""
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(f"PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; {_SCHEMA}")
    started = time.perf_counter()
    for chunk in message_chunks(count, start_ts, seed=20261125):
        db.execute("BEGIN")
        db.executemany(_INSERT_MESSAGE, [_message_row(m) for m in chunk])
        db.execute("COMMIT")
    results: dict[str, object] = {
        "insert_batched_per_s": round(count / (time.perf_counter() - started))
    }
    sql = (
        "SELECT m.id FROM messages_fts CROSS JOIN messages AS m ON m.id = messages_fts.rowid "
        "WHERE messages_fts MATCH ? AND m.group_id = ? ORDER BY messages_fts.rowid DESC LIMIT 50"
    )
    results["search_first_page_of_50_ms"] = {
        q: median_ms(lambda q=q: db.execute(sql, (fts_query(q), GROUP)).fetchall(), repeats)
        for q in QUERIES
    }
    results["latest_page_ms"] = median_ms(
        lambda: db.execute(
            "SELECT * FROM messages WHERE group_id = ? ORDER BY ts DESC, number DESC LIMIT 50",
            (GROUP,),
        ).fetchall(),
        repeats,
    )
    db.close()
    return results


def median_ms(action, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(20261125)
    results: dict[str, object] = {"messages": args.messages, "repeats": args.repeats}

    with tempfile.TemporaryDirectory(prefix="peertui-bench-") as tmp:
        keyring.set_keyring(MemoryKeyring())
        paths = resolve_paths(Path(tmp) / "raw-key-home")
        start_ts = 1_700_000_000_000
        store = Store.open(paths)
        started = time.perf_counter()
        last: Message | None = None
        middle: Message | None = None
        for chunk in message_chunks(args.messages, start_ts, seed=20261125):
            store.add_messages(chunk)
            last = chunk[-1]
            if middle is None and last.seq >= args.messages // 2:
                middle = chunk[-1]
        elapsed = time.perf_counter() - started
        assert last is not None and middle is not None
        results["insert_batched_per_s"] = round(args.messages / elapsed)
        results["insert_batch_size"] = 1000

        singles = make_messages(2000, last.ts + 1500, rng, prefix="single")
        started = time.perf_counter()
        for m in singles:
            store.add_message(m)
        results["insert_single_per_s"] = round(len(singles) / (time.perf_counter() - started))
        store.close()

        def open_and_latest() -> None:
            with Store.open(paths) as opened:
                assert len(opened.latest(GROUP, 50)) == 50

        results["open_raw_key_and_latest_page_ms"] = median_ms(open_and_latest, args.repeats)
        results["open_raw_key_ms"] = median_ms(lambda: Store.open(paths).close(), args.repeats)

        store = Store.open(paths)
        middle_ts = middle.ts
        results["latest_page_ms"] = median_ms(lambda: store.latest(GROUP, 50), args.repeats)
        results["older_page_mid_history_ms"] = median_ms(
            lambda: store.latest(GROUP, 50, before_ts=middle_ts, before_msg_id=middle.msg_id),
            args.repeats,
        )
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
                "ms": median_ms(lambda q=query: store.search(q, GROUP), args.repeats),
                "matching_messages": matching,
            }
        results["search_first_page_of_50"] = searches
        results["db_bytes"] = sum(p.stat().st_size for p in paths.data_dir.iterdir())
        started = time.perf_counter()
        purged = store.purge_history(start_ts + (args.messages // 10) * 1500)
        results["purge_oldest_tenth_ms"] = round((time.perf_counter() - started) * 1000, 1)
        results["purged"] = purged
        store.close()

        keyring.set_keyring(keyring.backends.fail.Keyring())
        passphrase_paths = resolve_paths(Path(tmp) / "passphrase-home")
        Store.open(passphrase_paths, PASSPHRASE).close()
        results["open_argon2id_ms"] = median_ms(
            lambda: Store.open(passphrase_paths, PASSPHRASE).close(), args.repeats
        )
        results["argon2id"] = {"opslimit": KDF_OPSLIMIT, "memlimit_mib": KDF_MEMLIMIT >> 20}

        plain = plain_sqlite_reference(
            Path(tmp) / "plain.db", args.messages, args.repeats, start_ts
        )
        results["plain_sqlite_reference"] = plain
        results["search_vs_plain_sqlite"] = {
            q: round(searches[q]["ms"] / max(plain["search_first_page_of_50_ms"][q], 0.01), 1)
            for q in QUERIES
        }

    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
