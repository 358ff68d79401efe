"""Start-up benchmark for both front-ends, from cold processes. Prints JSON.

- tui_first_frame_ms: spawn `peertui --tui` in an 80x24 pseudo-terminal until its first frame
  (the safety-keys line every screen draws) reaches the terminal. Target <= 500 ms.
- plain_prompt_ms: spawn `peertui --plain` in a pseudo-terminal until its first prompt ("> ")
  appears. Target <= 300 ms.
- tui_rss_10_groups_mib: resident memory of the TUI with 10 groups open and connected to a real
  relay on loopback, once settled. Target <= 120 MiB. The peak while unlocking is reported too.

Each timing is repeated (--runs, default 5) on an existing home (the database already created,
so the numbers are for an everyday start, not the first ever) and reported as median/min/max.

Run: .venv/bin/python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect
import psutil

BIN = Path(sys.executable).with_name("peertui")
PASSPHRASE = "benchmark passphrase"
QUICK_EXIT = "\x1b[24~"  # F12
FIRST_FRAME = re.compile(r"quick exit")
GROUPS = 10


def env_for(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PEERTUI_HOME=str(home), PEERTUI_PASSPHRASE=PASSPHRASE, TERM="xterm-256color")
    env.pop("NO_COLOR", None)
    return env


def spawn(home: Path, *args: str) -> pexpect.spawn:
    return pexpect.spawn(
        str(BIN),
        list(args),
        env=env_for(home),
        dimensions=(24, 80),
        encoding="utf-8",
        codec_errors="replace",
        timeout=30,
    )


def time_tui_first_frame(home: Path) -> float:
    start = time.perf_counter()
    child = spawn(home, "--tui")
    child.expect(FIRST_FRAME)
    elapsed = time.perf_counter() - start
    child.send(QUICK_EXIT)
    child.expect(pexpect.EOF)
    child.close()
    return elapsed * 1000


def time_plain_prompt(home: Path) -> float:
    start = time.perf_counter()
    child = spawn(home, "--plain")
    child.expect_exact("> ")
    elapsed = time.perf_counter() - start
    child.sendline("/quit")
    child.expect(pexpect.EOF)
    child.close()
    return elapsed * 1000


def start_relay(data_dir: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "peertui_relay",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    line = process.stdout.readline().decode()
    match = re.search(r"listening on (http://\S+?):(\d+) ", line)
    if not match:
        process.kill()
        raise SystemExit(f"the relay did not start: {line!r}")
    return process, f"{match.group(1)}:{match.group(2)}"


def host_groups(home: Path, relay_url: str) -> None:
    from peertui.core.engine import Engine
    from peertui.paths import resolve_paths

    async def host() -> None:
        engine = await Engine.open(resolve_paths(home), PASSPHRASE)
        for number in range(GROUPS):
            group = await engine.host_group(f"group {number}", relay_url=relay_url, nick="me")
            for message in range(20):
                await engine.send(group.group_id, f"message {message} in group {number}")
        await engine.close()

    asyncio.run(host())


def tui_rss_with_groups(home: Path) -> tuple[float, float]:
    """(steady, peak) RSS in MiB; the peak includes the passphrase key derivation (Argon2id
    allocates its memory cost once while unlocking, then frees it)."""
    child = spawn(home, "--tui")
    child.expect(FIRST_FRAME)
    process = psutil.Process(child.pid)
    # Let the engine open and connect every group (reading the screen keeps the pty drained).
    deadline = time.monotonic() + 20
    peak = 0
    while time.monotonic() < deadline and _established(process) < GROUPS:
        with contextlib.suppress(pexpect.TIMEOUT, pexpect.EOF):
            child.read_nonblocking(65536, timeout=0.2)
        peak = max(peak, process.memory_info().rss)
    settle = time.monotonic() + 2
    while time.monotonic() < settle:
        with contextlib.suppress(pexpect.TIMEOUT, pexpect.EOF):
            child.read_nonblocking(65536, timeout=0.2)
        peak = max(peak, process.memory_info().rss)
    steady = process.memory_info().rss
    connections = _established(process)
    child.send(QUICK_EXIT)
    child.expect(pexpect.EOF)
    child.close()
    if connections < GROUPS:
        raise SystemExit(f"only {connections} of {GROUPS} group streams connected")
    return steady / (1024 * 1024), peak / (1024 * 1024)


def _established(process: psutil.Process) -> int:
    return sum(1 for c in process.net_connections(kind="tcp") if c.status == "ESTABLISHED")


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 1),
        "min": round(min(values), 1),
        "max": round(max(values), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        empty_home = tmp_path / "empty"
        # One start creates the database and the welcome marker, as after a first use.
        (empty_home / "config.toml").parent.mkdir(parents=True)
        time_plain_prompt(empty_home)
        (empty_home / "welcome-seen").touch()
        tui = [time_tui_first_frame(empty_home) for _ in range(runs)]
        plain = [time_plain_prompt(empty_home) for _ in range(runs)]

        relay, relay_url = start_relay(tmp_path / "relay")
        try:
            busy_home = tmp_path / "busy"
            host_groups(busy_home, relay_url)
            (busy_home / "welcome-seen").touch()
            rss, peak = tui_rss_with_groups(busy_home)
        finally:
            relay.terminate()
            relay.wait(timeout=10)

    print(
        json.dumps(
            {
                "machine": {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "load_average_1m": round(os.getloadavg()[0], 2),
                },
                "runs": runs,
                "tui_first_frame_ms": summary(tui) | {"target": 500},
                "plain_prompt_ms": summary(plain) | {"target": 300},
                "tui_rss_10_groups_mib": {
                    "value": round(rss, 1),
                    "peak_while_unlocking": round(peak, 1),
                    "target": 120,
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
