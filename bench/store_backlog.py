"""Storing a backlog: CPU per message of `Store.add_new_messages` in runs of 250, with the
full-text index written in the same transaction (per-row trigger) and with `index_later`
(the index written afterwards in bulk by `Store.index_pending`, chunks of 200); prints JSON.

    .venv/bin/python bench/store_backlog.py [--messages 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import keyring
import keyring.backends.fail

from peertui.core.store import Message, Store
from peertui.paths import resolve_paths

WORDS = [
    "i",
    "feel",
    "like",
    "the",
    "garden",
    "helps",
    "me",
    "when",
    "everything",
    "is",
    "too",
    "much",
    "today",
    "and",
    "tomorrow",
    "we",
    "talk",
    "about",
    "sleep",
    "work",
    "family",
    "friends",
]


def backlog(rng: random.Random, count: int) -> list[Message]:
    return [
        Message(
            group_id="g",
            msg_id=f"m{i}",
            seq=i + 1,
            sender=f"s{i % 4}",
            nick="n",
            text=" ".join(
                rng.choice(WORDS) + rng.choice(["", "s", "ing", "ed"])
                for _ in range(rng.randint(3, 40))
            ),
            ts=1_700_000_000_000 + i,
            extra={"key": "k" * 43, "env": "e" * 43},
        )
        for i in range(count)
    ]


def measure(count: int, later: bool) -> tuple[float, float]:
    messages = backlog(random.Random(1), count)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(resolve_paths(Path(tmp)), "bench passphrase")
        try:
            started = time.process_time()
            for start in range(0, count, 250):
                with store.transaction("bench"):
                    store.add_new_messages(messages[start : start + 250], index_later=later)
            stored = time.process_time() - started
            started = time.process_time()
            while store.index_pending(200):
                pass
            indexed = time.process_time() - started
        finally:
            store.close()
    return stored * 1000 / count, indexed * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    keyring.set_keyring(keyring.backends.fail.Keyring())  # a passphrase home, no keyring
    results: dict[str, dict[str, float]] = {}
    for later in (False, True):
        runs = [measure(args.messages, later) for _ in range(args.repeat)]
        stored, indexed = min(runs, key=lambda r: r[0] + r[1])
        results["index_later" if later else "index_now"] = {
            "store_cpu_ms_per_message": round(stored, 3),
            "index_afterwards_cpu_ms_per_message": round(indexed, 3),
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
