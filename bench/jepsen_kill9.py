"""Jepsen-style check of the relay under repeated `kill -9`; prints JSON.

Run: .venv/bin/python bench/jepsen_kill9.py [--posters 12] [--kills 15] [--interval 1.0]

N concurrent posters (real keys, real signed requests) each post numbered envelopes, each with
its own idempotency key, retrying every failure (connection refused, reset, timeouts, 5xx)
with the same key until the relay acknowledges it with a seq. Meanwhile the relay is killed
with SIGKILL every `interval` seconds and restarted on the same store. Two real engines (a host
and a member, encrypted stores, real crypto) keep sending through the same outages.

Checked afterwards:
- a fresh subscriber reading the log from 0 sees every acknowledged post exactly once, at the
  seq it was acknowledged with, and nothing that was never posted;
- each engine's history holds every message the other engine sent exactly once (and its own).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nacl.signing import SigningKey  # noqa: E402
from tests.conftest import RelayProcess  # noqa: E402
from tests.e2e.conftest import form_group  # noqa: E402
from tests.relay.groupkit import GroupKit  # noqa: E402

from peertui.core.relay_client import RelayClient, RelayError  # noqa: E402
from peertui_wire.encoding import b64d  # noqa: E402


async def poster(url, gid, key, name, stop, acked, attempts):
    async with RelayClient(url, key, timeout=3.0) as client:
        n = 0
        while not stop.is_set():
            envelope = f"{name}:{n}".encode()
            idem = f"{name}-{n:08d}"
            while True:
                attempts[0] += 1
                try:
                    seq = await client.post_message(gid, envelope, idempotency_key=idem)
                    break
                except RelayError:
                    await asyncio.sleep(0.05)
            acked[envelope] = seq
            n += 1


async def engine_sender(person, gid, stop, sent):
    n = 0
    while not stop.is_set():
        text = f"{person.home.name} says {n}"
        await person.engine.send(gid, text)  # queued while the relay is down, never lost
        sent.append(text)
        n += 1
        await asyncio.sleep(0.2)


async def read_log(url, gid, key) -> list[tuple[int, bytes]]:
    out, since = [], 0
    async with RelayClient(url, key) as client:
        while True:
            events, _gap = await client.log(gid, since, 500)
            if not events:
                return out
            for e in events:
                if e.kind == "message":
                    out.append((e.seq, b64d(e.body["envelope"])))
            since = events[-1].seq


async def main(args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="jepsen-"))
    relay = RelayProcess(tmp / "relay", "--rate-per-second", "100000", "--rate-burst", "100000")
    relay.start()
    kit = await GroupKit.create(relay.url)
    members = [await kit.add_member() for _ in range(args.posters)]
    gid_eng, (host, member) = await form_group(relay.url, tmp, ["host", "member"])
    stop = asyncio.Event()
    acked: dict[bytes, int] = {}
    attempts = [0]
    engine_sent: dict[str, list[str]] = {"host": [], "member": []}
    tasks = [
        asyncio.create_task(poster(relay.url, kit.group_id, m.key, f"p{i}", stop, acked, attempts))
        for i, m in enumerate(members)
    ]
    tasks += [
        asyncio.create_task(engine_sender(p, gid_eng, stop, engine_sent[p.home.name]))
        for p in (host, member)
    ]
    started = time.monotonic()
    for _ in range(args.kills):
        await asyncio.sleep(args.interval)
        relay.kill()
        await asyncio.sleep(0.2)
        await asyncio.to_thread(relay.start, relay.port)
    await asyncio.sleep(args.interval)
    stop.set()
    await asyncio.gather(*tasks)
    duration = time.monotonic() - started

    log = await read_log(relay.url, kit.group_id, SigningKey(bytes(kit.owner.key)))
    by_envelope = Counter(envelope for _seq, envelope in log)
    seq_of = {envelope: seq for seq, envelope in log}
    lost = [e for e in acked if by_envelope[e] == 0]
    duplicated = [e for e, c in by_envelope.items() if c > 1]
    wrong_seq = [e for e, s in acked.items() if e in seq_of and seq_of[e] != s]

    deadline = time.monotonic() + 90

    def engine_problems():
        problems = {}
        for reader, writer in ((host, "member"), (member, "host")):
            texts = Counter(m.text for m in reader.engine.store.latest(gid_eng, 100_000))
            wanted = engine_sent[writer] + engine_sent[reader.home.name]
            missing = [t for t in wanted if texts[t] == 0]
            twice = [t for t, c in texts.items() if c > 1]
            if missing or twice:
                problems[reader.home.name] = {"missing": len(missing), "duplicated": len(twice)}
        return problems

    while engine_problems() and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    problems = engine_problems()
    for p in (host, member):
        await p.engine.close()
    await kit.close()
    relay.stop()
    return {
        "posters": args.posters,
        "kills": args.kills,
        "seconds": round(duration, 1),
        "acknowledged_posts": len(acked),
        "post_attempts": attempts[0],
        "lost": len(lost),
        "duplicated": len(duplicated),
        "wrong_seq": len(wrong_seq),
        "unacknowledged_but_stored": len([e for e in by_envelope if e not in acked]),
        "engine_messages_sent": {k: len(v) for k, v in engine_sent.items()},
        "engine_problems": problems,
        "ok": not (lost or duplicated or wrong_seq or problems),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--posters", type=int, default=12)
    parser.add_argument("--kills", type=int, default=15)
    parser.add_argument("--interval", type=float, default=1.0)
    result = asyncio.run(main(parser.parse_args()))
    print(json.dumps(result, indent=2))
    sys.exit(0 if result["ok"] else 1)
