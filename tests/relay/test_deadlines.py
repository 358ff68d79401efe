"""The relay's time limits on request bodies and event-stream writes (one shared timer instead
of asyncio.timeout per call): they fire, they fire only on their own task, and on the real relay
a dripped body gets 408 and a stream whose reader stopped is cut off while others are served."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import httpx
import pytest

from peertui_relay.deadlines import Deadlines
from peertui_wire.auth import origin_of, sign_request

from .groupkit import GroupKit

pytestmark = pytest.mark.timeout(90)


async def test_a_limit_raises_timeout_error_in_its_task_and_leaves_others_alone():
    deadlines = Deadlines(resolution=0.05)
    started = time.monotonic()
    with pytest.raises(TimeoutError), deadlines.limit(0.2):
        await asyncio.sleep(10)
    assert 0.15 < time.monotonic() - started < 5

    with deadlines.limit(0.1):
        await asyncio.sleep(0)  # done well within its limit...
    await asyncio.sleep(0.3)  # ...so nothing cancels this task later

    async def cancelled_by_someone_else() -> None:
        with deadlines.limit(10):
            await asyncio.sleep(10)

    task = asyncio.create_task(cancelled_by_someone_else())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):  # not turned into a TimeoutError
        await task


async def test_bounded_holds_no_limit_unless_the_await_waits_and_then_times_it_out():
    deadlines = Deadlines(resolution=0.05)

    async def at_once(value: int) -> int:
        return value

    async def after(seconds: float, value: int) -> int:
        await asyncio.sleep(seconds)
        await asyncio.sleep(0)  # waits more than once: every wake-up is passed on
        return value

    assert await deadlines.bounded(at_once(7), 0.1) == 7
    assert not deadlines._held and deadlines._timer is None  # no limit was taken
    assert await deadlines.bounded(after(0.01, 8), 5) == 8
    assert not deadlines._held  # released once done

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await deadlines.bounded(after(10, 9), 0.2)
    assert 0.15 < time.monotonic() - started < 5
    await asyncio.sleep(0.3)  # the expired limit does not cancel this task later

    async def fails(at_once: bool) -> None:
        if not at_once:
            await asyncio.sleep(0.01)
        raise LookupError("from inside")

    for immediately in (True, False):
        with pytest.raises(LookupError, match="from inside"):
            await deadlines.bounded(fails(immediately), 5)

    # Not a coroutine (a future, as some ASGI servers' receive gives): awaited within a limit.
    pending: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    with pytest.raises(TimeoutError):
        await deadlines.bounded(pending, 0.1)
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    done.set_result(10)
    assert await deadlines.bounded(done, 0.1) == 10

    # Cancelled by someone else while it waits: the await inside sees the cancellation (its
    # cleanup runs) and it stays a cancellation, not a TimeoutError.
    cleaned = []

    async def waits_and_cleans() -> None:
        try:
            await asyncio.sleep(10)
        finally:
            cleaned.append(True)

    task = asyncio.create_task(deadlines.bounded(waits_and_cleans(), 10))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == [True]


def _metric(relay, name: str) -> int:
    text = httpx.get(
        relay.url + "/v1/metrics", headers={"Authorization": "Bearer m-token"}, timeout=10
    ).text
    (line,) = [line for line in text.splitlines() if line.startswith(name + " ")]
    return int(line.split()[1])


async def test_a_body_sent_too_slowly_gets_408_and_members_are_served_meanwhile(relay_factory):
    relay = relay_factory("--body-timeout", "1")
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    dripper = socket.create_connection(("127.0.0.1", relay.port))
    dripper.sendall(
        f"POST /v1/groups/{kit.group_id}/messages HTTP/1.1\r\nHost: x\r\n"
        'Content-Type: application/json\r\nContent-Length: 400\r\n\r\n{"envelope":'.encode()
    )
    started = time.monotonic()
    assert await member.client.post_message(kit.group_id, b"while a body drips") > 0
    dripper.settimeout(15)
    answer = dripper.recv(65536)
    waited = time.monotonic() - started
    # The head and the body may come in separate segments: read the body to its length.
    head, _, body = answer.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length and (more := dripper.recv(65536)):
        body += more
    dripper.close()
    assert head.startswith(b"HTTP/1.1 408")
    assert json.loads(body)["error"]["code"] == "body_timeout"
    assert 0.8 < waited < 10
    await kit.close()


async def test_a_stream_whose_reader_stopped_is_cut_off_and_others_still_get_events(
    relay_factory,
):
    relay = relay_factory("--write-timeout-seconds", "1", "--metrics-token", "m-token")
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    path = f"/v1/groups/{kit.group_id}/events?since=0"
    headers = sign_request(member.key, "GET", path, b"", origin=origin_of(relay.url))
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a reader that never reads
    stalled.connect(("127.0.0.1", relay.port))
    request = f"GET {path} HTTP/1.1\r\nHost: {origin_of(relay.url)}\r\n"
    request += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    stalled.sendall(request.encode())
    deadline = time.monotonic() + 20
    while _metric(relay, "peertui_relay_subscribers") < 1:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    # 48 KiB envelopes until the stalled stream's buffers are full and its write blocks.
    big = bytes(48 * 1024)
    for _ in range(60):
        await kit.owner.client.post_message(kit.group_id, big)
    deadline = time.monotonic() + 30
    while _metric(relay, "peertui_relay_subscribers") > 0:
        assert time.monotonic() < deadline, "the stalled stream was never cut off"
        await asyncio.sleep(0.2)
    stalled.close()
    # The relay keeps serving: a new stream gets the backlog.
    log, _ = await member.client.log(kit.group_id, 0)
    assert sum(1 for e in log if e.kind == "message") == 60
    await kit.close()
    relay.stop()
    assert "cut off an event stream" in relay.log_path.read_text()
