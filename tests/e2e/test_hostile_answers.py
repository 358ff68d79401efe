"""A relay (or whatever answers at its address) that answers garbage: every answer is a
RelayError the engine already handles — never another exception out of the client.

A real HTTP server on loopback stands in for the hostile relay; the client is the real one."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
import uvicorn
from nacl.signing import SigningKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from peertui.core.relay_client import MAX_ANSWER_BYTES, RelayClient, RelayError
from peertui.ui.relay_words import relay_said
from peertui_relay.serving import bind

ANSWERS = {
    "deeply nested": b"[" * 100_000 + b"]" * 100_000,  # under the stream's 256 KiB per event
    "not JSON": b"<html>hello</html>",
    "a JSON list": b"[1, 2, 3]",
    "cut off": b'{"events": [',
}


@contextlib.asynccontextmanager
async def serving(reply) -> AsyncIterator[str]:
    """A real HTTP server on a free loopback port answering every request with `reply`."""
    app = Starlette(routes=[Route("/{path:path}", reply, methods=["GET", "POST", "PUT"])])
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        server.force_exit = True  # an answer still being streamed does not hold the exit
        await asyncio.wait_for(task, timeout=10)


@pytest.fixture
async def garbage_relay():
    answer = {"body": b""}

    async def reply(request: Request) -> Response:
        if request.url.path.endswith("/events"):
            frame = b"id: 1\nevent: message\ndata: " + answer["body"] + b"\n\n"
            return Response(frame, media_type="text/event-stream")
        return Response(answer["body"], media_type="application/json")

    async with serving(reply) as url:
        yield url, answer


@pytest.mark.parametrize("kind", list(ANSWERS))
async def test_a_garbage_answer_is_a_relay_error(garbage_relay, kind):
    url, answer = garbage_relay
    answer["body"] = ANSWERS[kind]
    async with RelayClient(url, SigningKey.generate()) as client:
        with pytest.raises(RelayError):
            await client.health()
        with pytest.raises(RelayError):
            await client.get_roster("g" * 22)


@pytest.mark.parametrize("kind", ["deeply nested", "not JSON", "cut off"])
async def test_a_garbage_event_ends_the_stream_with_a_relay_error(garbage_relay, kind):
    url, answer = garbage_relay
    answer["body"] = ANSWERS[kind]
    async with RelayClient(url, SigningKey.generate()) as client:
        with pytest.raises(RelayError):
            async for _event in client.stream("g" * 22, 0):
                pass


@pytest.fixture
async def endless_relay():
    """Answers every request with a body that never ends, counting what it managed to send."""
    sent = {"bytes": 0}

    async def chunks():
        chunk = b" " * 65536
        while sent["bytes"] < 4 * MAX_ANSWER_BYTES:  # "never" ends: far past what is read
            sent["bytes"] += len(chunk)
            yield chunk
            await asyncio.sleep(0)  # lets Starlette see the client go away and stop this

    async def reply(request: Request) -> Response:
        return StreamingResponse(chunks(), media_type="application/json")

    async with serving(reply) as url:
        yield url, sent


async def test_an_answer_that_never_ends_is_cut_off_not_buffered(endless_relay):
    url, sent = endless_relay
    async with RelayClient(url, SigningKey.generate()) as client:
        with pytest.raises(RelayError) as unreadable:
            await client.get_roster("g" * 22)
    assert "cannot read" in relay_said(unreadable.value)
    # The client stopped reading soon after the cap: it did not hold the relay's whole answer.
    assert sent["bytes"] < MAX_ANSWER_BYTES + 16 * 1024 * 1024
