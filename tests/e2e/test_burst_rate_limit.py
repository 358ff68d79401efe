"""A member posting far faster than the relay's rate limit (default limits: 20 posts/s, a burst
of 100): every message arrives exactly once, in order, with no "message missing" notice, no
error for the sender, and the reader keeps up with what the relay lets through."""

from __future__ import annotations

import asyncio
import time

import pytest
from tests.conftest import RelayProcess
from tests.e2e.conftest import form_group
from tests.e2e.fault_proxy import FaultProxy
from tests.e2e.harness import Person, wait_until

from peertui.core.events import MessagesMissing, SendingWaits
from peertui.core.relay_client import RelayClient

pytestmark = pytest.mark.timeout(240)

BURST = 600


def _burst_texts(person: Person, group_id: str) -> list[str]:
    return [t for t in person.texts(group_id) if t.startswith("burst ")]


async def test_600_posts_in_a_burst_arrive_once_in_order_with_nothing_missing(
    relay, tmp_path, closing
):
    gid, (reader, writer) = await form_group(relay.url, tmp_path, ["reader", "writer"])
    closing.extend([reader, writer])
    wanted = [f"burst {i:04d}" for i in range(BURST)]
    started = time.monotonic()

    async def send(text: str) -> BaseException | None:
        try:
            await writer.engine.send(gid, text)
        except Exception as exc:  # noqa: BLE001 - collected: none is allowed
            return exc
        return None

    # All at once, as a paste or a script would: they queue in the order they were written.
    failures = [e for e in await asyncio.gather(*(send(t) for t in wanted)) if e is not None]
    assert failures == [], f"a rate limit is no error for the sender: {failures[:3]}"

    await wait_until(
        lambda: len(_burst_texts(reader, gid)) >= BURST,
        timeout=150,
        what="the reader to have the whole burst",
    )
    took = time.monotonic() - started
    await asyncio.sleep(0.5)  # anything extra (a copy) would have arrived by now
    assert _burst_texts(reader, gid) == wanted, "each message exactly once, in order"
    assert _burst_texts(writer, gid) == wanted
    missing = [e for e in reader.events if isinstance(e, MessagesMissing)]
    assert missing == [], "nothing was lost, so nothing may be reported missing"
    assert not writer.engine.store.outbox_list(gid)
    # The relay lets through its burst and then 20 a second: (600 - 100) / 20 = 25 s. The
    # reader is never held up behind the sender's waits by more than a few seconds' slack.
    assert took < 25 + 35, f"the burst took {took:.1f} s to reach the reader"
    # One notice for the sender, not one per queued message.
    assert sum(isinstance(e, SendingWaits) for e in writer.events) <= 5


async def test_a_post_refused_for_the_rate_as_its_session_fills_is_resent_unchanged(
    tmp_path, closing
):
    """The post sealed with a session's last index (99) gets a 429. Its retry must carry the
    very bytes first sealed: sealing it again under the next session spent a new counter, and
    every reader then reported "1 message from ... is missing"."""
    relay = RelayProcess(tmp_path / "relay").start()
    proxy = FaultProxy(relay.url).start()
    try:
        gid, (reader, writer) = await form_group(proxy.url, tmp_path, ["reader", "writer"])
        closing.extend([reader, writer])
        proxy.post_fault = "429_at_index"
        wanted = [f"burst {i:04d}" for i in range(110)]
        for text in wanted:  # one at a time; the relay's own limit is never reached
            await writer.engine.send(gid, text)
        await wait_until(
            lambda: len(_burst_texts(reader, gid)) >= len(wanted),
            timeout=60,
            what="every message at the reader",
        )
        await asyncio.sleep(0.5)
        assert proxy.posts_faulted == 1, "one session filled within the 110 posts"
        assert _burst_texts(reader, gid) == wanted
        assert [e for e in reader.events if isinstance(e, MessagesMissing)] == []
        key = writer.engine._session(gid).identity.signing_key
        async with RelayClient(relay.url, key) as raw:
            events, _gap = await raw.log(gid, 0, limit=500)
        stored = [e.body.get("envelope") for e in events if e.kind == "message"]
        assert proxy.refused_envelopes[0] in stored, "the refused envelope itself was stored"
    finally:
        proxy.stop()
        relay.stop()
