"""Cluster mode: two and three relay processes on one PostgreSQL serve the same groups.

Members on different processes talk; streams on every process see the same events in the same
order; a member resumes on another process exactly where it left off; moderation decided on
one process holds on the others (removal closes the stream elsewhere, slow mode and replayed
nonces are shared); two moderators racing for one roster index on two processes get one 201
and one 409; and `kill -9` of one process mid-conversation loses no acknowledged message and
delivers none twice to any member, who reconnect through a round-robin balancer.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

import httpx
import psycopg
import pytest
from tests.conftest import RelayProcess

from peertui.core.relay_client import (
    Backoff,
    RelayClient,
    RelayRefused,
    RelayUnavailable,
    follow,
)
from peertui_wire.auth import origin_of, sign_request
from peertui_wire.encoding import b64d, b64e
from peertui_wire.ids import invite_secret_hash
from peertui_wire.request_session import Ephemeral, client_mac_key, mac_request
from peertui_wire.roster import make_event

from .groupkit import GroupKit, Member, collect
from .roundrobin import RoundRobin

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def cluster(tmp_path, pg_database):
    """Start `n` relay processes on one fresh database; all are stopped at teardown."""
    started: list[RelayProcess] = []

    def start(n: int, *extra: str) -> list[RelayProcess]:
        for _ in range(n):
            name = f"relay{len(started)}"
            process = RelayProcess(tmp_path / name, "--database", pg_database, *extra)
            started.append(process.start())
        return started[-n:]

    yield start
    for process in started:
        process.stop()


def client_on(process: RelayProcess, member: Member) -> RelayClient:
    return RelayClient(process.url, member.key)


@pytest.mark.parametrize("processes", [2, 3])
async def test_members_on_different_processes_talk_and_see_one_order(cluster, processes):
    relays = cluster(processes)
    kit = await GroupKit.create(relays[0].url)  # created on the first, unknown to the others
    members = [await kit.add_member() for _ in range(processes)]
    clients = [client_on(relays[i], m) for i, m in enumerate(members)]
    last = (await clients[-1].log(kit.group_id, 0))[0][-1].seq

    async def listen(client: RelayClient):
        return await collect(client, kit.group_id, last, 3 * processes, timeout=30)

    listeners = [asyncio.create_task(listen(c)) for c in clients]
    await asyncio.sleep(0.5)  # the streams are open on every process
    posted = []
    for round_ in range(3):
        for i, client in enumerate(clients):
            posted.append(await client.post_message(kit.group_id, b"r%d-from-%d" % (round_, i)))
    streams = await asyncio.gather(*listeners)
    for items in streams:
        assert [e.seq for e in items] == posted, "every process streams every post, in order"
        assert [e.sender for e in items] == [m.public for _ in range(3) for m in members]
    for client in clients:
        await client.aclose()
    await kit.close()


async def test_a_member_resumes_on_another_process_with_exactly_the_missed_events(cluster):
    a, b, c = cluster(3)
    kit = await GroupKit.create(a.url)
    member = await kit.add_member()
    on_a, on_c = client_on(a, member), client_on(c, member)
    poster = RelayClient(b.url, kit.owner.key)
    first = [await poster.post_message(kit.group_id, b"before%d" % i) for i in range(3)]
    seen = await collect(on_a, kit.group_id, 0, 5)  # 2 roster events + 3 messages
    assert [e.seq for e in seen][-3:] == first
    missed = [await poster.post_message(kit.group_id, b"after%d" % i) for i in range(4)]
    resumed = await collect(on_c, kit.group_id, seen[-1].seq, 4)
    assert [e.seq for e in resumed] == missed
    log, gap = await on_c.log(kit.group_id, seen[-1].seq)
    assert gap is None and [e.seq for e in log] == missed
    for client in (on_a, on_c, poster):
        await client.aclose()
    await kit.close()


async def test_a_removal_on_one_process_closes_the_stream_on_another(cluster):
    a, b = cluster(2)
    kit = await GroupKit.create(a.url)
    member = await kit.add_member()
    on_b = client_on(b, member)
    await on_b.post_message(kit.group_id, b"hello")  # B knows the group and the member
    items: list = []

    async def read():
        async for item in on_b.stream(kit.group_id, 0):
            items.append(item)

    reader = asyncio.create_task(read())
    await asyncio.sleep(0.5)
    removal = await kit.roster(None, "remove", target=member.public)  # decided on A
    await asyncio.wait_for(reader, 15)  # B ended the removed member's stream
    assert items[-1].seq == removal and items[-1].kind == "roster", "it learned why first"
    with pytest.raises(RelayRefused) as refused:
        await on_b.post_message(kit.group_id, b"still here?")
    assert (refused.value.status, refused.value.code) == (403, "not_member")
    assert (await on_b.membership(kit.group_id))["status"] == "removed"
    await on_b.aclose()
    await kit.close()


async def test_slow_mode_and_mutes_set_on_one_process_hold_on_the_others(cluster):
    a, b, c = cluster(3)
    kit = await GroupKit.create(a.url)
    member, other = await kit.add_member(), await kit.add_member()
    await kit.roster(None, "slowmode", value=30)  # decided on A
    # Each replica hears of it within moments: posting until refused proves C has (with a
    # member whose clock does not matter here), and B has and started the member's clock.
    await _eventually_refused(client_on(c, other), kit.group_id, "slow_mode")
    on_b, on_c = client_on(b, member), client_on(c, member)
    await _eventually_refused(on_b, kit.group_id, "slow_mode")
    with pytest.raises(RelayRefused) as refused:
        await on_c.post_message(kit.group_id, b"at once, on another process")
    assert (refused.value.status, refused.value.code) == (429, "slow_mode")
    await kit.roster(None, "slowmode", value=0)
    until = int(time.time() * 1000) + 60_000
    await kit.roster(None, "mute", target=member.public, until=until)
    await _eventually_refused(on_c, kit.group_id, "muted")
    with pytest.raises(RelayRefused) as refused:
        await on_b.post_message(kit.group_id, b"and on the other")
    assert refused.value.code == "muted"
    for client in (on_b, on_c):
        await client.aclose()
    await kit.close()


async def test_two_moderators_racing_for_one_roster_index_get_one_201_and_one_409(cluster):
    a, b = cluster(2)
    kit = await GroupKit.create(a.url)
    mod = await kit.add_member(role="moderator")
    target = await kit.add_member()
    await client_on(b, mod).get_roster(kit.group_id)  # B has the group loaded
    owner_on_a = kit.owner.client
    mod_on_b = client_on(b, mod)
    # Both sign the same next index; both processes' replicas are at that index.
    owner_event = make_event(kit.owner.key, kit.state, "slowmode", value=5)
    mod_event = make_event(mod.key, kit.state, "mute", target=target.public, until=2**40)
    results = await asyncio.gather(
        owner_on_a.post_roster(kit.group_id, owner_event),
        mod_on_b.post_roster(kit.group_id, mod_event),
        return_exceptions=True,
    )
    wins = [r for r in results if isinstance(r, int)]
    losses = [r for r in results if isinstance(r, RelayRefused)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert (losses[0].status, losses[0].code) == (409, "roster_conflict")
    rosters = [await c.get_roster(kit.group_id) for c in (owner_on_a, mod_on_b)]
    assert rosters[0] == rosters[1] and len(rosters[0]) == kit.state.next_index + 1
    await mod_on_b.aclose()
    await kit.close()


async def test_a_request_replayed_to_another_process_is_refused(cluster):
    # Behind a load balancer every process has the one public address clients sign for.
    balancer = await RoundRobin([]).start()
    a, b = cluster(2, "--public-url", balancer.url)
    balancer.ports.extend([a.port, b.port])
    kit = await GroupKit.create(balancer.url)
    path = f"/v1/groups/{kit.group_id}/invites"
    body = json.dumps(
        {
            "secret_hash": invite_secret_hash(os.urandom(32)),
            "expires_at": int(time.time() * 1000) + 3_600_000,
            "uses": 1,
        }
    ).encode()
    headers = sign_request(kit.owner.key, "POST", path, body, origin=origin_of(balancer.url))
    headers["Content-Type"] = "application/json"
    first = httpx.post(a.url + path, content=body, headers=headers)
    assert first.status_code == 201, first.text
    replayed = httpx.post(b.url + path, content=body, headers=headers)
    assert (replayed.status_code, replayed.json()["error"]["code"]) == (401, "replayed_request")
    await balancer.close()
    await kit.close()


@pytest.mark.parametrize("processes", [2, 3])
async def test_kill_9_of_one_process_mid_conversation_loses_and_duplicates_nothing(
    cluster, processes
):
    balancer = await RoundRobin([]).start()
    relays = cluster(processes, "--public-url", balancer.url)
    balancer.ports.extend(r.port for r in relays)
    kit = await GroupKit.create(balancer.url)
    members = [await kit.add_member() for _ in range(3)]
    received: dict[int, list[int]] = {i: [] for i in range(len(members))}
    acknowledged: list[int] = []
    stop = asyncio.Event()

    async def consume(i: int, member: Member) -> None:
        client = RelayClient(balancer.url, member.key)
        try:
            async for item in follow(
                client, kit.group_id, lambda: 0, backoff=Backoff(base=0.05, cap=0.3)
            ):
                if getattr(item, "kind", "") == "message":
                    received[i].append(item.seq)
        finally:
            await client.aclose()

    async def post(i: int, member: Member) -> None:
        client = RelayClient(balancer.url, member.key)
        n = 0
        while not stop.is_set():
            key = f"m{i}-{n:05d}"
            acknowledged.append(await _post_until_acknowledged(client, kit.group_id, key))
            n += 1
            await asyncio.sleep(0.02)
        await client.aclose()

    followers = [asyncio.create_task(consume(i, m)) for i, m in enumerate(members)]
    posters = [asyncio.create_task(post(i, m)) for i, m in enumerate(members)]
    try:
        await _wait_for(lambda: len(acknowledged) >= 30, 30)
        relays[1].kill()  # mid-conversation: posts and streams in flight on it
        before = len(acknowledged)
        await _wait_for(lambda: len(acknowledged) >= before + 30, 60)
        stop.set()
        await asyncio.gather(*posters)
        for i in received:
            await _wait_for(lambda i=i: set(acknowledged) <= set(received[i]), 30)
    finally:
        stop.set()
        for task in followers + posters:
            task.cancel()
        await asyncio.gather(*followers, *posters, return_exceptions=True)
    assert len(acknowledged) == len(set(acknowledged)), "two posts were given one seq"
    for i, seqs in received.items():
        assert len(seqs) == len(set(seqs)), f"member {i} got a message twice"
        assert seqs == sorted(seqs), f"member {i} got messages out of order"
        assert set(seqs) == set(acknowledged), f"member {i}: lost or extra messages"
    # Retries of a post whose answer died with the process stored it once.
    survivor = RelayClient(balancer.url, members[0].key)
    stored = [e.seq for e in await _whole_log(survivor, kit.group_id) if e.kind == "message"]
    assert sorted(stored) == sorted(acknowledged)
    await survivor.aclose()
    assert len(set(balancer.connections)) == processes, "every process served connections"
    await balancer.close()
    await kit.close()


async def _post_until_acknowledged(client: RelayClient, group_id: str, key: str) -> int:
    deadline = time.monotonic() + 30
    while True:
        try:
            return await client.post_message(group_id, key.encode(), idempotency_key=key)
        except RelayUnavailable:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def _whole_log(client: RelayClient, group_id: str) -> list:
    events, since = [], 0
    while True:
        page, _ = await client.log(group_id, since)
        if not page:
            return events
        events += page
        since = page[-1].seq


async def _eventually_refused(client: RelayClient, group_id: str, code: str) -> None:
    """Post until refused with `code` (what a replica has not heard of yet lets posts by)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            await client.post_message(group_id, b"let me through")
        except RelayRefused as exc:
            assert exc.code == code
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"never refused with {code}")
        await asyncio.sleep(0.05)


async def _wait_for(condition, timeout: float = 15.0) -> None:
    async def poll():
        while not condition():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), timeout)


async def test_streams_catch_up_what_was_committed_while_their_listener_was_away(
    cluster, pg_database
):
    a, b = cluster(2)
    kit = await GroupKit.create(a.url)
    member = await kit.add_member()
    on_b = client_on(b, member)
    last = (await on_b.log(kit.group_id, 0))[0][-1].seq
    listener = asyncio.create_task(collect(on_b, kit.group_id, last, 6, timeout=40))
    await asyncio.sleep(0.5)
    before = [await kit.owner.client.post_message(kit.group_id, b"b%d" % i) for i in range(2)]
    # Cut every LISTEN connection (as a database restart or a network blip would); the posts
    # committed while B is not listening must still reach B's stream, in order.
    with psycopg.connect(pg_database, autocommit=True) as conn:
        cut = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE query LIKE 'LISTEN%%' AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert cut == 2
    during = [await kit.owner.client.post_message(kit.group_id, b"d%d" % i) for i in range(4)]
    items = await listener
    assert [e.seq for e in items] == before + during
    await on_b.aclose()
    await kit.close()


def _relay_command(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "peertui_relay", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_cluster_settings_that_cannot_work_are_sentences(tmp_path, postgres_server):
    data = str(tmp_path / "data")
    wrong = _relay_command("--port", "0", "--data-dir", data, "--database", "mysql://db/relay")
    assert wrong.returncode == 2
    assert "--database must be a postgresql:// URL" in wrong.stderr
    away = "postgresql://relay:hunter2@/nowhere?host=" + str(tmp_path / "no-socket-here")
    unreachable = _relay_command("--port", "0", "--data-dir", data, "--database", away)
    assert unreachable.returncode == 1 and "Traceback" not in unreachable.stderr
    assert "cannot reach the PostgreSQL database" in unreachable.stderr
    assert "hunter2" not in unreachable.stderr, "the password is never printed"
    backup = _relay_command(
        "backup", str(tmp_path / "b.sqlite3"), env={"PEERTUI_RELAY_DATABASE": away}
    )
    assert backup.returncode == 1 and "pg_dump" in backup.stderr


def test_the_database_can_come_from_the_config_file(tmp_path, pg_database):
    config = tmp_path / "relay.toml"
    config.write_text(f'database = "{pg_database}"\n')
    process = RelayProcess(tmp_path / "relay", "--config", str(config)).start()
    try:
        assert not (tmp_path / "relay" / "relay.sqlite3").exists(), "nothing stored in SQLite"
        with psycopg.connect(pg_database) as conn:
            assert conn.execute("SELECT count(*) FROM groups").fetchone() == (0,)
    finally:
        process.stop()


async def test_a_session_opened_on_one_process_works_on_every_process(cluster, pg_database):
    """Sessions are rows every process reads: the MAC, its replay, its request budget and
    the member's removal hold across processes; a session the database lost is re-opened by
    the client without losing or doubling the post."""
    balancer = await RoundRobin([]).start()
    a, b = cluster(2, "--public-url", balancer.url, "--session-max-requests", "4")
    balancer.ports.extend([a.port, b.port])
    kit = await GroupKit.create(balancer.url)
    member = await kit.add_member()
    origin = origin_of(balancer.url)
    mine = Ephemeral.generate()
    path = f"/v1/groups/{kit.group_id}/sessions"
    body = json.dumps({"client_key": b64e(mine.public)}).encode()
    opened = httpx.post(
        a.url + path,
        content=body,
        headers=sign_request(member.key, "POST", path, body, origin=origin),
    )
    assert opened.status_code == 201, opened.text
    answer = opened.json()
    session_id = b64d(answer["session_id"], length=16)
    key = client_mac_key(
        mine,
        b64d(answer["relay_key"], length=32),
        session_id,
        b64d(kit.group_id, length=16),
        member.public,
    )
    post_path = f"/v1/groups/{kit.group_id}/messages"

    def post(url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        content = json.dumps({"envelope": b64e(b"x")}).encode()
        headers = headers or mac_request(
            key, session_id, member.public, "POST", post_path, content, origin=origin
        )
        return httpx.post(url + post_path, content=content, headers=headers)

    content = json.dumps({"envelope": b64e(b"x")}).encode()
    headers = mac_request(key, session_id, member.public, "POST", post_path, content, origin=origin)
    assert post(b.url, headers).status_code == 201  # opened on A, used on B
    replayed = post(a.url, headers)
    assert (replayed.status_code, replayed.json()["error"]["code"]) == (401, "replayed_request")
    assert post(a.url).status_code == 201 and post(b.url).status_code == 201
    assert post(a.url).status_code == 201  # the fourth request of a budget of four
    spent = post(b.url)
    assert (spent.status_code, spent.json()["error"]["code"]) == (401, "session_expired")

    # A client through the balancer: one handshake, posts on both processes; then its
    # session vanishes from the database (as after a purge) and it opens another by itself.
    client = RelayClient(balancer.url, member.key)
    first = await client.post_message(kit.group_id, b"one", idempotency_key="cluster-one-1")
    second = await client.post_message(kit.group_id, b"two", idempotency_key="cluster-two-1")
    assert client.sessions.handshakes == 1
    with psycopg.connect(pg_database, autocommit=True) as db:
        db.execute("DELETE FROM sessions")
    third = await client.post_message(kit.group_id, b"three", idempotency_key="cluster-thr-1")
    assert client.sessions.handshakes == 2
    log, _ = await client.log(kit.group_id, first - 1)
    assert [e.seq for e in log] == [first, second, third]

    # Removed on one process: the other refuses the member's session at once (the session is
    # deleted and the member list checked at every use), and the client hears why in words.
    await kit.roster(None, "remove", target=member.public)
    with pytest.raises(RelayRefused) as refused:
        for _ in range(2):  # one on each process
            await client.post_message(kit.group_id, b"after")
    assert refused.value.code == "not_member"
    await client.aclose()
    await balancer.close()
    await kit.close()
