"""Legitimate post -> receive latency while the relay is abused; prints JSON.

Run: .venv/bin/python bench/abuse_latency.py [--seconds 6] [--rate 10] [--scenarios NAME ...]

One relay process on loopback with its default limits. A legitimate member posts `rate`
messages a second from 127.0.0.1 and another member receives them on its event stream; the
latency of each is the time from starting the post to the event arriving. Each abuse runs from
other loopback addresses (127.0.0.x) during one measurement window:

- baseline: no abuse;
- slowloris: 2,000 half-open connections (50 per address from 40 addresses), headers dripped;
- future_keys: fresh keys signing requests dated +119 s and +9 s, as fast as 8 tasks can;
- idle_streams: 40 member keys each trying to hold 8 event streams from one address;
- group_flood: fresh keys creating groups as fast as 4 tasks can, from one address;
- non_readers: 30 event streams whose clients never read, while a member posts 40 KiB
  envelopes at 20/s to fill their buffers;
- replays: one member's signed request captured and replayed as fast as 8 tasks can;
- hangups: 8 tasks sending half a request body and hanging up, over and over.

p50/p99 in milliseconds, and the p99 ratio to the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from nacl.signing import SigningKey  # noqa: E402
from tests.conftest import RelayProcess  # noqa: E402
from tests.relay.groupkit import GroupKit  # noqa: E402

from peertui.core.relay_client import RelayClient  # noqa: E402
from peertui_wire.auth import origin_of, sign_request  # noqa: E402
from peertui_wire.encoding import b64d  # noqa: E402
from peertui_wire.roster import genesis  # noqa: E402


async def measure(kit: GroupKit, sender, receiver, seconds: float, rate: float) -> dict:
    sent: dict[bytes, float] = {}
    latencies: list[float] = []
    done, opened = asyncio.Event(), asyncio.Event()
    # Read where the log ends before anything is posted, and post only once the stream is
    # open: a post that landed before the reader asked would otherwise be missed, not late.
    since = await last_seq(kit)

    async def receive() -> None:
        stream = receiver.client.stream(kit.group_id, since, on_open=lambda _: opened.set())
        async for item in stream:
            if getattr(item, "kind", "") == "message":
                envelope = b64d(item.body["envelope"])
                if envelope in sent:
                    latencies.append(time.perf_counter() - sent.pop(envelope))
            if done.is_set() and not sent:
                return

    reader = asyncio.create_task(receive())
    await asyncio.wait_for(opened.wait(), 30)
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        envelope = f"legit {time.time()} {n}".encode()
        sent[envelope] = time.perf_counter()
        await sender.client.post_message(kit.group_id, envelope)
        n += 1
        await asyncio.sleep(1 / rate)
    done.set()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(reader, 10)
    reader.cancel()
    ms = sorted(x * 1000 for x in latencies)
    return {
        "messages": n,
        "received": len(ms),
        "p50_ms": round(statistics.median(ms), 2) if ms else None,
        "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 2) if ms else None,
    }


async def last_seq(kit: GroupKit) -> int:
    path = f"/v1/groups/{kit.group_id}/log?since={10**15}&limit=1"
    headers = sign_request(kit.owner.key, "GET", path, b"", origin=origin_of(kit.url))
    async with httpx.AsyncClient(base_url=kit.url) as http:
        return (await http.get(path, headers=headers)).json()["last_seq"]


def transport(address: str) -> httpx.AsyncHTTPTransport:
    return httpx.AsyncHTTPTransport(local_address=address)


# -- attackers: each runs in its own process, so its work never slows the measuring client --


async def slowloris(url: str, port: int, gid: str, seeds: list[bytes]) -> None:
    socks = []
    for a in range(40):
        for _ in range(50):
            with contextlib.suppress(OSError):
                s = socket.create_connection(
                    ("127.0.0.1", port), source_address=(f"127.0.1.{a + 2}", 0)
                )
                s.setblocking(False)
                s.send(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                socks.append(s)
    while True:
        await asyncio.sleep(1)
        for s in socks:
            with contextlib.suppress(OSError):
                s.send(b"a")


async def future_keys(url: str, port: int, gid: str, seeds: list[bytes]) -> None:
    path = f"/v1/groups/{gid}/roster"

    async def one(address: str) -> None:
        async with httpx.AsyncClient(base_url=url, transport=transport(address)) as http:
            while True:
                ahead = 119_000 if os.urandom(1)[0] & 1 else 9_000
                headers = sign_request(
                    SigningKey.generate(),
                    "GET",
                    path,
                    b"",
                    now_ms=int(time.time() * 1000) + ahead,
                    origin=origin_of(url),
                )
                with contextlib.suppress(httpx.HTTPError):
                    await http.get(path, headers=headers)

    await asyncio.gather(*(one(f"127.0.2.{i + 2}") for i in range(8)))


async def idle_streams(url: str, port: int, gid: str, seeds: list[bytes]) -> None:
    path = f"/v1/groups/{gid}/events?since=0"
    opened = []
    async with httpx.AsyncClient(
        base_url=url, transport=transport("127.0.3.2"), timeout=30
    ) as http:
        for seed in seeds:
            for _ in range(8):
                key = SigningKey(seed)
                headers = sign_request(key, "GET", path, b"", origin=origin_of(url))
                with contextlib.suppress(httpx.HTTPError):
                    request = http.build_request("GET", path, headers=headers)
                    opened.append(await http.send(request, stream=True))
        await asyncio.Event().wait()


async def group_flood(url: str, port: int, gid: str, seeds: list[bytes]) -> None:
    async def one() -> None:
        async with httpx.AsyncClient(base_url=url, transport=transport("127.0.4.2")) as http:
            while True:
                key = SigningKey.generate()
                body = json.dumps({"genesis": genesis(key)}).encode()
                headers = sign_request(key, "POST", "/v1/groups", body, origin=origin_of(url))
                headers["Content-Type"] = "application/json"
                with contextlib.suppress(httpx.HTTPError):
                    await http.post("/v1/groups", content=body, headers=headers)

    await asyncio.gather(*(one() for _ in range(4)))


async def non_readers(url: str, port: int, gid: str, seeds: list[bytes]) -> None:
    """30 streams never read, while the last seed's member posts 40 KiB envelopes at 20/s."""
    socks = []
    path = f"/v1/groups/{gid}/events?since=0"
    for seed in seeds[:30]:
        headers = sign_request(SigningKey(seed), "GET", path, b"", origin=f"127.0.0.1:{port}")
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        request += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        s = socket.create_connection(("127.0.0.1", port), source_address=("127.0.5.2", 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(request.encode())
        socks.append(s)  # never read
    async with RelayClient(url, SigningKey(seeds[-1])) as bulk:
        while True:
            with contextlib.suppress(Exception):
                await bulk.post_message(gid, os.urandom(40 * 1024))
            await asyncio.sleep(0.05)


async def replays(url: str, port: int, gid: str, seeds: list[bytes]) -> None:
    """One member's signed request, captured once and sent again as fast as 8 tasks can."""
    path = f"/v1/groups/{gid}/roster"
    headers = sign_request(SigningKey(seeds[0]), "GET", path, b"", origin=origin_of(url))

    async def one(address: str) -> None:
        async with httpx.AsyncClient(base_url=url, transport=transport(address)) as http:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    await http.get(path, headers=headers)

    await asyncio.gather(*(one(f"127.0.6.{i + 2}") for i in range(8)))


async def hangups(url: str, port: int, gid: str, seeds: list[bytes]) -> None:
    """Clients that send half a request body and hang up, over and over, from 8 addresses."""
    request = (
        b"POST /v1/groups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 5000\r\n\r\n{"genesis":'
    )

    async def one(address: str) -> None:
        while True:
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection(
                    "127.0.0.1", port, local_addr=(address, 0)
                )
                writer.write(request)
                await writer.drain()
                writer.close()
            await asyncio.sleep(0.005)

    await asyncio.gather(*(one(f"127.0.7.{i + 2}") for i in range(8)))


ATTACKS = {
    "slowloris": slowloris,
    "future_keys": future_keys,
    "idle_streams": idle_streams,
    "group_flood": group_flood,
    "non_readers": non_readers,
    "replays": replays,
    "hangups": hangups,
}


async def main(args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="abuse-"))
    relay = RelayProcess(
        tmp / "relay",
        "--write-timeout-seconds",
        "2",
        "--rate-burst",
        "1000",
        "--metrics-token",
        "bench",
    ).start()
    kit = await GroupKit.create(relay.url)
    sender, receiver, bulk = [await kit.add_member() for _ in range(3)]
    extra = []
    for _ in range(40):  # joiners are unknown keys: keep within their per-address rate
        extra.append(await kit.add_member())
        await asyncio.sleep(0.12)
    results: dict[str, dict] = {}
    seeds = ",".join(bytes(m.key).hex() for m in [*extra, bulk])
    for name in ["baseline", *(args.scenarios or ATTACKS)]:
        attacker = None
        if name != "baseline":
            attacker = await asyncio.create_subprocess_exec(
                sys.executable,
                __file__,
                "--attack",
                name,
                relay.url,
                str(relay.port),
                kit.group_id,
                seeds,
            )
            await asyncio.sleep(2.0)  # let the abuse ramp up
        results[name] = await measure(kit, sender, receiver, args.seconds, args.rate)
        if attacker is not None:
            attacker.terminate()
            await attacker.wait()
        await asyncio.sleep(1.0)
    base = results["baseline"]["p99_ms"] or 1
    for r in results.values():
        r["p99_vs_baseline"] = round((r["p99_ms"] or 0) / base, 2)
        r["target_p99_under_100ms"] = bool(r["p99_ms"] is not None and r["p99_ms"] < 100)
    metrics = httpx.get(
        relay.url + "/v1/metrics", headers={"Authorization": "Bearer bench"}, timeout=10
    ).text
    answered_5xx = [
        int(line.split()[-1]) for line in metrics.splitlines() if 'status="5xx"' in line
    ]
    relay.stop()
    log = relay.log_path.read_text()
    await kit.close()
    return {
        "rate_per_second": args.rate,
        "seconds_per_scenario": args.seconds,
        "scenarios": results,
        "relay_log_lines": len(log.splitlines()),
        "relay_log_tracebacks": log.count("Traceback"),
        "relay_answers_5xx": answered_5xx[0] if answered_5xx else None,
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--attack"]:
        name, url, port, gid, seeds = sys.argv[2:7]
        attack = ATTACKS[name](url, int(port), gid, [bytes.fromhex(x) for x in seeds.split(",")])
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(attack)
        sys.exit(0)
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument(
        "--scenarios", nargs="*", choices=sorted(ATTACKS), help="only these (default: all)"
    )
    print(json.dumps(asyncio.run(main(parser.parse_args())), indent=2))
