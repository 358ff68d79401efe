"""TUI input latency while a member catches up on a backlog; prints JSON.

    .venv/bin/python bench/tui_catchup.py [--messages 20000] [--key-every-ms 30]

A host and --senders - 1 other members (4 in all unless told) post N messages to a real
relay on loopback, at the same time, while the member is away. Then the real
Textual app opens the member's home (Textual's pilot, headless, 100x30), shows that group and
catches up, while a key is typed into the message box every --key-every-ms. Latency of a key
is the time from handing it to the app's driver until the message box holds it. Reference in
the same run: the same typing in the same app with nothing arriving (idle). Also reported:
how long the catch-up took in the app, and whether every message reached the history.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

from engine import PASSPHRASE, SENDERS, backlog_group, post_backlog, start_relay
from textual import events

from peertui.paths import resolve_paths
from peertui.tui.app import PeertuiApp


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    if not ordered:
        return {"keys": 0}
    return {
        "keys": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
        "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)], 1),
        "max_ms": round(ordered[-1], 1),
    }


async def type_keys(app: PeertuiApp, until, every_s: float, limit_s: float) -> list[float]:
    """Type letters into the message box until `until()` is true; each key's latency in ms."""
    composer = app.screen.query_one("#composer")
    composer.focus()
    latencies = []
    deadline = time.monotonic() + limit_s
    letters = "abcdefghij"
    while not until() and time.monotonic() < deadline:
        if len(composer.value) > 60:
            composer.value = ""  # keep the draft short; not timed
        before = len(composer.value)
        key = letters[len(latencies) % len(letters)]
        started = time.perf_counter()
        app._driver.send_message(events.Key(key, key))  # noqa: SLF001 - as the terminal does
        while len(composer.value) == before:
            await asyncio.sleep(0.0005)
        latencies.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(max(0.0, every_s - latencies[-1] / 1000))
    return latencies


async def prepare(tmp: Path, url: str, count: int, senders: int) -> tuple[Path, str, int]:
    posters, gid, member_home = await backlog_group(tmp, url, senders, "tui")
    sessions = [poster._session(gid) for poster in posters]  # noqa: SLF001 - posting as them
    last_seq = await post_backlog(sessions, count, random.Random(7), "tui")
    for poster in posters:
        await poster.close()
    return member_home, gid, last_seq


async def measure(
    home: Path, gid: str, last_seq: int, count: int, every_s: float, senders: int
) -> dict:
    paths = resolve_paths(home)
    (paths.config_dir / "welcome-seen").touch()
    (paths.config_dir / "country-asked").touch()  # the first run's question would take the keys
    app = PeertuiApp(paths)
    results: dict = {}
    async with app.run_test(size=(100, 30)) as pilot:
        opened = time.perf_counter()
        while app.engine is None or not app.screen.query("#composer"):
            await pilot.pause(0.01)
        session = app.engine._session(gid)  # noqa: SLF001 - only to know when it is done
        during = await type_keys(app, lambda: session.cursor >= last_seq, every_s, 1800)
        results["catch_up_seconds_in_app"] = round(time.perf_counter() - opened, 1)
        results["typing_during_catch_up"] = percentiles(during)
        idle = await type_keys(app, lambda: False, every_s, 10)
        results["typing_idle_reference"] = percentiles(idle)
        stored = len(app.engine.history(gid, limit=count + 10))
        results["messages_in_history"] = stored - senders  # without the posters' "hello"s
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--key-every-ms", type=float, default=30.0)
    parser.add_argument(
        "--senders", type=int, default=SENDERS, help="members posting the backlog (host included)"
    )
    args = parser.parse_args()
    os.environ["PEERTUI_PASSPHRASE"] = PASSPHRASE
    with tempfile.TemporaryDirectory() as tmp:
        relay, url = start_relay(Path(tmp) / "relay")
        try:
            home, gid, last_seq = asyncio.run(prepare(Path(tmp), url, args.messages, args.senders))
            results = asyncio.run(
                measure(home, gid, last_seq, args.messages, args.key_every_ms / 1000, args.senders)
            )
        finally:
            relay.terminate()
            relay.wait(timeout=10)
    results["messages"] = args.messages
    results["key_every_ms"] = args.key_every_ms
    results["machine"] = {"python": platform.python_version(), "cpu_count": os.cpu_count()}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
