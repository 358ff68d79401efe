"""Reconnecting to a relay that went down: within seconds of it coming back, after every
outage (not only the first); a member's action retries at once; a relay that is down is not
hammered; and a reader busy with what it was sent is not taken for a stalled relay."""

from __future__ import annotations

import asyncio
import time

import pytest

from peertui.core.relay_client import (
    RECONNECT_CAP,
    Backoff,
    RelayClient,
    RelayEvent,
    StreamStalled,
    follow,
)

from .groupkit import GroupKit

pytestmark = pytest.mark.timeout(150)


class Watch:
    """What follow() reported, with the loop time of each report."""

    def __init__(self) -> None:
        self.reports: list[tuple[str, float]] = []

    def __call__(self, state: str, _cause: object) -> None:
        self.reports.append((state, time.monotonic()))

    def count(self, state: str, since: float = 0.0) -> int:
        return sum(1 for s, at in self.reports if s == state and at >= since)

    async def until(self, state: str, since: float, timeout: float) -> float:
        """Seconds from `since` until `state` was reported after it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for s, at in self.reports:
                if s == state and at >= since:
                    return at - since
            await asyncio.sleep(0.02)
        raise AssertionError(f"no {state!r} within {timeout} s")


async def test_every_outage_ends_within_seconds_of_the_relay_coming_back(relay):
    """A quiet group (no event arrives while connected) used to keep the backoff of every
    earlier outage: the third one waited up to 30 s after the relay was back."""
    kit = await GroupKit.create(relay.url)
    watch = Watch()

    async def consume() -> None:
        async for _item in follow(kit.owner.client, kit.group_id, lambda: 0, on_state=watch):
            pass

    follower = asyncio.create_task(consume())
    waits: list[float] = []
    tries: list[int] = []
    try:
        await watch.until("connected", 0.0, 10)
        await asyncio.sleep(0.5)  # the stored roster events have arrived: the group is quiet
        for _outage in range(3):
            relay.kill()
            down_at = time.monotonic()
            await watch.until("offline", down_at, 10)
            await asyncio.sleep(8)
            tries.append(watch.count("connecting", down_at))
            relay.start(port=relay.port)
            back_at = time.monotonic()  # start() returns once the relay answers /v1/health
            waits.append(await watch.until("connected", back_at, 30))
            await asyncio.sleep(6)  # connected long enough to count as a working connection
    finally:
        follower.cancel()
        await kit.close()
    assert max(waits) <= RECONNECT_CAP + 1.0, f"reconnected after {waits} s"
    # ... without hammering the relay while it was down: about one try every 2.5 s.
    assert all(2 <= n <= 12 for n in tries), f"connection attempts per 8 s outage: {tries}"


async def test_a_wake_retries_at_once_but_at_most_once_a_second(relay):
    kit = await GroupKit.create(relay.url)
    watch = Watch()
    wake = asyncio.Event()
    # A backoff far longer than the test: only the wake can bring the stream back in time.
    backoff = Backoff(base=60.0, cap=60.0)

    async def consume() -> None:
        async for _item in follow(
            kit.owner.client, kit.group_id, lambda: 0, on_state=watch, backoff=backoff, wake=wake
        ):
            pass

    follower = asyncio.create_task(consume())
    try:
        await watch.until("connected", 0.0, 10)
        relay.kill()
        down_at = time.monotonic()
        await watch.until("offline", down_at, 10)
        # A member sending fifty messages while the relay is down: tries, spaced out.
        for _ in range(50):
            wake.set()
            await asyncio.sleep(0.06)
        assert watch.count("connecting", down_at) <= 5
        relay.start(port=relay.port)
        back_at = time.monotonic()
        wake.set()
        took = await watch.until("connected", back_at, 10)
    finally:
        follower.cancel()
        await kit.close()
    assert took <= 1.5, f"a wake after the relay came back took {took:.1f} s"


async def test_a_reader_slower_than_the_keepalive_is_not_taken_for_a_stalled_relay(
    relay_factory,
):
    """Bytes that wait in the socket while the reader handles a batch are not the relay's
    silence: the stream must not be dropped (and its backlog read again) for them."""
    relay = relay_factory("--keepalive-seconds", "0.5")  # stalled after 1 s of silence
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    first = await member.client.post_message(kit.group_id, b"m0")
    seen: list[int] = []
    try:
        async with RelayClient(relay.url, kit.owner.key) as reader:
            async for item in reader.stream(kit.group_id, first - 1):
                assert isinstance(item, RelayEvent)
                seen.append(item.seq)
                if len(seen) == 3:
                    break
                # Busy for longer than the stall limit while more arrives behind.
                await member.client.post_message(kit.group_id, b"m%d" % len(seen))
                await asyncio.sleep(2.5)
    except StreamStalled:
        pytest.fail("a busy reader was taken for a stalled relay")
    finally:
        await kit.close()
    assert seen == [first, first + 1, first + 2]
