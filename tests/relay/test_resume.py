"""Resuming streams: exactly the missed events after a drop, a `gap` once history expired,
nothing acknowledged lost across `kill -9`, and `follow()` riding through a relay restart."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from peertui.core.relay_client import Backoff, Gap, RelayClient, follow
from peertui_wire.auth import origin_of, sign_request

from .groupkit import GroupKit, collect

pytestmark = pytest.mark.timeout(60)


async def test_reconnect_with_last_event_id_gets_exactly_the_missed_events(relay):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    first = [await member.client.post_message(kit.group_id, b"a%d" % i) for i in range(3)]
    seen = await collect(member.client, kit.group_id, 0, 5)  # 2 roster + 3 messages
    last_id = seen[-1].seq
    assert last_id == first[-1]
    missed = [await member.client.post_message(kit.group_id, b"b%d" % i) for i in range(4)]
    # `stream()` sends since=N both as Last-Event-ID and the query; the header must win.
    resumed = await collect(member.client, kit.group_id, last_id, 4)
    assert [e.seq for e in resumed] == missed
    log, gap = await member.client.log(kit.group_id, last_id)
    assert gap is None and [e.seq for e in log] == missed
    await kit.close()


async def test_last_event_id_header_wins_over_since(relay):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    seqs = [await member.client.post_message(kit.group_id, b"m") for _ in range(3)]
    path = f"/v1/groups/{kit.group_id}/events?since=0"
    headers = sign_request(member.key, "GET", path, b"", origin=origin_of(relay.url)) | {
        "Last-Event-ID": str(seqs[1])
    }
    async with (
        httpx.AsyncClient(base_url=relay.url) as http,
        http.stream("GET", path, headers=headers) as response,
    ):
        first_id = None
        async for line in response.aiter_lines():
            if line.startswith("id: "):
                first_id = int(line[4:])
                break
    assert first_id == seqs[2]
    await kit.close()


async def test_expired_position_yields_a_gap_event(relay_factory):
    relay = relay_factory(
        "--retention-seconds",
        "1",
        "--purge-interval-seconds",
        "0.2",
        "--reclaim-idle-groups",
        "false",  # the group is quiet past retention on purpose
    )
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    old = await member.client.post_message(kit.group_id, b"old")
    await asyncio.sleep(1.6)  # past retention and at least one purge
    fresh = await member.client.post_message(kit.group_id, b"fresh")
    items = await collect(member.client, kit.group_id, 0, 2)
    assert items[0] == Gap(requested=0, first_available=old + 1)
    assert items[1].seq == fresh
    log, gap = await member.client.log(kit.group_id, 0)
    assert gap == Gap(0, old + 1) and [e.seq for e in log] == [fresh]
    # The roster itself is never purged: a newcomer can still verify the group.
    assert [e["kind"] for e in await member.client.get_roster(kit.group_id)] == ["genesis", "admit"]
    await kit.close()


async def test_kill_9_after_acknowledged_posts_loses_none(relay):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    acknowledged = [await member.client.post_message(kit.group_id, b"p%d" % i) for i in range(40)]
    relay.kill()
    relay.restart()
    log, gap = await member.client.log(kit.group_id, 0)
    assert gap is None
    assert [e.seq for e in log if e.kind == "message"] == acknowledged
    streamed = await collect(member.client, kit.group_id, 0, 42)
    assert [e.seq for e in streamed if e.kind == "message"] == acknowledged
    # Membership came back from the roster replay: the member may still post.
    assert await member.client.post_message(kit.group_id, b"after") == acknowledged[-1] + 1
    await kit.close()


async def test_follow_resumes_across_kill_and_restart_without_duplicates(relay):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    poster = RelayClient(relay.url, member.key)
    states: list[str] = []
    received: list[int] = []
    expected: list[int] = []

    async def consume():
        async for item in follow(
            kit.owner.client,
            kit.group_id,
            lambda: 0,
            on_state=lambda state, detail: states.append(state),
            backoff=Backoff(base=0.05, cap=0.3),
        ):
            received.append(item.seq)

    follower = asyncio.create_task(consume())
    try:
        expected += [await poster.post_message(kit.group_id, b"x%d" % i) for i in range(5)]
        await _wait_for(lambda: set(expected) <= set(received))
        relay.kill()
        await asyncio.sleep(0.3)  # the follower notices and starts retrying
        relay.restart()
        expected += [await poster.post_message(kit.group_id, b"y%d" % i) for i in range(5)]
        await _wait_for(lambda: set(expected) <= set(received))
    finally:
        follower.cancel()
        await poster.aclose()
    assert len(received) == len(set(received)), "a seq was delivered twice"
    assert received == sorted(received)
    assert [s for s in received if s in expected] == expected
    assert "offline" in states and states.count("connected") >= 2
    await kit.close()


async def _wait_for(condition, timeout: float = 15.0) -> None:
    async def poll():
        while not condition():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), timeout)


async def test_idle_stream_gets_keepalive_comments(relay_factory):
    relay = relay_factory("--keepalive-seconds", "0.2")
    kit = await GroupKit.create(relay.url)
    path = f"/v1/groups/{kit.group_id}/events?since=1"  # nothing after the genesis
    headers = sign_request(kit.owner.key, "GET", path, b"", origin=origin_of(relay.url))
    comments = 0
    async with httpx.AsyncClient(base_url=relay.url) as http:

        async def read():
            nonlocal comments
            async with http.stream("GET", path, headers=headers) as response:
                async for line in response.aiter_lines():
                    comments += line == ": keepalive"
                    if comments == 2:
                        return

        await asyncio.wait_for(read(), 5)
    assert comments == 2
    await kit.close()


async def test_keepalives_after_events_do_not_break_the_client_stream(relay_factory):
    """After a real event, keepalive comments must not surface as errors or reconnects."""
    relay = relay_factory("--keepalive-seconds", "0.2")
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    seq = await member.client.post_message(kit.group_id, b"hello")
    received = []

    async def read():
        async for item in member.client.stream(kit.group_id, seq - 1):
            received.append(item)

    reader = asyncio.create_task(read())
    await asyncio.sleep(1.2)  # several keepalives after the event
    assert not reader.done(), "the stream ended or failed on a keepalive"
    reader.cancel()
    assert [e.seq for e in received] == [seq]
    await kit.close()
