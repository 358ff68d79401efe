"""A misbehaving relay for tests (issue 11 rows 2, 5-8, 10): a proxy in front of the real relay
that passes everything through, except the faults a test switches on.

It runs on its own loop in a thread, so that a stall it injects never stalls the engines.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from peertui_relay.serving import bind
from peertui_wire.crypto_errors import CryptoError
from peertui_wire.encoding import EncodingError, b64d
from peertui_wire.prekeys import PrekeyBundle

_HOP = {"connection", "content-length", "transfer-encoding", "keep-alive"}
FORGED_GAP = 10**12


class FaultProxy:
    """`post_fault`: None, "500", "302", "no_seq_after_commit", "timeout_after_commit" or
    "429_at_index" (the first post whose envelope carries the chain index `fault_index` is
    refused as rate limited, with Retry-After: 1; its envelope is kept in `refused_envelopes`)
    for POST .../messages. `stream_fault`: None, "forged_gap", "huge_event" or "drip" for the next
    `stream_faults_left` event streams. While `hold_streams` is set, an event stream gets no
    answer (a relay slow to take streams again) until it is cleared. `stop()` then
    `start(port)` is an outage: the port refuses connections meanwhile."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.post_fault: str | None = None
        self.stream_fault: str | None = None
        self.stream_faults_left = 0
        self.streams_opened = 0
        self.faulty_stream_bytes = 0
        self.posts_faulted = 0
        self.fault_index = 99
        self.refused_envelopes: list[str] = []
        self.hold_streams = False
        self.prekey_refusals_left = 0
        # While set, a prekey of anyone else is refused as "not a member" (a requester whose
        # prekey has not reached the relay yet, however often it tries).
        self.prekeys_only_of: set[bytes] | None = None
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.url = ""

    def _held_back_prekey(self, body: bytes) -> bool:
        if self.prekeys_only_of is None:
            return False
        try:
            bundle = PrekeyBundle.from_bytes(b64d(json.loads(body)["prekey"]))
        except (ValueError, KeyError, TypeError, EncodingError, CryptoError):
            return False
        return bundle.owner not in self.prekeys_only_of

    # -- the app ------------------------------------------------------------------------

    def _app(self) -> Starlette:
        async def forward(request: Request) -> Response:
            client: httpx.AsyncClient = request.app.state.http
            headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            body = await request.body()
            is_post = request.method == "POST" and request.url.path.endswith("/messages")
            if request.url.path.endswith("/events"):
                return await self._stream(client, path, headers)
            if request.url.path.endswith("/prekey") and (
                self.prekey_refusals_left > 0 or self._held_back_prekey(body)
            ):
                # What a relay says to a prekey that lands between the admission's commit and
                # the roster state it serves (the requester is neither, for that moment).
                self.prekey_refusals_left = max(0, self.prekey_refusals_left - 1)
                return JSONResponse(
                    {"error": {"code": "not_member", "message": "Only members may publish."}},
                    status_code=403,
                )
            if is_post and self.post_fault == "429_at_index" and self._refuse_index(body):
                self.posts_faulted += 1
                return JSONResponse(
                    {"error": {"code": "rate_limited", "message": "Slow down.", "retry_after": 1}},
                    status_code=429,
                    headers={"Retry-After": "1"},
                )
            if is_post and self.post_fault in ("500", "302"):
                self.posts_faulted += 1
                if self.post_fault == "500":
                    return PlainTextResponse("Internal Server Error", status_code=500)
                return Response(status_code=302, headers={"Location": "http://127.0.0.1:9/"})
            upstream = await client.request(
                request.method, self.upstream + path, headers=headers, content=body
            )
            if is_post and self.post_fault == "no_seq_after_commit":
                self.posts_faulted += 1
                return JSONResponse({}, status_code=200)  # stored upstream, answer mangled
            if is_post and self.post_fault == "timeout_after_commit":
                self.posts_faulted += 1
                await asyncio.sleep(15)  # longer than the client waits
            return Response(
                upstream.content,
                status_code=upstream.status_code,
                headers={k: v for k, v in upstream.headers.items() if k.lower() not in _HOP},
            )

        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette):
            async with httpx.AsyncClient(timeout=httpx.Timeout(30.0, read=None)) as http:
                app.state.http = http
                yield

        return Starlette(
            routes=[Route("/{path:path}", forward, methods=["GET", "POST", "PUT", "DELETE"])],
            lifespan=lifespan,
        )

    def _refuse_index(self, body: bytes) -> bool:
        """Whether this post is the first to carry `fault_index` (remembered if so)."""
        if self.refused_envelopes:
            return False
        try:
            text = json.loads(body)["envelope"]
            envelope = b64d(text)
        except (ValueError, KeyError, TypeError, EncodingError):
            return False
        # The envelope header: version and kind (2 bytes), epoch (4), session id (16), index.
        if int.from_bytes(envelope[22:26], "big") != self.fault_index:
            return False
        self.refused_envelopes.append(text)
        return True

    async def _stream(self, client: httpx.AsyncClient, path: str, headers) -> Response:
        while self.hold_streams:
            await asyncio.sleep(0.05)
        self.streams_opened += 1
        fault = None
        if self.stream_faults_left > 0:
            self.stream_faults_left -= 1
            fault = self.stream_fault
        request = client.build_request("GET", self.upstream + path, headers=headers)
        upstream = await client.send(request, stream=True)
        out_headers = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP}

        async def body() -> AsyncIterator[bytes]:
            try:
                if fault == "forged_gap":
                    data = f'{{"requested":0,"first_available":{FORGED_GAP + 1}}}'
                    yield f"id: {FORGED_GAP}\nevent: gap\ndata: {data}\n\n".encode()
                elif fault == "huge_event":
                    yield b"id: 999999\nevent: message\ndata: "
                    chunk = b"A" * 65536
                    for _ in range(1600):  # 100 MiB if nobody stops reading
                        self.faulty_stream_bytes += len(chunk)
                        yield chunk
                    return
                elif fault == "drip":
                    while True:
                        self.faulty_stream_bytes += 1
                        yield b":"
                        await asyncio.sleep(0.2)
                async for chunk in upstream.aiter_raw():
                    yield chunk
            finally:
                await upstream.aclose()

        return StreamingResponse(body(), status_code=upstream.status_code, headers=out_headers)

    # -- running ------------------------------------------------------------------------

    def start(self, port: int = 0) -> FaultProxy:
        sock = bind("127.0.0.1", port)
        port = self.port = sock.getsockname()[1]
        config = uvicorn.Config(self._app(), log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        server = self._server

        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            await server.serve(sockets=[sock])

        self._thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "the fault proxy did not start"
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            # Open streams end now, as when a relay goes away (uvicorn itself would wait for
            # them, or with force_exit leave their sockets open and silent).
            server = self._server

            def drop() -> None:
                for connection in list(server.server_state.connections):
                    connection.transport.close()  # type: ignore[attr-defined]

            if self._loop is not None and not self._loop.is_closed():
                self._loop.call_soon_threadsafe(drop)
            self._server.should_exit = True
            self._server.force_exit = True
        if self._thread is not None:
            self._thread.join(10)
