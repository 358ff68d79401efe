"""Serving the app with uvicorn: a pre-bound socket (so port 0 is knowable), clean stops, and
connection-level guards uvicorn does not have: a deadline for request headers and a cap on
connections per client address (so half-open connections cost the abuser, not the users).
The guards work on both of uvicorn's HTTP/1.1 parsers (h11, httptools) and either loop."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import socket
from collections import Counter

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from peertui_relay.logs import OncePerMinute


def bind(host: str, port: int) -> socket.socket:
    """Bind before starting so that `--port 0` can report the port it got."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this; without it small keep-alive replies wait ~40 ms for
    # delayed ACKs (Nagle), since pre-bound sockets skip the server's usual setup.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class _ConnectionGuards:
    """A header deadline and a per-address connection cap, for either of uvicorn's HTTP/1.1
    protocols (h11 or httptools); each subclass says when a request's headers are in.

    A connection must finish each request's headers within `header_timeout` seconds of
    opening (or of its previous answer), or it is closed: a client dripping header bytes
    otherwise holds a file descriptor forever. Connections from one address beyond
    `max_per_address` are closed at once.
    """

    header_timeout: float = 10.0
    max_per_address: int = 64
    _per_address: Counter[str] = Counter()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._address = self.client[0] if self.client else ""  # type: ignore[attr-defined]
        self._per_address[self._address] += 1
        self._header_deadline: asyncio.TimerHandle | None = None
        if self._per_address[self._address] > self.max_per_address:
            transport.close()
            return
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._per_address[self._address] -= 1
        if self._per_address[self._address] <= 0:
            del self._per_address[self._address]
        self._disarm_header_deadline()
        super().connection_lost(exc)  # type: ignore[misc]

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        if not self.transport.is_closing():  # type: ignore[attr-defined]
            self._arm_header_deadline()

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        loop = self.loop  # type: ignore[attr-defined]
        self._header_deadline = loop.call_later(self.header_timeout, self._too_slow)

    def _disarm_header_deadline(self) -> None:
        if getattr(self, "_header_deadline", None) is not None:
            self._header_deadline.cancel()  # type: ignore[union-attr]
            self._header_deadline = None

    def _too_slow(self) -> None:
        self._header_deadline = None
        cycle = self.cycle  # type: ignore[attr-defined]
        if cycle is None or cycle.response_complete:
            self.transport.close()  # type: ignore[attr-defined]


class GuardedH11Protocol(_ConnectionGuards, H11Protocol):
    """uvicorn's pure-Python HTTP/1.1 protocol (h11) with the connection guards."""

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and not self.cycle.response_complete:
            self._disarm_header_deadline()  # the headers are in; the app owns the rest


class _HeadWithBody:
    """A request's transport as uvicorn's httptools cycle sees it: an answer's head that
    declares its length is held and written with the first body bytes, in one write.

    uvicorn writes the head on `http.response.start` and the body on `http.response.body`:
    two socket writes (two syscalls, two wake-ups of the reader) for every post's short JSON
    answer, where one carries both. Only a head with `content-length` is held, so an event
    stream's head (chunked, its first event maybe minutes away) and `100 Continue` still go
    out at once; a close writes what is held first. (Not used for HEAD: uvicorn writes no
    body for it, so a held head would never go out.)
    """

    __slots__ = ("_transport", "_held", "_started")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._held = b""
        self._started = False

    def write(self, data: bytes) -> None:
        if self._held:
            data, self._held = self._held + data, b""
        elif not self._started and data.startswith(b"HTTP/1.1 ") and b" 100 " not in data[:13]:
            self._started = True
            if b"\r\ncontent-length: " in data:  # uvicorn writes header names lower-case
                self._held = data
                return
        self._transport.write(data)

    def close(self) -> None:
        if self._held:
            self._transport.write(self._held)
            self._held = b""
        self._transport.close()

    def __getattr__(self, name: str):
        return getattr(self._transport, name)


class GuardedHttpToolsProtocol(_ConnectionGuards, HttpToolsProtocol):
    """uvicorn's protocol on httptools (the C parser of Node's llhttp), with the guards, and
    each answer of known length written in one piece (`_HeadWithBody`)."""

    def on_headers_complete(self) -> None:
        before = self.cycle
        super().on_headers_complete()
        self._disarm_header_deadline()  # the headers are in; the app owns the rest
        cycle = self.cycle
        if cycle is not None and cycle is not before and cycle.scope["method"] != "HEAD":
            cycle.transport = _HeadWithBody(self.transport)  # type: ignore[assignment]


# uvicorn's protocol per parser name; the default is the fastest one that passes the relay's
# whole test suite (measured by bench/relay_fanout.py; see docs/PERFORMANCE.md).
PROTOCOLS: dict[str, type[_ConnectionGuards]] = {
    "h11": GuardedH11Protocol,
    "httptools": GuardedHttpToolsProtocol,
}
DEFAULT_HTTP = "httptools"

# How long the event loop may keep the GIL while the storage thread waits for it. Every SQLite
# statement the writer runs gives the GIL up (and so does the fsync of each commit), and each
# time it must win it back from the event loop. Behind a busy loop (a wide fan-out), a batch of
# 16 posts took 13-20 ms at Python's default of 5 ms and 4-5 ms at 1 ms, with the busy
# thread's own progress unchanged (`bench/relay_storage.py`; 0.5 ms was faster still but cost
# the busy thread up to 15 % in some runs). A forced switch only happens while the writer
# waits. Set by the standalone relay only: an app embedding the relay keeps its own setting.
SWITCH_INTERVAL_SECONDS = 0.001
DEFAULT_LOOP = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"  # not on Windows


def uvicorn_config(
    app,
    *,
    access_log: bool = False,
    limit_concurrency: int | None = 2000,
    header_timeout: float = 10.0,
    body_timeout: float = 30.0,  # enforced by the app while it reads a body
    max_connections_per_address: int = 64,
    http: str = DEFAULT_HTTP,
    loop: str = DEFAULT_LOOP,
) -> uvicorn.Config:
    protocol = type(
        "RelayHttpProtocol",
        (PROTOCOLS[http],),
        {
            "header_timeout": header_timeout,
            "max_per_address": max_connections_per_address,
            "_per_address": Counter(),
        },
    )
    config = uvicorn.Config(
        app,
        http=protocol,
        loop=loop,
        log_level="warning",
        access_log=access_log,
        lifespan="on",
        timeout_graceful_shutdown=2,
        server_header=False,
        date_header=False,
        timeout_keep_alive=int(min(30, max(header_timeout, 5))),
        limit_concurrency=limit_concurrency,
        backlog=2048,
    )
    # After uvicorn has set up its loggers: its own repeating lines (one per cut-off slow
    # reader, one per refused connection...) are written at most once a minute each.
    error_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, OncePerMinute) for f in error_log.filters):
        error_log.addFilter(OncePerMinute())
    return config


class RelayServer(uvicorn.Server):
    """uvicorn waits for open responses on shutdown; event streams never finish on their own,
    so end them first and let clients resume elsewhere or later."""

    async def shutdown(self, sockets=None) -> None:
        relay = getattr(getattr(self.config.app, "state", None), "relay", None)
        if relay is not None:
            relay.close_streams()
        await super().shutdown(sockets)
