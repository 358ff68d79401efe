"""TUI input latency while a member catches up on a backlog; prints JSON.

    .venv/bin/python bench/tui_catchup.py [--messages 20000] [--key-every-ms 30]

A host and --senders - 1 other members (4 in all unless told) post N messages to a real
relay on loopback, at the same time, while the member is away. Then the real
Textual app opens the member's home (Textual's pilot, headless, 100x30), shows that group and
catches up, while a key is typed into the message box every --key-every-ms. Latency of a key
is the time from handing it to the app's driver until the message box holds it. Reference in
the same run: the same typing in the same app with nothing arriving (idle). Also reported:
how long the catch-up took in the app, and whether every message reached the history.

--backlog DIR keeps the posted backlog (the relay's data and the member's home, before it
caught up) in DIR and later runs with the same DIR and --messages start from a copy of it, so
alternating runs of two versions of the code (or a profile) skip the minutes of posting.

--stalls MS also lists what held the event loop for MS or more during the catch-up: each
callback or task step that long (the task's coroutine, e.g. a widget's message pump) and each
garbage collection, with how long it took, so the slow keys can be matched to their cause.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import shutil
import socket
import statistics
import tempfile
import time
from pathlib import Path

from engine import PASSPHRASE, SENDERS, backlog_group, post_backlog, start_relay
from textual import events

from peertui.paths import resolve_paths
from peertui.tui.app import PeertuiApp


class Stalls:
    """What held the event loop for `threshold_s` or more: every callback run by the loop
    (a task's step is one) is timed, and so is every garbage collection."""

    def __init__(self, threshold_s: float) -> None:
        self.threshold_s = threshold_s
        self.slow: list[tuple[float, float, str]] = []  # (start, seconds, what)
        self.gcs: list[tuple[float, float, int]] = []  # (start, seconds, generation)
        self._gc_start = 0.0
        self._original = asyncio.events.Handle._run  # noqa: SLF001 - timing each callback
        self.recording = False
        self.objects: list[int] = []

    def start(self) -> None:
        stalls, original = self, self._original

        def _run(handle: asyncio.events.Handle) -> None:
            started = time.perf_counter()
            original(handle)
            took = time.perf_counter() - started
            if stalls.recording and took >= stalls.threshold_s:
                stalls.slow.append((started, took, stalls.describe(handle)))

        asyncio.events.Handle._run = _run  # type: ignore[method-assign,assignment]  # noqa: SLF001
        gc.callbacks.append(self._gc)
        self.recording = True
        self.objects = [len(gc.get_objects())]

    def stop(self) -> None:
        self.recording = False
        asyncio.events.Handle._run = self._original  # type: ignore[method-assign]  # noqa: SLF001
        gc.callbacks.remove(self._gc)
        self.objects.append(len(gc.get_objects()))

    def _gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        elif self.recording:
            took = time.perf_counter() - self._gc_start
            if took >= self.threshold_s / 4:
                self.gcs.append((self._gc_start, took, info["generation"]))

    @staticmethod
    def describe(handle: asyncio.events.Handle) -> str:
        callback = handle._callback  # type: ignore[attr-defined]  # noqa: SLF001
        task = getattr(callback, "__self__", None)
        if isinstance(task, asyncio.Task):
            coro = task.get_coro()
            name = getattr(coro, "__qualname__", repr(coro))
            frame = getattr(coro, "cr_frame", None)
            where = f" at {frame.f_code.co_name}:{frame.f_lineno}" if frame is not None else ""
            return f"task {task.get_name()} {name}{where}"
        return getattr(callback, "__qualname__", repr(callback))

    def summary(self) -> dict:
        by_what: dict[str, list[float]] = {}
        for _start, took, what in self.slow:
            by_what.setdefault(what, []).append(took)
        rows = sorted(by_what.items(), key=lambda kv: -sum(kv[1]))
        return {
            "threshold_ms": self.threshold_s * 1000,
            "objects_tracked_by_gc_at_start_and_end": self.objects,
            "slow_callbacks": [
                {
                    "what": what,
                    "count": len(times),
                    "total_ms": round(sum(times) * 1000),
                    "max_ms": round(max(times) * 1000, 1),
                }
                for what, times in rows[:15]
            ],
            "gc": {
                f"gen{gen}": {
                    "count": len(t := [took for _s, took, g in self.gcs if g == gen]),
                    "total_ms": round(sum(t) * 1000),
                    "max_ms": round(max(t) * 1000, 1) if t else 0,
                }
                for gen in (0, 1, 2)
            },
        }


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
    home: Path,
    gid: str,
    last_seq: int,
    count: int,
    every_s: float,
    senders: int,
    stalls: Stalls | None = None,
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
        if stalls is not None:
            stalls.start()
        during = await type_keys(app, lambda: session.cursor >= last_seq, every_s, 1800)
        if stalls is not None:
            stalls.stop()
            results["stalls_during_catch_up"] = stalls.summary()
        results["catch_up_seconds_in_app"] = round(time.perf_counter() - opened, 1)
        results["typing_during_catch_up"] = percentiles(during)
        idle = await type_keys(app, lambda: False, every_s, 10)
        results["typing_idle_reference"] = percentiles(idle)
        stored = len(app.engine.history(gid, limit=count + 10))
        results["messages_in_history"] = stored - senders  # without the posters' "hello"s
    return results


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_kept(backlog: Path, args: argparse.Namespace) -> dict:
    """Post the backlog into `backlog` once (the relay on a fixed port, so the member's home
    still names it), then measure on a fresh copy of it each time."""
    meta_path = backlog / "backlog.json"
    if not meta_path.exists():
        backlog.mkdir(parents=True, exist_ok=True)
        port = free_port()
        relay, url = start_relay(backlog / "relay", port)
        try:
            home, gid, last_seq = asyncio.run(prepare(backlog, url, args.messages, args.senders))
        finally:
            relay.terminate()
            relay.wait(timeout=10)
        meta = {"port": port, "gid": gid, "last_seq": last_seq, "home": home.name}
        meta["messages"] = args.messages
        meta_path.write_text(json.dumps(meta))
    meta = json.loads(meta_path.read_text())
    if meta["messages"] != args.messages:
        raise SystemExit(f"{backlog} holds a backlog of {meta['messages']} messages")
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(backlog / "relay", Path(tmp) / "relay")
        shutil.copytree(backlog / meta["home"], Path(tmp) / "member")
        relay, _url = start_relay(Path(tmp) / "relay", meta["port"])
        try:
            return measure_as_asked(args, Path(tmp) / "member", meta["gid"], meta["last_seq"])
        finally:
            relay.terminate()
            relay.wait(timeout=10)


def stalls_of(args: argparse.Namespace) -> Stalls | None:
    return Stalls(args.stalls / 1000) if args.stalls else None


def measure_as_asked(args: argparse.Namespace, home: Path, gid: str, last_seq: int) -> dict:
    """`measure` with the command line's rate, senders and stall tracking."""
    return asyncio.run(
        measure(
            home,
            gid,
            last_seq,
            args.messages,
            args.key_every_ms / 1000,
            args.senders,
            stalls_of(args),
        )
    )


def run_fresh(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        relay, url = start_relay(Path(tmp) / "relay")
        try:
            home, gid, last_seq = asyncio.run(prepare(Path(tmp), url, args.messages, args.senders))
            return measure_as_asked(args, home, gid, last_seq)
        finally:
            relay.terminate()
            relay.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--key-every-ms", type=float, default=30.0)
    parser.add_argument(
        "--senders", type=int, default=SENDERS, help="members posting the backlog (host included)"
    )
    parser.add_argument("--backlog", type=Path, help="keep the posted backlog here and reuse it")
    parser.add_argument(
        "--stalls", type=float, default=0, metavar="MS", help="list what held the loop ≥ MS"
    )
    args = parser.parse_args()
    os.environ["PEERTUI_PASSPHRASE"] = PASSPHRASE
    results = run_kept(args.backlog, args) if args.backlog is not None else run_fresh(args)
    results["messages"] = args.messages
    results["key_every_ms"] = args.key_every_ms
    results["machine"] = {"python": platform.python_version(), "cpu_count": os.cpu_count()}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
