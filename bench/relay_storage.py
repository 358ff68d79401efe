"""The relay's SQLite writer alone: one transaction per post against group commit; prints JSON.

    .venv/bin/python bench/relay_storage.py [--posts 1280] [--batches 1,8,32,128]
        [--switch-intervals 0.005,0.001,0.0005]

The real `SqliteStorage` (WAL, synchronous=FULL) in a fresh directory on the same disk as the
relay would use (the system temp dir), 1 KiB envelopes with an idempotency key each. "one
transaction per post" stores each post in its own `append_batch` call (what the relay did
before group commit: one COMMIT and one fsync each); "group commit, batch N" stores N posts per
call, as the relay's writer does when N posts wait for it. CPU is this process's time per post
(the storage thread's share of the relay's CPU); wall is the elapsed time per post, mostly the
fsync of each commit.

"behind a busy event loop" runs batches of 16 on a second thread, as the relay's storage
thread does, while this thread runs pure Python (as the event loop does during a wide
fan-out), for each GIL switch interval: every SQLite statement and the commit's fsync give the
GIL up, and the writer must win it back each time. Reported: the median wall time of a batch,
and the busy thread's progress (loops per second) while the writer runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time

from nacl.signing import SigningKey

from peertui_relay.storage import VISIBLE_TO_ALL, Append, SqliteStorage
from peertui_wire.roster import genesis

BODY = json.dumps({"envelope": "A" * 1368}, separators=(",", ":"))  # 1 KiB, base64


def measure(storage: SqliteStorage, group_id: str, posts: int, batch: int, first: int) -> dict:
    appends = [
        Append(group_id, "message", b"s" * 32, 1, BODY, VISIBLE_TO_ALL, b"", f"k{first + i:012d}")
        for i in range(posts)
    ]
    cpu, wall = time.process_time(), time.perf_counter()
    for start in range(0, posts, batch):
        outcomes = storage.append_batch(appends[start : start + batch])
        assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "posts": posts,
        "cpu_us_per_post": round(cpu / posts * 1e6),
        "wall_us_per_post": round(wall / posts * 1e6),
        "posts_per_s": round(posts / wall),
    }


def behind_busy_loop(storage: SqliteStorage, group_id: str, switch: float, first: int) -> dict:
    """Batches of 16 written on their own thread while this one computes (see the docstring)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(switch)
    stop = threading.Event()
    batch_ms: list[float] = []

    def writer() -> None:
        n = first
        while not stop.is_set():
            batch = [
                Append(
                    group_id, "message", b"s" * 32, 1, BODY, VISIBLE_TO_ALL, b"", f"k{n + i:012d}"
                )
                for i in range(16)
            ]
            n += 16
            started = time.perf_counter()
            storage.append_batch(batch)
            batch_ms.append((time.perf_counter() - started) * 1e3)

    thread = threading.Thread(target=writer)
    loops, started = 0, time.perf_counter()
    thread.start()
    try:
        while time.perf_counter() - started < 3.0:
            sum(range(1000))  # holds the GIL, as Python code on the event loop does
            loops += 1
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(before)
    return {
        "batches": len(batch_ms),
        "median_batch_ms": round(statistics.median(batch_ms), 2),
        "busy_loops_per_s": round(loops / (time.perf_counter() - started)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1280)
    parser.add_argument("--batches", default="1,8,32,128")
    parser.add_argument("--switch-intervals", default="0.005,0.001,0.0005")
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        storage = SqliteStorage(tmp)
        key = SigningKey.generate()
        event = genesis(key)
        storage.create_group(event["group"], bytes(key.verify_key), 10**12, event, 1)
        report: dict = {"load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
        first = 0
        for batch in batches:
            label = "one transaction per post" if batch == 1 else f"group commit, batch {batch}"
            report[label] = measure(storage, event["group"], args.posts, batch, first)
            first += args.posts
        for switch in [float(x) for x in args.switch_intervals.split(",")]:
            label = f"batch 16 behind a busy event loop, switch interval {switch * 1e3:g} ms"
            report.setdefault(label, []).append(
                behind_busy_loop(storage, event["group"], switch, first)
            )
            first += 10**7
        report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        storage.close()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
