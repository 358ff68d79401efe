"""Engine benchmarks; prints JSON.

    .venv/bin/python bench/engine.py [--catch-up 2000,20000] [--only-catch-up] [--py-spy PREFIX]

Against a real relay process on loopback, with real crypto and the encrypted store:
- engine open time for a home with 10 groups (unlock, replay rosters, start connections);
- time from `send()` on one engine to `MessageReceived` on another (p50/p99 over 300 messages);
- sustained send rate of one engine (each send waits for the relay's acknowledgement);
- time for a full join: request, approval, welcome, shares, profile known to the host;
- catch-up: a member that was closed while N messages were posted (by --senders members at
  once, 4 unless told: a group's chat, and faster to post than from one) opens its home again; the
  time until every one of them is stored (cursor at the last seq), as messages per second,
  next to the raw Ed25519 verify + XChaCha20-Poly1305 decrypt rate of 1 KiB measured in the
  same run (the floor under any design) and peertui's own verify+decrypt (InboundSessions).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
)
from nacl.signing import SigningKey

from peertui.core import backlog_process, payloads
from peertui.core.crypto import (
    Identity,
    InboundSessions,
    OutboundSession,
    PrekeyBundle,
    PrekeySecrets,
    RosterHead,
    open_share,
    seal_share,
)
from peertui.core.engine import Engine
from peertui.core.events import JoinApproved, JoinRequested, MessageReceived
from peertui.paths import resolve_paths
from peertui_wire.ids import group_id_for

PASSPHRASE = "benchmark passphrase"
MESSAGES = 300


def start_relay(data_dir: Path, port: int = 0) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "peertui_relay",
            "--port",
            str(port),
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


SAMPLE = (
    "i had a hard day at work and could not sleep again but the walk in the garden helped "
    "a little thanks for listening everyone my therapist said to try breathing slowly when "
    "the panic starts tomorrow is another appointment and i feel tired but hopeful today"
)
WORDS = SAMPLE.split()


def chat_text(rng: random.Random) -> str:
    """A chat line of 3 to 40 words (about 10 to 200 characters, 1 KiB once padded)."""
    return " ".join(rng.choices(WORDS, k=rng.randint(3, 40)))


def detector_per_second(count: int = 300) -> float:
    """The on-device checks every received message gets (fold, cry for help), on the same kind
    of text: the part of catch-up that belongs to the detector, not to receiving."""
    from peertui.wellbeing.fold import received_checks

    rng = random.Random(99)
    texts = [chat_text(rng) for _ in range(count)]
    received_checks(texts[0])  # load the phrase books first
    start = time.perf_counter()
    for text in texts:
        received_checks(text)
    return count / (time.perf_counter() - start)


def raw_verify_decrypt_per_second(count: int = 5000) -> float:
    """Ed25519 verify plus XChaCha20-Poly1305 decrypt of 1 KiB: no framing, ratchet or store."""
    key, nonce = os.urandom(32), os.urandom(24)
    signer = SigningKey.generate()
    verifier = signer.verify_key
    signed = signer.sign(
        crypto_aead_xchacha20poly1305_ietf_encrypt(os.urandom(1024), b"", nonce, key)
    )

    def run_once() -> float:
        start = time.perf_counter()
        for _ in range(count):
            crypto_aead_xchacha20poly1305_ietf_decrypt(verifier.verify(signed), b"", nonce, key)
        return count / (time.perf_counter() - start)

    return max(run_once() for _ in range(3))


def peertui_verify_decrypt_per_second(count: int = 5000) -> float:
    """InboundSessions.decrypt of 1 KiB envelopes in order: peertui's crypto alone."""
    sender, receiver = Identity.generate(), Identity.generate()
    group_id = group_id_for(sender.public_key)
    head = RosterHead(3, bytes(32))
    prekeys = PrekeySecrets.create(receiver, group_id)
    bundle = PrekeyBundle.from_bytes(prekeys.bundle(receiver).to_bytes(), group_id)
    best = 0.0
    for _ in range(3):
        outbound = OutboundSession.create(sender, group_id, epoch=0, roster=head)
        inbound = InboundSessions(group_id)
        inbound.add_share(
            open_share(receiver, prekeys, seal_share(sender, outbound, bundle), group_id)
        )
        envelopes = [outbound.encrypt(sender, os.urandom(1024), head=head) for _ in range(count)]
        start = time.perf_counter()
        for envelope in envelopes:
            inbound.decrypt(envelope)
        best = max(best, count / (time.perf_counter() - start))
    return best


SENDERS = 4  # members posting the backlog at once: a group's chat, and 2-3x faster to post


async def backlog_group(tmp: Path, url: str, senders: int, name: str) -> tuple[list, str, Path]:
    """A host and `senders - 1` more posting members, and the member who will catch up (closed
    when this returns, its home at the returned path). Every poster said hello first, so the
    member holds each one's session, as after any chat. Returns the open posting engines."""
    host, host_events = await open_engine(tmp / f"{name}-host")
    gid = (await host.host_group(name, url, nick="host")).group_id
    member_home = tmp / f"{name}-member"
    posters = [host]
    joined: list = []
    for index in range(senders):  # the member last, so it sees every poster's join
        home = member_home if index == senders - 1 else tmp / f"{name}-poster{index}"
        nick = "member" if index == senders - 1 else f"poster{index}"
        invite = await host.create_invite(gid)
        engine, events = await open_engine(home)
        await engine.join(invite, nick)
        await wait(
            host_events, lambda e, n=nick: isinstance(e, JoinRequested) and e.request.nick == n
        )
        await host.approve(gid, nick)
        await wait(events, lambda e: isinstance(e, JoinApproved))
        joined.append((engine, events))
    *others, (member, member_events) = joined
    posters += [engine for engine, _ in others]
    for number, poster in enumerate(posters):
        await poster.send(gid, f"hello {number}")
        await wait(
            member_events,
            lambda e, n=number: isinstance(e, MessageReceived) and e.message.text == f"hello {n}",
            timeout=120,
        )
    member.remember_current_group(gid)  # the app opens this group, as the member left it
    await member.close()
    for poster in posters:  # they only post from now on: reading each other is not measured
        task = poster._session(gid)._task  # noqa: SLF001
        if task is not None:
            task.cancel()
    return posters, gid, member_home


async def post_backlog(sessions: list, count: int, rng: random.Random, tag: str) -> int:
    """Post `count` chat lines, shared among the posting members' sessions, as fast as the
    relay takes them: encrypted first (as each member's engine would, one ratchet step each),
    then posted in rounds, one line per member at the same time in each round. The lines of a
    round carry the same signed time and rounds go in order, so the relay's order is also the
    display order (none arrives "late", see peertui.ui.ordering). Returns the last seq."""
    from peertui.core import receive_rules
    from peertui.core.group import now_ms

    outbounds = [await session._ensure_outbound() for session in sessions]  # noqa: SLF001
    heads = [receive_rules.head_of(session.roster) for session in sessions]
    rounds = []
    for first in range(0, count, len(sessions)):
        sent_ms = now_ms()
        lines = []
        for lane in range(min(len(sessions), count - first)):
            text = chat_text(rng)
            plaintext = payloads.encode(
                "msg", id=f"{tag}-{first + lane}", text=text, nick="x", cw=""
            )
            envelope = outbounds[lane].encrypt(
                sessions[lane].identity, plaintext, head=heads[lane], sent_ms=sent_ms
            )
            lines.append((sessions[lane], envelope))
        rounds.append(lines)
    for session in sessions:
        session._save_sessions()  # noqa: SLF001
    last_seq = 0
    for lines in rounds:
        seqs = await asyncio.gather(
            *(session.client.post_message(session.group_id, env) for session, env in lines)
        )
        last_seq = max(last_seq, *seqs)
    return last_seq


def child_cpu_seconds(pids: list[int]) -> float:
    """CPU (user + system) the backlog process has spent since it started, from /proc."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def start_profiler(path: str) -> subprocess.Popen:
    """py-spy recording this process and its backlog process (all threads, raw folded stacks)
    until it is stopped."""
    py_spy = Path(sys.executable).with_name("py-spy")
    command = [
        str(py_spy),
        "record",
        "-r",
        "250",
        "-f",
        "raw",
        "--threads",
        "--subprocesses",
        "-o",
        path,
    ]
    process = subprocess.Popen(
        [*command, "--pid", str(os.getpid())],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # attached before the clock starts
    return process


def stop_profiler(process: subprocess.Popen | None) -> None:
    if process is not None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


async def catch_up(
    tmp: Path,
    url: str,
    counts: list[int],
    without_checks: int = 0,
    profile: str = "",
    senders: int = SENDERS,
) -> dict:
    """Messages per second a member stores when it comes back to `count` missed messages.

    With `without_checks`, one more run of that many has the on-device checks (the detector)
    replaced by a no-op: what receiving itself costs, apart from the detector."""
    rng = random.Random(12)
    posters, gid, member_home = await backlog_group(tmp, url, senders, "catch")
    # The bench posts as the members, without their outboxes.
    sessions = [poster._session(gid) for poster in posters]  # noqa: SLF001
    results: dict = {}
    runs = [(count, True) for count in counts] + (
        [(without_checks, False)] if without_checks else []
    )
    for count, checks in runs:
        if not checks:
            from peertui.core import receiving

            receiving.received_checks = lambda text, lang="en": ("", False)
            backlog_process.BacklogProcess.start = lambda self: None  # type: ignore[method-assign]
        posted = time.perf_counter()
        tag = f"c{count}" if checks else f"n{count}"  # new message ids: each run stores new ones
        last_seq = await post_backlog(sessions, count, rng, tag)
        post_seconds = time.perf_counter() - posted

        profiler = start_profiler(f"{profile}-{tag}.txt") if profile else None
        started = time.perf_counter()
        cpu_started = time.process_time()  # this process's every thread (not the relay's)
        member, member_events = await open_engine(member_home)
        opened = time.perf_counter()  # unlocked (Argon2id: a passphrase home) and connecting
        member_session = member._session(gid)  # noqa: SLF001
        while member_session.cursor < last_seq:
            await asyncio.sleep(0.005)
        elapsed = time.perf_counter() - started
        backlog = member._backlog  # noqa: SLF001
        child_cpu = child_cpu_seconds(backlog.pids())  # its start (loading the lists) included
        cpu_seconds = time.process_time() - cpu_started + child_cpu
        after_unlock = time.perf_counter() - opened
        stop_profiler(profiler)
        # A backlog enters the search index when the stream is quiet (code before that did it
        # inside each run's transaction): the time until search needs nothing more, and the
        # CPU spent by then, so the deferred work is counted too.
        waiting = getattr(member.store, "index_waiting", lambda: False)
        while waiting():
            await asyncio.sleep(0.02)
        indexed = time.perf_counter() - started
        cpu_indexed = time.process_time() - cpu_started + child_cpu_seconds(backlog.pids())
        runs_read_there = backlog.runs_read
        received = sum(isinstance(e, MessageReceived) for e in member_events)
        await member.close()
        results[str(count) if checks else f"{count}_without_detector"] = {
            "seconds": round(elapsed, 2),
            "messages_per_second": round(count / elapsed),
            "seconds_after_unlock": round(after_unlock, 2),
            "messages_per_second_after_unlock": round(count / after_unlock),
            # CPU the member's process spent per message, unlock included: on a shared
            # machine a steadier measure of the receive path's own work than the wall clock.
            "cpu_ms_per_message": round(cpu_seconds * 1000 / count, 3),
            # Runs read by the backlog process (its CPU is counted above, its start included).
            "runs_read_in_backlog_process": runs_read_there,
            "backlog_process_cpu_seconds": round(child_cpu, 2),
            "search_index_complete_seconds": round(indexed, 2),
            "cpu_ms_per_message_index_included": round(cpu_indexed * 1000 / count, 3),
            "message_received_events": received,
            "posting_took_seconds": round(post_seconds, 1),
        }
    for poster in posters:
        await poster.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catch-up", default="2000,20000", help="comma-separated counts")
    parser.add_argument("--only-catch-up", action="store_true")
    parser.add_argument(
        "--without-detector",
        type=int,
        default=2000,
        help="one more catch-up of this many with the detector replaced by a no-op (0: none)",
    )
    parser.add_argument(
        "--senders", type=int, default=SENDERS, help="members posting the backlog (host included)"
    )
    parser.add_argument(
        "--py-spy",
        metavar="PREFIX",
        default="",
        help="record each catch-up (from opening the home) with py-spy into PREFIX-<run>.txt",
    )
    args = parser.parse_args()
    counts = [int(c) for c in args.catch_up.split(",") if c.strip()]
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        relay, url = start_relay(Path(tmp) / "relay")
        try:
            if not args.only_catch_up:
                results = asyncio.run(run(Path(tmp), url))
            if counts or args.without_detector:
                raw = raw_verify_decrypt_per_second()
                own = peertui_verify_decrypt_per_second()
                detector = detector_per_second()
                caught = asyncio.run(
                    catch_up(
                        Path(tmp), url, counts, args.without_detector, args.py_spy, args.senders
                    )
                )
                for entry in caught.values():
                    entry["vs_raw_verify_decrypt"] = round(entry["messages_per_second"] / raw, 3)
                    entry["after_unlock_vs_raw"] = round(
                        entry["messages_per_second_after_unlock"] / raw, 3
                    )
                results["catch_up"] = {
                    "raw_verify_decrypt_1kib_per_s": round(raw),
                    "peertui_verify_decrypt_1kib_per_s": round(own),
                    "detector_checks_per_s": round(detector),
                    "missed_messages": caught,
                }
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
