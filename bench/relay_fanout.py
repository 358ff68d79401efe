"""Relay fan-out against a minimal broadcaster and Redis pub/sub, side by side; prints JSON.

    ./dev.sh bench relay_fanout [--subscribers 10,100,500,2000] [--groups 1,10,100]
        [--posts 2000] [--repeats 3] [--stacks httptools/uvloop,h11/asyncio,granian]
        [--no-redis] [--database URL] [--py-spy PREFIX] [--relay-auth session|signed]
        [--publishers 32] [--baseline-relay DIR]

Three servers get the very same work in one run:
- relay: the real relay (`python -m peertui_relay`, SQLite with synchronous=FULL) with the
  per-key and per-address limits raised out of the way; each group built through the real API;
- broadcaster: a minimal in-memory SSE broadcaster on the same stack (Starlette + uvicorn with
  the same parser and loop; one buffer per subscriber drained in one write, as the relay does;
  no auth, no storage); `granian` runs it on Granian instead;
- redis: `redis-server` on loopback (no persistence), PUBLISH / SUBSCRIBE.

All servers run at once; each cell is run on each server in turn, `--repeats` times, and the
median kept, so every system sees the same ambient load. For G groups and N subscribers,
subscriber i follows group i mod G, and the publisher sends posts of a 1 KiB envelope
round-robin over the groups, each with an idempotency key as the real client sends (--posts,
fewer where one post fans out to many: about 400,000 deliveries a cell). Posts are prepared
(and for the relay MAC'd in a session opened before each cell, as the client does, or with
`--relay-auth signed` each signed) before the clock starts and sent over 32 keep-alive connections
(`--publishers`),
one post in flight on each; subscribers are raw asyncio sockets in two processes counting
message frames. deliveries/s = frames received / (last frame - first post). CPU is the server
process's user+system time over the cell; "per post" divides by acknowledged posts
("main_thread_cpu_us_per_post": the event loop's thread alone). The "posts_only" cell (no
subscribers) gives the CPU per acknowledged post alone. Each row also says how much of a core
the publisher and the subscriber processes used (if either is near 1.0 the cell measures the
load generator, not the server), the server's own share, and for the relay its posts per
group commit (from /v1/metrics).

`--baseline-relay DIR` also runs the relay from another checkout (DIR/server first on its
PYTHONPATH, e.g. a `git worktree` or `git archive` of main) as "relay-baseline" in the same run,
cell by cell beside the others, so a before/after is measured under the same ambient load; its
ratios to the broadcaster, and this relay's to it, are printed too.

`--database URL` is handed to the relay as `--database URL` (for a relay built with another
store); everything about starting the relay is in `relay_command` and `start_relay`.
Loopback only; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import httpx
import psutil

from peertui_wire.auth import origin_of, sign_request
from peertui_wire.encoding import b64e

SUBSCRIBER_PROCESSES = 2  # the machine has two cores
PUBLISH_CONNECTIONS = 32  # many members posting at once, as on a busy relay (--publishers)
METRICS_TOKEN = "bench-metrics"  # the relay's /v1/metrics, read for its posts per commit
ENVELOPE = os.urandom(1024)
DRAIN_QUIET_SECONDS = 2.0  # a cell ends when every frame arrived, or none came for this long
SSE_MARK = b"\nevent: message\n"
REDIS_MARK = b"*3\r\n$7\r\nmessage\r\n"


# -- subscriber processes ---------------------------------------------------------------------


async def _sse_subscriber(host: str, port: int, request: bytes, counter: list, ready) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
    await _count(reader, SSE_MARK, b"\n", counter, ready)


async def _redis_subscriber(host: str, port: int, channel: str, counter: list, ready) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    name = channel.encode()
    writer.write(b"*2\r\n$9\r\nSUBSCRIBE\r\n$%d\r\n%s\r\n" % (len(name), name))
    await reader.readuntil(b":1\r\n")  # the subscription is confirmed
    await _count(reader, REDIS_MARK, b"\r\n", counter, ready)


async def _count(reader, mark: bytes, lead: bytes, counter: list, ready) -> None:
    ready()
    tail = lead  # the first frame follows the headers; a mark may also straddle two reads
    while data := await reader.read(262144):
        chunk = tail + data
        found = chunk.count(mark)
        if found:
            counter[0] += found
            counter[1] = time.time()
        tail = chunk[-(len(mark) - 1) :]


async def _subscriber_process(spec: dict) -> None:
    """Open the connections in `spec`, print "ready", then answer "count" until "stop"."""
    counter = [0, 0.0]
    connected = [0]
    total = len(spec["streams"])
    all_ready = asyncio.Event()

    def ready() -> None:
        connected[0] += 1
        if connected[0] == total:
            all_ready.set()

    host, port = spec["host"], spec["port"]
    tasks = []
    for stream in spec["streams"]:
        if spec["kind"] == "redis":
            job = _redis_subscriber(host, port, stream, counter, ready)
        else:
            job = _sse_subscriber(host, port, stream.encode("latin-1"), counter, ready)
        tasks.append(asyncio.create_task(job))
        if len(tasks) % 50 == 0:
            await asyncio.sleep(0.01)  # do not flood the accept queue
    waiter = asyncio.create_task(all_ready.wait())
    done, _ = await asyncio.wait([waiter, *tasks], timeout=120, return_when="FIRST_COMPLETED")
    if waiter not in done:
        failed = [repr(t.exception()) for t in tasks if t.done() and t.exception()]
        print(json.dumps({"error": f"{connected[0]}/{total} connected {failed[:1]}"}), flush=True)
        return
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    while (await loop.run_in_executor(None, sys.stdin.readline)).strip() == "count":
        print(json.dumps({"count": counter[0], "last": counter[1]}), flush=True)
    for task in tasks:
        task.cancel()


class Subscribers:
    """Streams spread over SUBSCRIBER_PROCESSES processes; `total()` sums what they counted."""

    def __init__(self, kind: str, host: str, port: int, streams: list[str]) -> None:
        self.processes: list[subprocess.Popen] = []
        for p in range(SUBSCRIBER_PROCESSES):
            mine = streams[p::SUBSCRIBER_PROCESSES]
            if not mine:
                continue
            spec = json.dumps({"kind": kind, "host": host, "port": port, "streams": mine})
            process = subprocess.Popen(
                [sys.executable, __file__, "--subscriber-process"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            process.stdin.write(spec + "\n")
            process.stdin.flush()
            self.processes.append(process)
        for process in self.processes:
            line = process.stdout.readline().strip()
            if line != "ready":
                self.stop()
                raise RuntimeError(f"a subscriber process failed: {line}")

    def total(self) -> tuple[int, float]:
        count, last = 0, 0.0
        for process in self.processes:
            process.stdin.write("count\n")
            process.stdin.flush()
        for process in self.processes:
            answer = json.loads(process.stdout.readline())
            count, last = count + answer["count"], max(last, answer["last"])
        return count, last

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


# -- the broadcaster: in memory, same stack, one write per drained buffer ----------------------


def _broadcaster_app():
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    groups: dict[str, set[Stream]] = {}
    seq = [0]

    class Stream:
        def __init__(self) -> None:
            self.pending: list[bytes] = []
            self.wake = asyncio.Event()

        async def __call__(self, scope, receive, send) -> None:
            async def watch_disconnect() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                self.pending.append(b"")
                self.wake.set()

            watcher = asyncio.create_task(watch_disconnect())
            headers = [(b"content-type", b"text/event-stream; charset=utf-8")]
            try:
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                while True:
                    await self.wake.wait()
                    self.wake.clear()
                    batch, self.pending = self.pending, []
                    if b"" in batch:
                        return
                    body = b"".join(batch)
                    await send({"type": "http.response.body", "body": body, "more_body": True})
            finally:
                watcher.cancel()
                groups[scope["path_params"]["gid"]].discard(self)

    async def publish(request: Request) -> JSONResponse:
        body = await request.json()
        seq[0] += 1
        event = {"seq": seq[0], "kind": "message", "sender": "", "ts": 0, "body": body}
        data = json.dumps(event, separators=(",", ":"))
        frame = f"id: {seq[0]}\nevent: message\ndata: {data}\n\n".encode()
        for stream in groups.get(request.path_params["gid"], ()):
            stream.pending.append(frame)
            stream.wake.set()
        return JSONResponse({"seq": seq[0]}, status_code=201)

    async def events(request: Request):
        stream = Stream()
        groups.setdefault(request.path_params["gid"], set()).add(stream)
        return stream

    return Starlette(
        routes=[
            Route("/v1/groups/{gid}/messages", publish, methods=["POST"]),
            Route("/v1/groups/{gid}/events", events, methods=["GET"]),
            Route("/v1/health", lambda request: JSONResponse({"status": "ok"})),
        ]
    )


def _broadcaster_process(port: int, http: str, loop: str) -> None:
    import uvicorn

    if http == "granian":
        from granian import Granian
        from granian.constants import HTTPModes, Interfaces

        # One worker, like the relay; the module is found through PYTHONPATH (see below).
        Granian(
            "relay_fanout:_broadcaster_app",
            address="127.0.0.1",
            port=port,
            interface=Interfaces.ASGI,
            http=HTTPModes.http1,
            workers=1,
            factory=True,
            log_enabled=False,
            backlog=4096,
        ).serve()
        return
    uvicorn.run(
        _broadcaster_app(),
        host="127.0.0.1",
        port=port,
        http=http,
        loop=loop,
        log_level="warning",
        access_log=False,
        backlog=4096,
    )


# -- servers ------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    host: str
    port: int
    data_dir: str = ""
    groups: list[str] = field(default_factory=list)
    prepare_post: object = None  # (group index, n) -> request bytes
    stream_for: object = None  # group index -> what one subscriber sends
    before_cell: object = lambda: None  # e.g. learn where each group's log is now
    profiler: subprocess.Popen | None = None

    def cpu_seconds(self) -> float:
        """User+system CPU of the server process and its children (Granian runs workers);
        a profiler attached from outside is not counted."""
        proc = psutil.Process(self.process.pid)
        total = sum(proc.cpu_times()[:2])
        for child in proc.children(recursive=True):
            total += sum(child.cpu_times()[:2])
        return total

    def thread_cpu_seconds(self) -> dict[int, float]:
        """User+system CPU of each of the server process's threads, by thread id."""
        return {
            t.id: t.user_time + t.system_time for t in psutil.Process(self.process.pid).threads()
        }

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.profiler is not None:
            self.profiler.wait(timeout=60)  # it writes its file when the relay is gone
        if self.data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become healthy")


def relay_command(data_dir: str, stack: str, database: str = "") -> list[str]:
    """The relay's command line for one run (another store: `database`)."""
    http, loop = stack.split("/")
    unlimited = "1000000"
    return [
        sys.executable,
        "-m",
        "peertui_relay",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--data-dir",
        data_dir,
        "--http-parser",
        http,
        "--event-loop",
        loop,
        # One machine plays every member from one address: the per-key and per-address
        # limits are raised out of the way (what they cost is measured in abuse_latency.py).
        *("--rate-per-second", unlimited, "--rate-burst", unlimited),
        *("--creations-per-hour", unlimited, "--max-streams-per-key", unlimited),
        *("--max-streams-per-address", unlimited, "--max-connections-per-address", unlimited),
        *("--limit-concurrency", unlimited, "--unknown-key-rate", unlimited),
        *("--metrics-token", METRICS_TOKEN),
        *(("--database", database) if database else ()),
    ]


def start_relay(command: list[str], data_dir: str, source: str = "") -> Server:
    """Start the relay from its command line and wait until it is healthy (with `source`, the
    relay of that checkout: its server/ first on the PYTHONPATH)."""
    env = None
    if source:
        path = [os.path.join(os.path.abspath(source), "server"), os.environ.get("PYTHONPATH", "")]
        env = os.environ | {"PYTHONPATH": os.pathsep.join(p for p in path if p)}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    line = process.stdout.readline()
    match = re.search(r"listening on http://([^:\s]+):(\d+) ", line)
    if not match:
        process.kill()
        raise RuntimeError(f"the relay did not start: {line!r}")
    server = Server("relay", process, match.group(1), int(match.group(2)), data_dir)
    _wait_healthy(f"http://{server.host}:{server.port}")
    return server


def start_broadcaster(stack: str) -> Server:
    http, loop = (stack.split("/") + ["asyncio"])[:2]
    port = _free_port()
    command = [sys.executable, __file__, "--broadcaster", str(port), http, loop]
    env = os.environ | {"PYTHONPATH": os.path.dirname(os.path.abspath(__file__))}
    server = Server("broadcaster", subprocess.Popen(command, env=env), "127.0.0.1", port)
    _wait_healthy(f"http://127.0.0.1:{port}")
    return server


def start_redis() -> Server:
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("redis-server is missing: run `./dev.sh bench` once to install it")
    port = _free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
    command += ["no", "--protected-mode", "yes", "--client-output-buffer-limit", "pubsub 0 0 0"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(64).startswith(b"+PONG"):
                    break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("redis-server did not start")
    return Server("redis", process, "127.0.0.1", port)


# -- preparing each server's groups and requests --------------------------------------------------


def _http_post(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Type: application/json"]
    lines += [f"{k}: {v}" for k, v in headers.items()] + [f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _post_body(n: int) -> bytes:
    envelope = b64e(ENVELOPE)
    return json.dumps({"envelope": envelope, "idempotency_key": f"bench-{n:010d}"}).encode()


def verify_floor_us(count: int = 2000) -> float:
    """CPU µs per post of the one check no relay may skip: verifying a post's request
    signature (peertui_wire.auth.verify_request, Ed25519), timed here in the same run. The
    relay's floor per post is about the broadcaster's cost plus this."""
    from nacl.signing import SigningKey

    from peertui_wire.auth import verify_request

    key, path, origin = SigningKey.generate(), "/v1/groups/g/messages", "http://127.0.0.1:1"
    body = _post_body(0)
    headers = sign_request(key, "POST", path, body, origin=origin)
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for _ in range(count):
            verify_request(headers, "POST", path, body, origin=origin)
        best = min(best, (time.process_time() - started) / count * 1e6)
    return round(best, 1)


def mac_floor_us(count: int = 20_000) -> float:
    """The same for a request MAC'd within a session (keyed BLAKE2b over the same fields, and
    the constant-time compare), as the relay checks it."""
    import hmac

    from peertui_wire.request_session import request_mac

    key, path, origin, body = os.urandom(32), "/v1/groups/g/messages", "127.0.0.1:1", _post_body(0)
    mac = request_mac(key, "POST", path, 1, "n" * 22, body, origin)
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for _ in range(count):
            hmac.compare_digest(request_mac(key, "POST", path, 1, "n" * 22, body, origin), mac)
        best = min(best, (time.process_time() - started) / count * 1e6)
    return round(best, 2)


def prepare_relay(server: Server, group_count: int, auth: str = "session") -> None:
    """Create the groups through the real API: an owner (who posts) and one member (whose key
    the subscribers use) per group."""
    from nacl.signing import SigningKey

    from peertui.core import joinbox
    from peertui_wire.ids import invite_secret_hash
    from peertui_wire.roster import RosterState, genesis, make_event

    url = f"http://{server.host}:{server.port}"
    origin = origin_of(url)
    owners, members = [], []
    with httpx.Client(base_url=url, timeout=30) as http:

        def call(key, method, path, payload):
            body = json.dumps(payload).encode()
            headers = sign_request(key, method, path, body, origin=origin)
            response = http.request(method, path, content=body, headers=headers)
            response.raise_for_status()

        for _ in range(group_count):
            owner, member = SigningKey.generate(), SigningKey.generate()
            event = genesis(owner)
            state = RosterState.from_genesis(event)
            gid = state.group_id
            call(owner, "POST", "/v1/groups", {"genesis": event})
            secret = os.urandom(32)
            expires = int(time.time() * 1000) + 3_600_000
            invite = {"secret_hash": invite_secret_hash(secret), "expires_at": expires, "uses": 1}
            call(owner, "POST", f"/v1/groups/{gid}/invites", invite)
            sealed = joinbox.seal_request(joinbox.KeyPair.generate().public, gid, b"bench")
            join = {"invite_secret": b64e(secret), "sealed": b64e(sealed)}
            call(member, "POST", f"/v1/groups/{gid}/join-requests", join)
            admit = make_event(owner, state, "admit", target=bytes(member.verify_key))
            call(owner, "POST", f"/v1/groups/{gid}/roster", {"event": admit})
            server.groups.append(gid)
            owners.append(owner)
            members.append(member)

    # Posts and streams authenticated as the real client does (a session MAC, PROTOCOL.md
    # §11.1), or each signed (`--relay-auth signed`, and for a relay from before sessions).
    sessions: dict[tuple[int, bytes], tuple[bytes, bytes]] = {}

    def authenticate(group: int, key, method: str, path: str, body: bytes) -> dict[str, str]:
        session = sessions.get((group, bytes(key.verify_key)))
        if session is None:
            return sign_request(key, method, path, body, origin=origin)
        from peertui_wire.request_session import mac_request

        return mac_request(*session, bytes(key.verify_key), method, path, body, origin=origin)

    def open_sessions(http: httpx.Client) -> None:
        """One handshake per key and group before each cell (a cell stays within a session's
        request budget)."""
        from peertui_wire.encoding import b64d
        from peertui_wire.request_session import Ephemeral, client_mac_key

        for group, gid in enumerate(server.groups):
            for key in (owners[group], members[group]):
                mine = Ephemeral.generate()
                path = f"/v1/groups/{gid}/sessions"
                body = json.dumps({"client_key": b64e(mine.public)}).encode()
                headers = sign_request(key, "POST", path, body, origin=origin)
                answer = http.post(path, content=body, headers=headers)
                answer.raise_for_status()
                opened = answer.json()
                session_id = b64d(opened["session_id"], length=16)
                mac_key = client_mac_key(
                    mine,
                    b64d(opened["relay_key"], length=32),
                    session_id,
                    b64d(gid, length=16),
                    bytes(key.verify_key),
                )
                sessions[(group, bytes(key.verify_key))] = (mac_key, session_id)

    def post(group: int, n: int) -> bytes:
        path = f"/v1/groups/{server.groups[group]}/messages"
        body = _post_body(n)
        headers = authenticate(group, owners[group], "POST", path, body)
        return _http_post(server.host, server.port, path, body, headers)

    positions: dict[int, int] = {}

    def learn_positions() -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            if auth == "session":
                open_sessions(http)
            for group, gid in enumerate(server.groups):
                path = f"/v1/groups/{gid}/log?since=1000000000&limit=1"
                headers = sign_request(members[group], "GET", path, b"", origin=origin)
                positions[group] = http.get(path, headers=headers).json()["last_seq"]

    def stream(group: int) -> str:
        # From where the group is now, as members who are caught up would.
        path = f"/v1/groups/{server.groups[group]}/events?since={positions[group]}"
        headers = authenticate(group, members[group], "GET", path, b"")
        lines = [f"GET {path} HTTP/1.1", f"Host: {server.host}:{server.port}"]
        lines += ["Accept: text/event-stream"] + [f"{k}: {v}" for k, v in headers.items()]
        return "\r\n".join(lines) + "\r\n\r\n"

    server.prepare_post, server.stream_for = post, stream
    server.before_cell = learn_positions


def prepare_broadcaster(server: Server, group_count: int) -> None:
    server.groups = [f"g{i}" for i in range(group_count)]

    def post(group: int, n: int) -> bytes:
        path = f"/v1/groups/{server.groups[group]}/messages"
        return _http_post(server.host, server.port, path, _post_body(n), {})

    def stream(group: int) -> str:
        path = f"/v1/groups/{server.groups[group]}/events"
        return f"GET {path} HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n\r\n"

    server.prepare_post, server.stream_for = post, stream


def prepare_redis(server: Server, group_count: int) -> None:
    server.groups = [f"g{i}" for i in range(group_count)]

    def post(group: int, n: int) -> bytes:
        channel, body = server.groups[group].encode(), _post_body(n)
        return b"*3\r\n$7\r\nPUBLISH\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
            len(channel),
            channel,
            len(body),
            body,
        )

    server.prepare_post, server.stream_for = post, lambda group: server.groups[group]


# -- the publisher ------------------------------------------------------------------------------


async def _read_http_answer(reader) -> bool:
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    await reader.readexactly(length)
    return head[9:12] in (b"200", b"201")


async def _read_redis_answer(reader) -> bool:
    return (await reader.readuntil(b"\r\n")).startswith(b":")


async def publish_all(
    server: Server, requests: list[bytes], connections: int = PUBLISH_CONNECTIONS
) -> tuple[int, float]:
    """Send every request, one in flight per connection; (acknowledged, first send time)."""
    answer = _read_redis_answer if server.name == "redis" else _read_http_answer
    queue = iter(requests)
    acknowledged = [0]

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        for request in queue:
            writer.write(request)
            if await answer(reader):
                acknowledged[0] += 1
        writer.close()

    started = time.time()
    await asyncio.wait_for(asyncio.gather(*(connection() for _ in range(connections))), 600)
    return acknowledged[0], started


# -- one cell -----------------------------------------------------------------------------------


def _commits(server: Server) -> tuple[int, int] | None:
    """The relay's (group commits, appends in them) so far, from /v1/metrics; None elsewhere."""
    if server.name != "relay":
        return None
    answer = httpx.get(
        f"http://{server.host}:{server.port}/v1/metrics",
        headers={"authorization": f"Bearer {METRICS_TOKEN}"},
        timeout=10,
    )
    if answer.status_code != 200:
        return None
    found = dict(re.findall(r"^peertui_relay_(commits|appends)_total (\d+)$", answer.text, re.M))
    if len(found) != 2:
        return None
    return int(found["commits"]), int(found["appends"])


def _load_side_cpu(subs: Subscribers) -> float:
    """CPU seconds the subscriber processes have used so far (the load generator's own cost)."""
    total = 0.0
    for process in subs.processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += sum(psutil.Process(process.pid).cpu_times()[:2])
    return total


def run_cell(
    server: Server,
    subscribers: int,
    group_count: int,
    posts: int,
    start_n: int,
    connections: int = PUBLISH_CONNECTIONS,
) -> dict:
    server.before_cell()
    streams = [server.stream_for(i % group_count) for i in range(subscribers)]
    per_group = [len(range(g, subscribers, group_count)) for g in range(group_count)]
    expected = sum(per_group[n % group_count] for n in range(posts))
    subs = Subscribers(
        "redis" if server.name == "redis" else "sse", server.host, server.port, streams
    )
    try:
        requests = [server.prepare_post(n % group_count, start_n + n) for n in range(posts)]
        time.sleep(0.5)
        commits_before = _commits(server)
        cpu_before = server.cpu_seconds()
        threads_before = server.thread_cpu_seconds()
        subs_cpu_before = _load_side_cpu(subs)
        publisher_cpu_before = time.process_time()
        acknowledged, started = asyncio.run(publish_all(server, requests, connections))
        published = time.time()
        publisher_cpu = time.process_time() - publisher_cpu_before
        count, last, quiet_since = 0, 0.0, time.monotonic()
        while count < expected and time.monotonic() - quiet_since < DRAIN_QUIET_SECONDS:
            time.sleep(0.1)
            new_count, last = subs.total()
            if new_count > count:
                count, quiet_since = new_count, time.monotonic()
        cpu = server.cpu_seconds() - cpu_before
        threads_after = server.thread_cpu_seconds()
        subs_cpu = _load_side_cpu(subs) - subs_cpu_before
        commits_after = _commits(server)
    finally:
        subs.stop()
    end = max(last, published)
    # The main thread (the event loop) apart from the others (for the relay: the storage
    # thread, whose SQLite work and fsync run without the GIL, so on another core).
    main_thread = server.process.pid
    loop_cpu = threads_after.get(main_thread, 0.0) - threads_before.get(main_thread, 0.0)
    per_commit = None
    if commits_before and commits_after and commits_after[0] > commits_before[0]:
        per_commit = round(
            (commits_after[1] - commits_before[1]) / (commits_after[0] - commits_before[0]), 1
        )
    return {
        "posts": posts,
        "acknowledged": acknowledged,
        "posts_per_s": round(acknowledged / (published - started)),
        "expected": expected,
        "delivered": count,
        "deliveries_per_s": round(count / (end - started)) if count else 0,
        "cpu_us_per_post": round(cpu / max(acknowledged, 1) * 1e6),
        "cpu_us_per_delivery": round(cpu / count * 1e6, 1) if count else None,
        "main_thread_cpu_us_per_post": round(loop_cpu / max(acknowledged, 1) * 1e6),
        # The load generator's own share: if the publisher or the subscribers use most of a
        # core, the cell measures them rather than the server.
        "publisher_cpu_share": round(publisher_cpu / max(published - started, 1e-9), 2),
        "subscribers_cpu_share": round(subs_cpu / max(end - started, 1e-9), 2),
        "server_cpu_share": round(cpu / max(end - started, 1e-9), 2),
        "posts_per_commit": per_commit,
    }


# -- the run ----------------------------------------------------------------------------------


def _servers(args) -> list[tuple[str, object]]:
    """(label, start) for each system in the run, relay and broadcaster once per stack."""
    out: list[tuple[str, object]] = []
    for stack in args.stacks:
        if not stack.startswith("granian") and args.baseline_relay:

            def baseline(stack=stack):
                data_dir = tempfile.mkdtemp(prefix="bench-relay-")
                command = relay_command(data_dir, stack, args.database)
                return start_relay(command, data_dir, args.baseline_relay)

            out.append((f"relay-baseline {stack}", baseline))
        if not stack.startswith("granian"):

            def relay(stack=stack):
                data_dir = tempfile.mkdtemp(prefix="bench-relay-")
                server = start_relay(relay_command(data_dir, stack, args.database), data_dir)
                if args.py_spy:  # a profile of the relay, written when it stops
                    # --gil: only samples holding the GIL, i.e. what keeps the event loop (or
                    # the storage thread's Python part) busy, not threads waiting in fsync.
                    name = f"{args.py_spy}-{stack.replace('/', '-')}-{time.time():.0f}.txt"
                    command = ["py-spy", "record", "-r", "250", "--gil", "-f", "raw", "-o", name]
                    command += ["--pid", str(server.process.pid)]
                    server.profiler = subprocess.Popen(command, stdout=subprocess.DEVNULL)
                return server

            out.append((f"relay {stack}", relay))
        out.append((f"broadcaster {stack}", lambda stack=stack: start_broadcaster(stack)))
    if not args.no_redis:
        out.append(("redis", start_redis))
    return out


def _posts_for(args, subscribers: int, group_count: int) -> int:
    """Posts in a cell: --posts, fewer where each post fans out widely (~400,000 deliveries)."""
    per_post = max(1, subscribers // group_count)
    return max(100, min(args.posts, 400_000 // per_post))


def _median_row(rows: list[dict]) -> dict:
    """The median of each measure over the repeats, with every repeat's rate and CPU kept."""
    out = {key: statistics.median(r[key] or 0 for r in rows) for key in rows[0]}
    out["runs_deliveries_per_s"] = [r["deliveries_per_s"] for r in rows]
    out["runs_cpu_us_per_post"] = [r["cpu_us_per_post"] for r in rows]
    out["all_delivered"] = all(r["delivered"] == r["expected"] for r in rows)
    return out


def run(args) -> dict:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    report: dict = {
        "max_posts_per_cell": args.posts,
        "repeats": args.repeats,
        "envelope_bytes": len(ENVELOPE),
        "publish_connections": args.publishers,
        "subscriber_processes": SUBSCRIBER_PROCESSES,
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "results": {},
    }
    prepare = {
        "relay": functools.partial(prepare_relay, auth=args.relay_auth),
        "broadcaster": prepare_broadcaster,
        "redis": prepare_redis,
    }
    for group_count in args.groups:
        # All servers run at once (idle but for the one measured), and each cell is run on
        # each server in turn, `repeats` times: every system sees the same ambient load.
        servers: list[tuple[str, Server]] = []
        try:
            for label, start in _servers(args):
                servers.append((label, start()))
                prepare[servers[-1][1].name](servers[-1][1], group_count)
            cells = [(f"{n} subs / {group_count} groups", n) for n in args.subscribers]
            if group_count == args.groups[0]:
                cells.insert(0, ("posts_only", 0))  # CPU per acknowledged post alone
            next_n = {label: 0 for label, _ in servers}
            for name, subscribers in cells:
                groups_here = 1 if subscribers == 0 else group_count
                posts = _posts_for(args, subscribers, groups_here)
                runs: dict[str, list[dict]] = {label: [] for label, _ in servers}
                for _ in range(args.repeats):
                    for label, server in servers:
                        row = run_cell(
                            server, subscribers, groups_here, posts, next_n[label], args.publishers
                        )
                        next_n[label] += posts
                        runs[label].append(row)
                for label, _ in servers:
                    row = _median_row(runs[label])
                    report["results"].setdefault(label, {})[name] = row
                    print(label, name, json.dumps(row), file=sys.stderr)
        finally:
            for _, server in servers:
                server.stop()
    report["relay_auth"] = args.relay_auth
    report["verify_request_floor_cpu_us"] = verify_floor_us()
    if args.relay_auth == "session":
        report["mac_request_floor_cpu_us"] = mac_floor_us()
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["ratios"] = _ratios(report["results"], args)
    return report


def _ratios(results: dict, args) -> dict:
    """relay ÷ broadcaster on the same stack, and relay ÷ redis, for each cell."""
    ratios: dict = {}
    for stack in args.stacks:
        for name in ("relay", "relay-baseline"):
            _ratios_of(ratios, results, stack, name)
        relay, baseline = results.get(f"relay {stack}"), results.get(f"relay-baseline {stack}")
        for cell, row in (relay or {}).items() if baseline else ():
            before = baseline.get(cell)
            if not before:
                continue
            entry = ratios.setdefault(f"relay ÷ relay-baseline {stack}", {}).setdefault(cell, {})
            if before["cpu_us_per_post"]:
                entry["cpu_per_post"] = round(row["cpu_us_per_post"] / before["cpu_us_per_post"], 2)
            if before["main_thread_cpu_us_per_post"]:
                entry["main_thread_cpu_per_post"] = round(
                    row["main_thread_cpu_us_per_post"] / before["main_thread_cpu_us_per_post"], 2
                )
            if before["deliveries_per_s"]:
                entry["deliveries"] = round(row["deliveries_per_s"] / before["deliveries_per_s"], 2)
    return ratios


def _ratios_of(ratios: dict, results: dict, stack: str, name: str) -> None:
    relay, broadcaster = results.get(f"{name} {stack}"), results.get(f"broadcaster {stack}")
    if relay and broadcaster:
        mine = ratios.setdefault(stack if name == "relay" else f"{name} {stack}", {})
        for cell, row in relay.items():
            other = broadcaster.get(cell)
            entry = mine.setdefault(cell, {})
            if other and other["cpu_us_per_post"]:
                entry["cpu_per_post_vs_broadcaster"] = round(
                    row["cpu_us_per_post"] / other["cpu_us_per_post"], 2
                )
            if other and other["deliveries_per_s"]:
                entry["deliveries_vs_broadcaster"] = round(
                    row["deliveries_per_s"] / other["deliveries_per_s"], 2
                )
            redis = results.get("redis", {}).get(cell)
            if redis and redis["deliveries_per_s"]:
                entry["deliveries_vs_redis"] = round(
                    row["deliveries_per_s"] / redis["deliveries_per_s"], 2
                )


def _int_list(text: str) -> list[int]:
    return [int(x) for x in text.split(",")]


def main() -> None:
    if sys.argv[1:2] == ["--subscriber-process"]:
        asyncio.run(_subscriber_process(json.loads(sys.stdin.readline())))
        return
    if sys.argv[1:2] == ["--broadcaster"]:
        _broadcaster_process(int(sys.argv[2]), sys.argv[3], sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=_int_list, default=[10, 100, 500, 2000])
    parser.add_argument("--groups", type=_int_list, default=[1, 10, 100])
    parser.add_argument("--posts", type=int, default=2000, help="posts per cell at most")
    parser.add_argument("--repeats", type=int, default=3, help="runs per cell (median kept)")
    parser.add_argument(
        "--stacks",
        type=lambda s: s.split(","),
        default=["h11/asyncio", "httptools/uvloop"],
        help="uvicorn parser/loop pairs; 'granian' runs the broadcaster on Granian",
    )
    parser.add_argument(
        "--relay-auth",
        choices=["session", "signed"],
        default="session",
        help="the relay's posts and streams MAC'd in a session (as the client does) or each "
        "signed (also for a relay from before sessions)",
    )
    parser.add_argument(
        "--publishers",
        type=int,
        default=PUBLISH_CONNECTIONS,
        help="keep-alive connections posting at once, one post in flight on each",
    )
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--database", default="", help="passed to the relay as --database")
    parser.add_argument("--py-spy", metavar="PREFIX", help="record the relay with py-spy")
    parser.add_argument(
        "--baseline-relay",
        metavar="DIR",
        default="",
        help="also run the relay of this checkout (its server/ on PYTHONPATH), same run",
    )
    print(json.dumps(run(parser.parse_args()), indent=2))


if __name__ == "__main__":
    main()
