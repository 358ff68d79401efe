"""The relay's front door: posts answered as bare ASGI, every other request by Starlette.

A post is most of a busy relay's requests. Through Starlette each one went through five
middleware layers, a route table, a `Request` object whose headers are searched anew on every
lookup, and a `JSONResponse` (py-spy: about a fifth of the relay's CPU per post, more than the
relay's own checks apart from Ed25519). `FrontDoor` recognises `POST /v1/groups/{gid}/messages`
from the path alone and hands the handler an `Incoming`: the request's headers read once into a
dict, its path, client address and body. Answers, status counts and the handling of anything
unexpected are those of the Starlette routes (`Guard` below is what does it for them), so a
client cannot tell which door answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from peertui_relay.deadlines import Deadlines
from peertui_relay.errors import ApiError
from peertui_relay.logs import QuietLog

_GROUPS = "/v1/groups/"
_ROUTES = {  # (method, last path segment) -> the route's template, for the log
    ("POST", "/messages"): "/v1/groups/{gid}/messages",
    ("GET", "/events"): "/v1/groups/{gid}/events",
}


@dataclass(slots=True)
class Incoming:
    """What the relay reads of one request, each part looked up once."""

    method: str
    path_qs: str  # the path as sent, with `?query` if any: what the signature names
    headers: dict[str, str]  # lower-case names; the first of a repeated header, as Starlette
    address: str  # the client's address ("" when the server does not know it)
    scheme: str
    receive: Receive
    query: bytes = b""

    @classmethod
    def of(cls, scope: Scope, receive: Receive) -> Incoming:
        raw_path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        path_qs = raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        # Reversed, so that the first of a repeated header is the one kept.
        headers = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in reversed(scope["headers"])
        }
        client = scope.get("client")
        return cls(
            scope["method"],
            path_qs,
            headers,
            client[0] if client else "",
            scope.get("scheme", "http"),
            receive,
            query,
        )

    def query_param(self, name: str) -> str | None:
        """A query parameter as Starlette's `query_params.get` gives it (the last one wins)."""
        if not self.query:
            return None
        return dict(parse_qsl(self.query.decode("latin-1"), keep_blank_values=True)).get(name)

    async def read_body(self, limit: int, deadlines: Deadlines, timeout: float) -> bytes:
        """The whole body; 413 past `limit` bytes, 408 past `timeout` seconds, and
        `ClientDisconnect` if the client goes away first (as Starlette's `Request.stream`)."""
        declared = self.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        try:
            while True:
                # Bounded only if it waits: a body that came with its headers is there now.
                message = await deadlines.bounded(self.receive(), end - loop.time())
                if message["type"] == "http.disconnect":
                    raise ClientDisconnect()
                if message["type"] != "http.request":
                    continue
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
        except TimeoutError:
            raise ApiError(
                408,
                "body_timeout",
                f"The request body did not arrive within {timeout:g} seconds.",
            ) from None
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "body_too_large",
        f"The request body is larger than this relay accepts ({limit // 1024} KiB).",
    )


# The front door's handlers, given a request and its group id: the post route answers
# (status, JSON body); the event stream route gives the ASGI app that streams.
PostHandler = Callable[[Incoming, str], Awaitable[tuple[int, bytes]]]
StreamHandler = Callable[[Incoming, str], Awaitable[ASGIApp]]


def _internal_error() -> ApiError:
    return ApiError(
        500,
        "internal_error",
        "The relay failed to handle this request; it has been counted, please try again later.",
    )


def _note_unexpected(quiet_log: QuietLog, exc: Exception, method: str, where: str) -> None:
    quiet_log.warning(
        f"unexpected:{type(exc).__name__}",
        f"unexpected {type(exc).__name__} answering {method} {where[:80]}; answered 500",
    )
    logging.getLogger("peertui_relay").debug("unexpected error", exc_info=True)


class FrontDoor:
    """ASGI: `POST /v1/groups/{gid}/messages` to `post_message`, `GET /v1/groups/{gid}/events`
    to `stream_events` (whose writes, one per batch per subscriber, then go straight to the
    server instead of through three middleware wrappers each), the rest to `app`."""

    def __init__(
        self,
        app: ASGIApp,
        post_message: PostHandler,
        stream_events: StreamHandler,
        counts: Counter[str],
        quiet_log: QuietLog,
        state: Any,
    ) -> None:
        self.app, self.counts, self.quiet_log = app, counts, quiet_log
        self.post_message, self.stream_events = post_message, stream_events
        self.state = state  # the Starlette app's state (the server reads `state.relay`)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path.startswith(_GROUPS):
                cut = path.rfind("/")
                route = _ROUTES.get((scope["method"], path[cut:]))
                gid = path[len(_GROUPS) : cut]
                if route is not None and gid and "/" not in gid:  # what `{gid}` matches
                    await self._answer(scope, receive, send, gid, route)
                    return
        await self.app(scope, receive, send)

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, gid: str, route: str
    ) -> None:
        counts = self.counts
        streaming = False
        try:
            incoming = Incoming.of(scope, receive)
            if scope["method"] == "POST":
                status, body = await self.post_message(incoming, gid)
            else:
                stream = await self.stream_events(incoming, gid)
                counts["2xx"] += 1  # its first message is a 200 start, whatever follows
                streaming = True
                await stream(scope, receive, send)
                return
        except ClientDisconnect:
            counts["client_disconnect"] += 1
            return
        except Exception as exc:  # noqa: BLE001 - answered as the Starlette routes answer it
            if isinstance(exc, ApiError) and not streaming:
                counts[f"{exc.status // 100}xx"] += 1
                await exc.response()(scope, receive, send)
                return
            _note_unexpected(self.quiet_log, exc, scope["method"], route)
            if not streaming:  # a stream has answered 200 already: nothing more to say
                counts["5xx"] += 1
                await _internal_error().response()(scope, receive, send)
            return
        counts[f"{status // 100}xx"] += 1
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-length", str(len(body)).encode()),
                    (b"content-type", b"application/json"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI wrapper inside Starlette: counts answers by status class for /v1/metrics, and turns
    what escapes the handlers into one answer without a traceback per request.

    A client that goes away mid-request is not an error (nothing to answer, nothing counted).
    Anything else unexpected is answered 500 and logged once a minute with its type; Starlette's
    own error middleware never sees it, so it cannot print a traceback per request.
    """

    def __init__(self, app: ASGIApp, counts: Counter[str], quiet_log: QuietLog) -> None:
        self.app, self.counts, self.quiet_log = app, counts, quiet_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        counts = self.counts
        started = False

        async def counting_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                counts[f"{message['status'] // 100}xx"] += 1
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        except ClientDisconnect:
            counts["client_disconnect"] += 1
        except Exception as exc:  # noqa: BLE001 - the one place that answers for the unknown
            _note_unexpected(
                self.quiet_log, exc, scope["method"], scope.get("route_path", scope["path"])
            )
            if not started:
                await _internal_error().response()(scope, receive, counting_send)
