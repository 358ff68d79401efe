"""Engine benchmarks; prints JSON. Run: .venv/bin/python bench/engine.py

Against a real relay process on loopback, with real crypto and the encrypted store:
- engine open time for a home with 10 groups (unlock, replay rosters, start connections);
- time from `send()` on one engine to `MessageReceived` on another (p50/p99 over 300 messages);
- sustained send rate of one engine (each send waits for the relay's acknowledgement);
- time for a full join: request, approval, welcome, shares, profile known to the host.
"""

from __future__ import annotations

import asyncio
import json
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peertui.core.engine import Engine
from peertui.core.events import JoinApproved, JoinRequested, MessageReceived
from peertui.paths import resolve_paths

PASSPHRASE = "benchmark passphrase"
MESSAGES = 300


def start_relay(data_dir: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "peertui_relay",
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
            "--rate-per-second",
            "1000",
            "--rate-burst",
            "1000",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    line = process.stdout.readline().decode()
    url = re.search(r"(http://\S+?:\d+)", line).group(1)
    return process, url


async def open_engine(home: Path) -> tuple[Engine, list]:
    engine = await Engine.open(resolve_paths(home), passphrase=PASSPHRASE)
    events: list = []
    engine.subscribe(events.append)
    return engine, events


async def wait(events: list, predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in events:
            if predicate(event):
                return event
        await asyncio.sleep(0.002)
    raise TimeoutError("benchmark event never arrived")


async def run(tmp: Path, url: str) -> dict:
    results: dict = {}
    host, host_events = await open_engine(tmp / "host")
    gid = (await host.host_group("bench", url, nick="host")).group_id
    invite = await host.create_invite(gid)

    started = time.perf_counter()
    member, member_events = await open_engine(tmp / "member")
    await member.join(invite, "member")
    await wait(host_events, lambda e: isinstance(e, JoinRequested))
    await host.approve(gid, "member")
    await wait(member_events, lambda e: isinstance(e, JoinApproved))
    while sorted(m.nick for m in host.members(gid)) != ["host", "member"]:
        await asyncio.sleep(0.002)
    results["join_seconds"] = round(time.perf_counter() - started, 3)

    latencies = []
    for i in range(MESSAGES):
        text = f"latency probe {i}"
        sent = time.perf_counter()
        await host.send(gid, text)
        await wait(
            member_events, lambda e, t=text: isinstance(e, MessageReceived) and e.message.text == t
        )
        latencies.append((time.perf_counter() - sent) * 1000)
    latencies.sort()
    results["send_to_receive_ms"] = {
        "p50": round(statistics.median(latencies), 2),
        "p99": round(latencies[int(len(latencies) * 0.99) - 1], 2),
        "messages": MESSAGES,
    }

    started = time.perf_counter()
    for i in range(MESSAGES):
        await host.send(gid, f"throughput {i}")
    results["acknowledged_sends_per_second"] = round(MESSAGES / (time.perf_counter() - started), 1)

    for n in range(9):
        await host.host_group(f"extra {n}", url, nick="host")
    await host.close()
    await member.close()

    started = time.perf_counter()
    host, host_events = await open_engine(tmp / "host")
    opened = time.perf_counter() - started
    while any(g.connection != "connected" for g in host.groups()):
        await asyncio.sleep(0.002)
    results["open_home_with_10_groups_ms"] = {
        "unlocked_and_loaded": round(opened * 1000, 1),
        "all_groups_connected": round((time.perf_counter() - started) * 1000, 1),
    }
    await host.close()
    return results


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        relay, url = start_relay(Path(tmp) / "relay")
        try:
            results = asyncio.run(run(Path(tmp), url))
        finally:
            relay.terminate()
            relay.wait(timeout=10)
    results["machine"] = {
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
