"""The relay as a program: `--port 0`, its one start-up line, clean SIGTERM, and embedding."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from nacl.signing import SigningKey

from peertui.core.relay_client import RelayClient, RelayUnavailable
from peertui.ui.relay_words import relay_said
from peertui_relay.embedded import EmbeddedRelay

from .groupkit import GroupKit

pytestmark = pytest.mark.timeout(60)


def test_port_zero_prints_real_port_and_store_then_stops_cleanly_on_sigterm(tmp_path):
    data_dir = tmp_path / "store"
    process = subprocess.Popen(
        [sys.executable, "-m", "peertui_relay", "--port", "0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        match = re.fullmatch(
            r"peertui-relay listening on http://127\.0\.0\.1:(\d+) storing in (.+)\n", line
        )
        assert match, line
        port = int(match.group(1))
        assert port > 0 and match.group(2) == str(data_dir.resolve())
        assert httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=5).json() == {
            "status": "ok",
            "protocol": 2,
        }
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode in (0, -15)  # uvicorn re-raises SIGTERM after its clean shutdown
    assert "Traceback" not in process.stderr.read()
    assert (data_dir / "relay.sqlite3").exists()


def test_port_in_use_is_a_sentence_not_a_traceback(relay, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "peertui_relay",
            "--port",
            str(relay.port),
            "--data-dir",
            str(tmp_path / "other"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert (
        result.stderr.startswith("peertui-relay: cannot start:")
        and "Traceback" not in result.stderr
    )


def test_access_log_is_off_by_default(relay):
    httpx.get(relay.url + "/v1/health")
    httpx.get(relay.url + "/nowhere")
    relay.stop()
    log = relay.log_path.read_text()
    assert "127.0.0.1" not in log and "/v1/health" not in log


async def test_embedded_relay_serves_a_group_and_stops(tmp_path):
    embedded = EmbeddedRelay(tmp_path / "embedded")
    url = embedded.start()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
    try:
        kit = await GroupKit.create(url)
        member = await kit.add_member()
        assert await member.client.post_message(kit.group_id, b"hosted in-app") == 4
        await kit.close()
    finally:
        embedded.stop()
    async with RelayClient(url, SigningKey.generate(), timeout=2) as client:
        with pytest.raises(RelayUnavailable) as unreachable:
            await client.health()
    assert relay_said(unreachable.value).startswith(f"The relay at {url} is not reachable")
    assert url not in str(unreachable.value)  # a log line names no relay


async def test_sigterm_ends_open_streams_promptly(relay):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()

    async def read_all():
        async for _ in member.client.stream(kit.group_id, 0):
            pass

    reader = asyncio.create_task(read_all())
    await asyncio.sleep(0.3)
    started = time.monotonic()
    await asyncio.to_thread(relay.stop)
    assert time.monotonic() - started < 1.5  # not uvicorn's forced-shutdown timeout
    await asyncio.wait_for(reader, 5)  # the stream ended cleanly on the relay's side
    assert "Traceback" not in relay.log_path.read_text()
    await kit.close()


def test_relay_data_is_readable_only_by_its_owner(relay):
    import stat

    assert stat.S_IMODE(relay.data_dir.stat().st_mode) == 0o700
    for path in relay.data_dir.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path.name


def test_the_relay_raises_its_open_file_limit_from_the_default_1024(tmp_path):
    """Issue 11 row 12: with 1,024 open files, a few thousand half-open connections lock
    everyone out; the relay raises its soft limit to the hard one at start."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    low = min(1024, hard)

    def lower_the_soft_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (low, hard))

    process = subprocess.Popen(
        [sys.executable, "-m", "peertui_relay", "--port", "0", "--data-dir", str(tmp_path / "d")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lower_the_soft_limit,
    )
    try:
        assert "listening on" in process.stdout.readline().decode()
        limits = Path(f"/proc/{process.pid}/limits").read_text()
        line = next(row for row in limits.splitlines() if row.startswith("Max open files"))
        relay_soft = int(line.split()[3])
        wanted = hard if hard != resource.RLIM_INFINITY else 65_536
        assert relay_soft == wanted > low, line
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)
