"""Relay fan-out benchmark: prints one JSON document. Run by hand, not by CI:

    .venv/bin/python bench/relay_fanout.py [--subscribers 500] [--idle 5000] [--stage-seconds 4]

One group, N SSE subscribers spread over a few client processes (separate from the relay
process), and a publisher posting at rising rates. Each envelope carries its stage and send
time, so subscribers measure post-to-receive latency on the same clock. The same load is then
run against a minimal in-memory SSE broadcaster on the same stack (Starlette + uvicorn, same
frame format) as the ceiling. Loopback only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import httpx
import psutil

from peertui_wire.auth import origin_of, sign_request
from peertui_wire.encoding import b64e

CLIENT_PROCESSES = 4
CONNECT_TIMEOUT = 60.0
LATENCY_SAMPLE_EVERY = 10  # one subscriber in ten decodes envelopes for latency


# -- subscriber process -------------------------------------------------------------------


async def _subscribe(
    url: str,
    gid: str,
    since: int,
    seed: bytes | None,
    sample: bool,
    stats: dict,
    connected: asyncio.Event,
    total: int,
    counter: list[int],
) -> None:
    """One raw SSE connection; counts message frames, and for samples records latency."""
    from nacl.signing import SigningKey

    host, port = re.match(r"http://([^:]+):(\d+)", url).groups()
    path = f"/v1/groups/{gid}/events?since={since}"
    headers = sign_request(SigningKey(seed), "GET", path, b"", origin=host) if seed else {}
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n"
    request += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(request.encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
    counter[0] += 1
    if counter[0] == total:
        connected.set()
    buffer = b""
    while True:
        data = await reader.read(65536)
        if not data:
            return
        now = time.time()
        buffer += data
        frames = buffer.split(b"\n\n")
        buffer = frames.pop()
        for frame in frames:
            if b"event: message" not in frame:
                continue
            envelope = frame.split(b'"envelope":"', 1)[1].split(b'"', 1)[0]
            stage, sent = base64.urlsafe_b64decode(envelope + b"=" * (-len(envelope) % 4)).split(
                b":"
            )
            entry = stats.setdefault(stage.decode(), {"count": 0, "last": 0.0, "lat": []})
            entry["count"] += 1
            entry["last"] = now
            if sample:
                entry["lat"].append(now - float(sent))


async def _client_main(url: str, gid: str, since: int, seeds: list[str], first_index: int) -> None:
    stats: dict = {}
    connected = asyncio.Event()
    counter = [0]
    tasks = [
        asyncio.create_task(
            _subscribe(
                url,
                gid,
                since,
                bytes.fromhex(seed) if seed else None,
                (first_index + i) % LATENCY_SAMPLE_EVERY == 0,
                stats,
                connected,
                len(seeds),
                counter,
            )
        )
        for i, seed in enumerate(seeds)
    ]
    waiter = asyncio.create_task(connected.wait())
    done, _ = await asyncio.wait(
        [waiter, *tasks], timeout=CONNECT_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
    )
    if waiter not in done:
        failed = [t.exception() for t in tasks if t.done() and t.exception()]
        print(
            json.dumps({"error": f"connected {counter[0]}/{len(seeds)}: {failed[:1]}"}), flush=True
        )
        return
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)  # "stop" from the coordinator
    print(json.dumps(stats), flush=True)
    for task in tasks:
        task.cancel()


# -- the ceiling: a minimal in-memory SSE broadcaster on the same stack -----------------------


def _ceiling_app():
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    queues: set[asyncio.Queue] = set()
    seq = [0]

    async def publish(request):
        body = await request.json()
        seq[0] += 1
        data = json.dumps(
            {
                "seq": seq[0],
                "kind": "message",
                "sender": "",
                "ts": 0,
                "body": {"envelope": body["envelope"]},
            },
            separators=(",", ":"),
        )
        frame = f"id: {seq[0]}\nevent: message\ndata: {data}\n\n".encode()
        for queue in queues:
            queue.put_nowait(frame)
        return JSONResponse({"seq": seq[0]}, status_code=201)

    async def events(request):
        queue: asyncio.Queue = asyncio.Queue()
        queues.add(queue)

        async def stream():
            try:
                while True:
                    yield await queue.get()
            finally:
                queues.discard(queue)

        return StreamingResponse(stream(), media_type="text/event-stream")

    return Starlette(
        routes=[
            Route("/v1/groups/{gid}/messages", publish, methods=["POST"]),
            Route("/v1/groups/{gid}/events", events, methods=["GET"]),
            Route("/v1/health", lambda r: JSONResponse({"status": "ok"})),
        ]
    )


def _ceiling_main(port: int) -> None:
    import uvicorn

    uvicorn.run(_ceiling_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)


# -- coordinator ----------------------------------------------------------------------------


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become healthy")


def _seed(i: int) -> bytes:
    return hashlib.sha256(b"peertui-bench-member-%d" % i).digest()


def _setup_relay_group(url: str, members: int) -> tuple[str, object]:
    """A group with `members` admitted keys (seeds from _seed), built through the real API."""
    from nacl.signing import SigningKey

    from peertui_wire.ids import invite_secret_hash
    from peertui_wire.roster import RosterState, genesis, make_event

    owner = SigningKey.generate()

    def call(key, method, path, payload=None):
        body = json.dumps(payload).encode() if payload is not None else b""
        headers = sign_request(key, method, path, body, origin=origin_of(url)) | {
            "Content-Type": "application/json"
        }
        response = http.request(method, url + path, content=body, headers=headers)
        response.raise_for_status()
        return response

    with httpx.Client(timeout=30) as http:
        event = genesis(owner)
        state = RosterState.from_genesis(event)
        gid = state.group_id
        call(owner, "POST", "/v1/groups", {"genesis": event})
        secret = os.urandom(32)
        call(
            owner,
            "POST",
            f"/v1/groups/{gid}/invites",
            {
                "secret_hash": invite_secret_hash(secret),
                "expires_at": int(time.time() * 1000) + 3_600_000,
                "uses": 1000,
            },
        )
        for i in range(members):
            key = SigningKey(_seed(i))
            call(
                key,
                "POST",
                f"/v1/groups/{gid}/join-requests",
                {"invite_secret": b64e(secret), "sealed": b64e(b"bench")},
            )
            admit = make_event(owner, state, "admit", target=bytes(key.verify_key))
            call(owner, "POST", f"/v1/groups/{gid}/roster", {"event": admit})
            state.apply(admit)
    return gid, owner


def _last_seq(url: str, gid: str, owner) -> int:
    path = f"/v1/groups/{gid}/log?since=1000000000&limit=1"
    headers = sign_request(owner, "GET", path, b"", origin=origin_of(url))
    return httpx.get(url + path, headers=headers).json()["last_seq"]


class Subscribers:
    """`count` SSE connections over CLIENT_PROCESSES child processes."""

    def __init__(
        self, url: str, gid: str, count: int, key_count: int, signed: bool, since: int = 0
    ) -> None:
        self.processes: list[subprocess.Popen] = []
        per = -(-count // CLIENT_PROCESSES)
        for p in range(CLIENT_PROCESSES):
            indexes = range(p * per, min(count, (p + 1) * per))
            if not indexes:
                continue
            seeds = [(_seed(i % key_count).hex() if signed else "") for i in indexes]
            self.processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        __file__,
                        "--client",
                        url,
                        gid,
                        str(since),
                        str(indexes[0]),
                        ",".join(seeds),
                    ],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
        for process in self.processes:
            line = process.stdout.readline()
            if line.strip() != "ready":
                self.stop()
                raise RuntimeError(f"subscriber process failed: {line.strip()}")

    def results(self) -> list[dict]:
        out = []
        for process in self.processes:
            process.stdin.write("stop\n")
            process.stdin.flush()
        for process in self.processes:
            out.append(json.loads(process.stdout.readline()))
            process.wait(timeout=30)
        return out

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


async def _publish_stages(
    url: str, gid: str, key, rates: list[int], subscribers: int, stage_seconds: float
) -> dict[str, dict]:
    """Post at each rate (deliveries/s = posts/s x subscribers) for stage_seconds."""
    stages: dict[str, dict] = {}
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:

        async def post(stage: str) -> None:
            envelope = b64e(f"{stage}:{time.time():.6f}".encode())
            body = json.dumps({"envelope": envelope}).encode()
            path = f"/v1/groups/{gid}/messages"
            signed = sign_request(key, "POST", path, body, origin=origin_of(url)) if key else {}
            headers = signed | {"Content-Type": "application/json"}
            response = await http.post(path, content=body, headers=headers)
            response.raise_for_status()

        for rate in rates:
            stage = str(rate)
            posts_per_second = rate / subscribers
            total_posts = max(1, round(posts_per_second * stage_seconds))
            start = time.time()
            pending = []
            for n in range(total_posts):
                delay = start + n / posts_per_second - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                pending.append(asyncio.create_task(post(stage)))
            await asyncio.gather(*pending)
            stages[stage] = {"posts": total_posts, "start": start, "publish_end": time.time()}
            await asyncio.sleep(1.0)  # let the stage drain before the next one starts
    return stages


def _summarise(stages: dict[str, dict], results: list[dict], subscribers: int) -> list[dict]:
    rows = []
    for stage, info in stages.items():
        count = sum(r.get(stage, {}).get("count", 0) for r in results)
        last = max((r.get(stage, {}).get("last", 0.0) for r in results), default=0.0)
        latencies = sorted(x for r in results for x in r.get(stage, {}).get("lat", []))
        expected = info["posts"] * subscribers
        elapsed = max(last, info["publish_end"]) - info["start"]
        rows.append(
            {
                "target_deliveries_per_s": int(stage),
                "posts": info["posts"],
                "delivered": count,
                "expected": expected,
                "deliveries_per_s": round(count / elapsed) if elapsed > 0 else None,
                "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
                "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1)
                if latencies
                else None,
            }
        )
    return rows


def _rss_mib(pid: int) -> float:
    return round(psutil.Process(pid).memory_info().rss / 2**20, 1)


def run(args: argparse.Namespace) -> dict:
    _raise_fd_limit()
    report: dict = {
        "subscribers": args.subscribers,
        "client_processes": CLIENT_PROCESSES,
        "stage_seconds": args.stage_seconds,
        "rates": args.rates,
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        profile = ["-m", "cProfile", "-o", args.profile_relay] if args.profile_relay else []
        relay = subprocess.Popen(
            [
                sys.executable,
                *profile,
                "-m",
                "peertui_relay",
                "--port",
                str(port),
                "--data-dir",
                tmp,
                "--rate-per-second",
                "1000000",
                "--rate-burst",
                "1000000",
                # One machine plays thousands of members from one address.
                "--max-streams-per-address",
                "1000000",
                "--max-connections-per-address",
                "1000000",
                "--limit-concurrency",
                "1000000",
                "--metrics-token",
                "bench",
            ],
            stdout=subprocess.DEVNULL,
        )
        try:
            _wait_healthy(url)
            gid, owner = _setup_relay_group(url, args.subscribers)
            report["relay_rss_mib_after_setup"] = _rss_mib(relay.pid)
            # Subscribers start where the group is now, as members who are caught up would.
            since = _last_seq(url, gid, owner)
            subs = Subscribers(url, gid, args.subscribers, args.subscribers, True, since)
            try:
                report["relay_rss_mib_with_subscribers"] = _rss_mib(relay.pid)
                stages = asyncio.run(
                    _publish_stages(
                        url, gid, owner, args.rates, args.subscribers, args.stage_seconds
                    )
                )
                report["relay_rss_mib_after_load"] = _rss_mib(relay.pid)
                results = subs.results()
            finally:
                subs.stop()
            report["relay"] = _summarise(stages, results, args.subscribers)
            time.sleep(1.0)
            since = _last_seq(url, gid, owner)
            idle = Subscribers(url, gid, args.idle, args.subscribers, True, since)
            try:
                time.sleep(1.0)
                report["idle_subscribers"] = args.idle
                report["relay_rss_mib_idle_subscribers"] = _rss_mib(relay.pid)
                metrics = httpx.get(
                    url + "/v1/metrics", headers={"Authorization": "Bearer bench"}
                ).text
                report["relay_reported_subscribers"] = int(
                    re.search(r"^peertui_relay_subscribers (\d+)$", metrics, re.M).group(1)
                )
            finally:
                idle.stop()
        finally:
            # SIGINT lets cProfile write its file; both stop the relay cleanly.
            relay.send_signal(signal.SIGINT if args.profile_relay else signal.SIGTERM)
            relay.wait(timeout=15)

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    ceiling = subprocess.Popen([sys.executable, __file__, "--ceiling", str(port)])
    try:
        _wait_healthy(url)
        subs = Subscribers(url, "ceiling", args.subscribers, 1, signed=False)
        try:
            stages = asyncio.run(
                _publish_stages(
                    url, "ceiling", None, args.rates, args.subscribers, args.stage_seconds
                )
            )
            results = subs.results()
        finally:
            subs.stop()
        report["ceiling"] = _summarise(stages, results, args.subscribers)
    finally:
        ceiling.terminate()
        ceiling.wait(timeout=15)

    # Throughput is what a stage actually delivered per second, all events accounted for;
    # beyond saturation it stays flat while latency grows, so the best stage is the ceiling.
    def best(rows: list[dict]) -> int:
        return max((r["deliveries_per_s"] or 0) for r in rows if r["delivered"] == r["expected"])

    report["max_deliveries_per_s"] = {
        "relay": best(report["relay"]),
        "ceiling": best(report["ceiling"]),
    }
    report["ratio_to_ceiling"] = round(
        report["max_deliveries_per_s"]["relay"] / report["max_deliveries_per_s"]["ceiling"], 2
    )
    return report


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        _, _, url, gid, since, first, seeds = sys.argv
        asyncio.run(_client_main(url, gid, int(since), seeds.split(","), int(first)))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--ceiling":
        _ceiling_main(int(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--profile-relay", metavar="FILE", help="run the relay under cProfile")
    parser.add_argument("--idle", type=int, default=5000)
    parser.add_argument("--stage-seconds", type=float, default=4.0)
    parser.add_argument(
        "--rates",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[2500, 5000, 10000, 20000, 30000, 40000],
    )
    print(json.dumps(run(parser.parse_args()), indent=2))


if __name__ == "__main__":
    main()
