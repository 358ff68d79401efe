"""Cluster-mode benchmark: the SQLite relay, one PostgreSQL-backed process and two, side by side
in one run; prints one JSON document. Run by hand, not by CI:

    .venv/bin/python bench/relay_cluster.py [--database postgresql://...] [--subscribers 200]
        [--rates 2500,5000,10000] [--stage-seconds 4]

Without --database a throwaway PostgreSQL server is started (tests/pgserver.py, fsync and
synchronous_commit on, as the SQLite relay's synchronous=FULL); each configuration gets a
fresh database. The load is bench/relay_latency.py's: one group, N members admitted through the
real API, N SSE subscribers in separate client processes, signed posts at rising rates, each
envelope carrying its send time so post→receive latency is measured on one clock. With two
relay processes the subscribers are split between them and the posts alternate between them,
as behind a load balancer; a post on A reaches B's streams through LISTEN/NOTIFY.

CPU per delivery is the user+system time of the relay processes (and, for PostgreSQL, of the
database server's processes, reported apart) during the stages, divided by what was delivered.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import relay_latency as fanout  # noqa: E402  (the shared load generator)

from peertui_wire.auth import origin_of, sign_request  # noqa: E402
from peertui_wire.encoding import b64e  # noqa: E402


def _start_relay(data_dir: str, database: str) -> tuple[subprocess.Popen, str]:
    port = fanout._free_port()
    args = [
        sys.executable,
        "-m",
        "peertui_relay",
        "--port",
        str(port),
        "--data-dir",
        data_dir,
        "--rate-per-second",
        "1000000",
        "--rate-burst",
        "1000000",
        "--unknown-key-rate",  # every member joins from this one address
        "1000000",
        "--max-streams-per-address",
        "1000000",
        "--max-connections-per-address",
        "1000000",
        "--limit-concurrency",
        "1000000",
    ]
    if database:
        args += ["--database", database]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    fanout._wait_healthy(url)
    return process, url


async def _publish(
    urls: list[str], gid: str, key, rates: list[int], subscribers: int, stage_seconds: float
) -> dict[str, dict]:
    """As relay_latency's publisher, with posts alternating over `urls`."""
    stages: dict[str, dict] = {}
    clients = [httpx.AsyncClient(base_url=url, timeout=30) for url in urls]
    sent = [0]

    async def post(stage: str) -> None:
        n = sent[0]
        sent[0] += 1
        http, url = clients[n % len(urls)], urls[n % len(urls)]
        envelope = b64e(f"{stage}:{time.time():.6f}".encode())
        body = json.dumps({"envelope": envelope}).encode()
        path = f"/v1/groups/{gid}/messages"
        headers = sign_request(key, "POST", path, body, origin=origin_of(url))
        headers["Content-Type"] = "application/json"
        (await http.post(path, content=body, headers=headers)).raise_for_status()

    try:
        for rate in rates:
            stage = str(rate)
            per_second = rate / subscribers
            total = max(1, round(per_second * stage_seconds))
            start = time.time()
            pending = []
            for n in range(total):
                delay = start + n / per_second - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                pending.append(asyncio.create_task(post(stage)))
            await asyncio.gather(*pending)
            stages[stage] = {"posts": total, "start": start, "publish_end": time.time()}
            await asyncio.sleep(1.0)
    finally:
        for http in clients:
            await http.aclose()
    return stages


def _setup_group(url: str, members: int) -> tuple[str, object]:
    """A group with `members` admitted keys (relay_latency's seeds), through the real API."""
    from nacl.signing import SigningKey

    from peertui_wire.ids import invite_secret_hash
    from peertui_wire.protocol import JOIN_BLOB_BYTES
    from peertui_wire.roster import RosterState, genesis, make_event

    owner = SigningKey.generate()
    with httpx.Client(timeout=30) as http:

        def call(key, method: str, path: str, payload: dict) -> None:
            body = json.dumps(payload).encode()
            headers = sign_request(key, method, path, body, origin=origin_of(url))
            headers["Content-Type"] = "application/json"
            http.request(method, url + path, content=body, headers=headers).raise_for_status()

        event = genesis(owner)
        state = RosterState.from_genesis(event)
        gid = state.group_id
        call(owner, "POST", "/v1/groups", {"genesis": event})
        secret = os.urandom(32)
        expires = int(time.time() * 1000) + 3_600_000
        invite = {"secret_hash": invite_secret_hash(secret), "expires_at": expires, "uses": 1000}
        call(owner, "POST", f"/v1/groups/{gid}/invites", invite)
        for i in range(members):
            key = SigningKey(fanout._seed(i))
            # The relay sees only a padded sealed blob; random bytes of that size stand in.
            request = {"invite_secret": b64e(secret), "sealed": b64e(os.urandom(JOIN_BLOB_BYTES))}
            call(key, "POST", f"/v1/groups/{gid}/join-requests", request)
            admit = make_event(owner, state, "admit", target=bytes(key.verify_key))
            call(owner, "POST", f"/v1/groups/{gid}/roster", {"event": admit})
            state.apply(admit)
    return gid, owner


def _cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def run_config(name: str, processes: int, database: str, pg_pids, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        relays = [_start_relay(f"{tmp}/r{i}", database) for i in range(processes)]
        urls = [url for _, url in relays]
        try:
            gid, owner = _setup_group(urls[0], args.subscribers)
            since = fanout._last_seq(urls[0], gid, owner)
            time.sleep(0.5)  # the other process has heard of every admit
            per = args.subscribers // processes
            fanout.CLIENT_PROCESSES = max(1, 4 // processes)
            subs = [
                fanout.Subscribers(url, gid, per, args.subscribers, True, since) for url in urls
            ]
            relay_pids = [process.pid for process, _ in relays]
            db_pids = pg_pids() if database else []
            relay_cpu, db_cpu = _cpu_seconds(relay_pids), _cpu_seconds(db_pids)
            try:
                stages = asyncio.run(
                    _publish(urls, gid, owner, args.rates, per * processes, args.stage_seconds)
                )
                relay_cpu = _cpu_seconds(relay_pids) - relay_cpu
                db_cpu = (_cpu_seconds(pg_pids()) if database else 0.0) - db_cpu
                results = [r for s in subs for r in s.results()]
            finally:
                for s in subs:
                    s.stop()
        finally:
            for process, _ in relays:
                process.terminate()
                process.wait(timeout=15)
    rows = fanout._summarise(stages, results, per * processes)
    delivered = sum(row["delivered"] for row in rows)
    return {
        "config": name,
        "relay_processes": processes,
        "subscribers": per * processes,
        "stages": rows,
        "delivered": delivered,
        "all_delivered": all(row["delivered"] == row["expected"] for row in rows),
        "relay_cpu_s": round(relay_cpu, 2),
        "database_cpu_s": round(db_cpu, 2),
        "relay_cpu_us_per_delivery": round(relay_cpu / delivered * 1e6, 2),
        "total_cpu_us_per_delivery": round((relay_cpu + db_cpu) / delivered * 1e6, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="", help="a postgresql:// URL to use instead")
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--stage-seconds", type=float, default=4.0)
    parser.add_argument(
        "--rates", type=lambda s: [int(x) for x in s.split(",")], default=[2500, 5000, 10000]
    )
    parser.add_argument(
        "--configs",
        type=lambda s: s.split(","),
        default=["sqlite", "postgres1", "postgres2"],
        help="which of sqlite, postgres1, postgres2 to run (default all three)",
    )
    args = parser.parse_args()
    fanout._raise_fd_limit()
    server = None
    if args.database:
        from urllib.parse import urlsplit, urlunsplit

        import psycopg

        def new_database() -> str:
            name = f"bench_{os.getpid()}_{time.time_ns()}"
            with psycopg.connect(args.database, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            return urlunsplit(urlsplit(args.database)._replace(path="/" + name))

        def pg_pids() -> list[int]:
            return []  # a server of the operator's: its CPU is not ours to read
    else:
        from tests.pgserver import PostgresServer

        server = PostgresServer(durable=True).start()
        new_database, pg_pids = server.new_database, server.server_pids
    report: dict = {
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "rates": args.rates,
        "stage_seconds": args.stage_seconds,
        "configs": [],
    }
    try:
        if "sqlite" in args.configs:
            report["configs"].append(run_config("sqlite", 1, "", pg_pids, args))
        for processes in (1, 2):
            if f"postgres{processes}" in args.configs:
                config = run_config("postgres", processes, new_database(), pg_pids, args)
                report["configs"].append(config)
    finally:
        if server is not None:
            server.stop()
    if report["configs"] and report["configs"][0]["config"] == "sqlite":
        base = report["configs"][0]["total_cpu_us_per_delivery"]
        for config in report["configs"][1:]:
            ratio = config["total_cpu_us_per_delivery"] / base
            config["cpu_per_delivery_vs_sqlite"] = round(ratio, 2)
    report["load_average_at_end"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
