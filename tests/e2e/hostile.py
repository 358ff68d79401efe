"""A hostile relay for tests: a man in the middle between real clients and a real relay.

Every request is forwarded unchanged to the real relay process (signatures stay valid), but
what comes back to a chosen reader can be rewritten: events in its stream dropped, swapped,
replaced or forged, and the roster it fetches edited. It also keeps a copy of every event it
delivered to each reader: what a relay operator (or whoever copies its store) holds when a
member's keys are later stolen. It runs in the test's own event loop on a free loopback port.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import uvicorn
from httpx_sse import aconnect_sse
from nacl.signing import SigningKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from peertui_relay.serving import bind
from peertui_wire.encoding import b64d, b64e
from peertui_wire.roster import RosterState, make_event

# (reader key, event as the relay sent it) -> the events to deliver instead ([] drops it).
Tamper = Callable[[bytes, dict[str, Any]], list[dict[str, Any]]]
# (reader key, roster events) -> the roster that reader is shown.
RosterView = Callable[[bytes, list[dict[str, Any]]], list[dict[str, Any]]]
# "host" too: requests are signed for the origin the client addresses (this proxy), and a
# hostile relay forwards them unchanged.
_FORWARDED = (
    "host",
    "x-peertui-key",
    "x-peertui-time",
    "x-peertui-nonce",
    "x-peertui-signature",
    "x-peertui-session",  # request sessions (PROTOCOL.md §11.1)
    "x-peertui-mac",
)


def _frame(event: dict[str, Any]) -> bytes:
    data = json.dumps(event, separators=(",", ":"))
    return f"id: {event['seq']}\nevent: {event['kind']}\ndata: {data}\n\n".encode()


class HostileRelay:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.tamper: Tamper | None = None
        self.roster_view: RosterView | None = None
        self.health: dict[str, Any] | None = None  # e.g. what a protocol-1 relay answers
        self.delivered: dict[bytes, list[dict[str, Any]]] = {}
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task | None = None
        self._http = httpx.AsyncClient(base_url=self.upstream, timeout=60)

    async def start(self) -> HostileRelay:
        app = Starlette(
            routes=[Route("/{path:path}", self._forward, methods=["GET", "POST", "PUT", "DELETE"])]
        )
        sock = bind("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_keep_alive=30)
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True  # event streams never end by themselves
        if self._task is not None:
            await asyncio.wait_for(self._task, timeout=10)
        await self._http.aclose()

    def _reader(self, request: Request) -> bytes:
        key = request.headers.get("x-peertui-key", "")
        try:
            return b64d(key, length=32)
        except ValueError:
            return b""

    def _rewrite(self, reader: bytes, event: dict[str, Any]) -> list[dict[str, Any]]:
        out = [event] if self.tamper is None else self.tamper(reader, event)
        self.delivered.setdefault(reader, []).extend(out)
        return out

    async def _forward(self, request: Request) -> Response:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        headers = {k: v for k, v in request.headers.items() if k.lower() in _FORWARDED}
        if "last-event-id" in request.headers:
            headers["Last-Event-ID"] = request.headers["last-event-id"]
        reader = self._reader(request)
        if request.url.path == "/v1/health" and self.health is not None:
            return Response(json.dumps(self.health), media_type="application/json")
        if request.method == "GET" and request.url.path.endswith("/events"):
            return StreamingResponse(
                self._stream(path, headers, reader), media_type="text/event-stream"
            )
        body = await request.body()
        answer = await self._http.request(request.method, path, content=body, headers=headers)
        content = answer.content
        if answer.status_code == 200 and request.method == "GET":
            if request.url.path.endswith("/roster") and self.roster_view is not None:
                events = self.roster_view(reader, answer.json()["events"])
                content = json.dumps({"events": events}).encode()
            elif request.url.path.endswith("/log"):
                page = answer.json()
                page["events"] = [
                    e for event in page["events"] for e in self._rewrite(reader, event)
                ]
                content = json.dumps(page).encode()
        return Response(
            content,
            status_code=answer.status_code,
            media_type=answer.headers.get("content-type"),
            headers={k: v for k, v in answer.headers.items() if k.lower() == "retry-after"},
        )

    async def _stream(
        self, path: str, headers: dict[str, str], reader: bytes
    ) -> AsyncIterator[bytes]:
        async with aconnect_sse(self._http, "GET", path, headers=headers) as source:
            if source.response.status_code >= 400:
                return  # the client sees a closed stream and retries, as after an outage
            async for sse in source.aiter_sse():
                if not sse.data:
                    yield b": keepalive\n\n"
                    continue
                event = json.loads(sse.data)
                if sse.event == "gap":
                    yield f"id: {sse.id}\nevent: gap\ndata: {sse.data}\n\n".encode()
                    continue
                for out in self._rewrite(reader, event):
                    yield _frame(out)


class Replace:
    """Tamper: replace the next events from `carrier` to `reader` with forged ones, in turn
    (each forged event takes the carrier's number, so the carrier never reaches the reader)."""

    def __init__(self, reader: bytes, carrier: bytes, forged: list[dict[str, Any]]):
        self.reader, self.carrier, self.forged = reader, carrier, list(forged)

    def __call__(self, reader: bytes, event: dict[str, Any]) -> list[dict[str, Any]]:
        if (
            reader == self.reader
            and self.forged
            and event["kind"] == "message"
            and b64d(event["sender"]) == self.carrier
        ):
            forged = self.forged.pop(0)
            return [{**forged, "seq": event["seq"], "ts": event["ts"]}]
        return [event]


def equivocation(owner_signing_key: SigningKey, events: list[dict[str, Any]], gid: str) -> dict:
    """A second, validly signed event for the index of the last of `events` (an owner key in
    two hands, or an owner and a relay that collude)."""
    before = RosterState.replay(events[:-1], gid)
    return make_event(owner_signing_key, before, "slowmode", value=10)


def forged_roster(signer: bytes, event: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "roster", "sender": b64e(signer), "body": {"event": event}}
