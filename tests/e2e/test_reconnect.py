"""After an outage, a member who writes does not wait for the reconnection backoff: sending
retries the relay at once, and the stream follows as soon as a post went through."""

from __future__ import annotations

import asyncio
import time

import pytest
from tests.e2e.conftest import form_group
from tests.e2e.fault_proxy import FaultProxy
from tests.e2e.harness import wait_until

from peertui.core import relay_client
from peertui.core.events import ConnectionChanged, MessageQueued

pytestmark = pytest.mark.timeout(120)


async def test_sending_after_the_relay_is_back_reconnects_at_once(
    relay, tmp_path, closing, monkeypatch
):
    # Every reconnection waits up to a minute by itself: only the member's send can help.
    monkeypatch.setattr(relay_client, "RECONNECT_BASE", 60.0)
    monkeypatch.setattr(relay_client, "RECONNECT_CAP", 60.0)
    gid, (host, member) = await form_group(relay.url, tmp_path, ["host", "rowan"])
    closing.extend([host, member])
    relay.kill()
    await wait_until(lambda: member.engine.group(gid).connection == "offline", what="offline")
    await asyncio.sleep(2.5)  # the follow loop is in its (now long) wait
    relay.start(port=relay.port)
    sent_at = time.monotonic()
    await member.engine.send(gid, "back again")
    await wait_until(
        lambda: member.engine._groups[gid].streaming,  # (connected already once it posted)
        timeout=5,
        what="the sender's stream to be back",
    )
    took = time.monotonic() - sent_at
    assert took <= 2.0, f"the stream came back {took:.1f} s after the send"
    # The post itself went out at once, not after a wait (the host, who wrote nothing, is
    # still in its own long wait: only the relay's acknowledgement is checked here).
    await member.wait_for_texts(gid, ["back again"], timeout=2)
    stored = [e for e in member.texts(gid) if e == "back again"]
    assert stored == ["back again"]
    assert not member.engine.store.outbox_list(gid)


async def test_a_post_the_relay_takes_means_connected_while_the_stream_still_reconnects(
    relay, tmp_path, closing
):
    """CI, main 4fa13b0: the relay was back and took a queued message, but the state came from
    the event stream alone, which was still reconnecting: the next message was told "Not
    connected" and "connected again" was never said. Any answer of the relay now counts."""
    proxy = FaultProxy(relay.url).start()
    try:
        gid, (host, rowan) = await form_group(proxy.url, tmp_path, ["host", "rowan"])
        closing.extend([host, rowan])
        group = rowan.engine._groups[gid]  # the running group: its state, and its stream
        told: list[tuple[object, str]] = []  # each event with the state the front-ends see then
        rowan.engine.subscribe(lambda event: told.append((event, group.connection)))
        proxy.stop()  # an outage: the address refuses connections
        await wait_until(lambda: group.connection == "offline", what="rowan offline")
        proxy.hold_streams = True  # back, but event streams get no answer for now
        proxy.start(port=proxy.port)

        await rowan.engine.send(gid, "written once the relay was back")
        assert group.connection == "connected", "the relay took the post: it is back"
        assert not group.streaming, "(the stream is still held: this is what is tested)"
        await rowan.engine.send(gid, "and the next one")
        queued = [state for event, state in told if isinstance(event, MessageQueued)]
        assert queued[-1] == "connected", "the next message is not told 'not connected'"

        proxy.hold_streams = False
        await wait_until(lambda: group.streaming, what="rowan's stream to be back")
        await host.wait_for_texts(gid, ["written once the relay was back", "and the next one"])
        changes = [e.state for e, _ in told if isinstance(e, ConnectionChanged)]
        assert changes == ["offline", "connected"], "one line away, one line back, once each"
    finally:
        proxy.stop()
