"""Issue 11 rows 1, 2 and 13: a relay whose disk fills up answers 507 (not 500), logs it once,
and the clients keep every queued message until it can be stored; a client that hangs up
mid-request is not an error."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from tests.conftest import RelayProcess
from tests.e2e.conftest import form_group
from tests.e2e.faults import SmallDisk
from tests.e2e.harness import wait_until

from peertui.core.events import MessageQueued
from peertui.core.relay_client import RelayBusy

pytestmark = pytest.mark.timeout(150)


@pytest.fixture
def small_disk(tmp_path):
    disk = SmallDisk(tmp_path / "disk", size_kib=3072)
    yield disk
    disk.close()


async def test_relay_disk_full_is_507_logged_once_and_queued_messages_arrive_after(
    tmp_path, small_disk, closing
):
    relay = RelayProcess(small_disk.dir / "relay", "--storage-retry-seconds", "1")
    relay.log_path = tmp_path / "relay.log"  # the log must not live on the full disk
    relay.start()
    try:
        gid, (host, robin) = await form_group(relay.url, tmp_path, ["host", "robin"])
        closing.extend([host, robin])
        await robin.engine.send(gid, "before the disk filled")
        await host.wait_for_texts(gid, ["before the disk filled"])

        small_disk.fill(relay)
        with pytest.raises(RelayBusy) as full:
            await host.engine._session(gid).client.post_message(gid, b"\0" * 600)
        assert (full.value.status, full.value.code, full.value.retry_after) == (
            507,
            "storage_full",
            1.0,
        )
        health = httpx.get(relay.url + "/v1/health", timeout=10)
        assert health.status_code == 503 and "full" in health.json()["reason"], health.text

        waiting = [f"written while the relay's disk was full {i}" for i in range(3)]
        for text in waiting:
            await robin.engine.send(gid, text)  # no exception: kept, not refused
        # Every message is told queued once the moment it is written (the first one too, since
        # own messages show at once): each waiting one exactly once.
        queued = [e.message.text for e in robin.events if isinstance(e, MessageQueued)]
        assert sorted(t for t in queued if t in waiting) == sorted(waiting), queued
        await asyncio.sleep(3)  # several retries hit the full disk
        assert len(robin.engine.store.outbox_list(gid)) == 3, "nothing given up on a 5xx"

        small_disk.free(relay)
        await host.wait_for_texts(gid, waiting, timeout=60)
        await wait_until(lambda: not robin.engine.store.outbox_list(gid), what="outbox emptied")
        await asyncio.sleep(0.5)
        assert [t for t in host.texts(gid) if t in waiting] == waiting, "once each, in order"
        await wait_until(  # healthy again once writes have gone through for a while
            lambda: httpx.get(relay.url + "/v1/health", timeout=10).status_code == 200,
            timeout=60,
            what="/v1/health to answer 200 again",
        )
    finally:
        relay.stop()
    log = relay.log_path.read_text()
    assert "Traceback" not in log
    if small_disk.real:  # one relay process saw the whole outage
        assert 1 <= log.count("storage unavailable") <= 2, log[-2000:]


def test_client_hanging_up_mid_body_is_not_an_error(relay_factory):
    relay = relay_factory("--metrics-token", "m")
    for _ in range(20):
        with socket.create_connection(("127.0.0.1", relay.port)) as sock:
            sock.sendall(
                b"POST /v1/groups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b'Content-Length: 5000\r\n\r\n{"genesis":'
            )
    metrics = httpx.get(
        relay.url + "/v1/metrics", headers={"Authorization": "Bearer m"}, timeout=5
    ).text
    assert 'peertui_relay_requests_total{status="5xx"} 0' in metrics
    relay.stop()
    assert "Traceback" not in relay.log_path.read_text()
    assert "ClientDisconnect" not in relay.log_path.read_text()
