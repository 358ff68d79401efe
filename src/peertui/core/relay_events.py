"""What a relay's answers and event stream carry, read defensively: events, gaps, the stream's
own facts, and a byte stream that stops a relay that stalls or sends an endless event.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from peertui.core.relay_errors import (
    EventTooLarge,
    RelayFault,
    RelayUnavailable,
    StreamStalled,
)
from peertui_wire.encoding import EncodingError, b64d


@dataclass(frozen=True)
class Posted:
    """Where the relay stored a post: its seq, and the time it stored it with."""

    seq: int
    ts: int | None


@dataclass(frozen=True)
class RelayEvent:
    seq: int
    kind: str
    sender: bytes
    ts: int
    body: dict


@dataclass(frozen=True)
class Gap:
    requested: int
    first_available: int
    # False when the relay announced a gap past its own newest event: never trusted, since
    # moving the cursor there would skip every later message.
    trusted: bool = True


@dataclass(frozen=True)
class StreamInfo:
    """What the relay says about its log when a stream opens (first item of every stream)."""

    epoch: str  # changes when the relay's store is restored or reset; "" if not told
    last_seq: int | None  # the newest seq it has stored; None if not told
    keepalive: float  # seconds between its keepalives


MAX_EVENT_BYTES = 256 * 1024  # the largest legitimate event is well under 100 KiB
# A whole answer (a log page, the roster, every member's prekey) is read into memory: a hostile
# relay must not make a client buffer without end. The largest legitimate answer (prekeys of a
# 2,000-member group, a full log page of the largest events) stays well under this.
MAX_ANSWER_BYTES = 32 * 1024 * 1024
_MAX_CHUNK = 64 * 1024


class GuardedStream(httpx.AsyncByteStream):
    """The raw bytes of an event stream, with two guards that need no SSE parsing: each blank
    line (the end of an event or keepalive) must come within `stall_seconds` of the last, and
    no more than `max_event_bytes` may arrive between two of them."""

    def __init__(
        self, inner: httpx.AsyncByteStream, base_url: str, stall_seconds: float, max_event: int
    ) -> None:
        self._inner, self._base_url = inner, base_url
        self._stall, self._max_event = stall_seconds, max_event

    async def __aiter__(self) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        chunks = self._inner.__aiter__()
        deadline = loop.time() + self._stall
        since_boundary, tail = 0, b""
        while True:
            try:
                # In this task, not a new one (as wait_for would): the HTTP library's cancel
                # scopes belong to the task that reads.
                async with asyncio.timeout_at(deadline):
                    chunk = await chunks.__anext__()
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise StreamStalled(fault=RelayFault.STALLED, relay=self._base_url) from None
            joined = tail + chunk
            cut = max(joined.rfind(b"\n\n"), joined.rfind(b"\r\n\r\n"), joined.rfind(b"\r\r"))
            if cut >= 0:
                since_boundary = len(joined) - cut
                deadline = loop.time() + self._stall
            else:
                since_boundary += len(chunk)
            if since_boundary > self._max_event + _MAX_CHUNK:
                raise EventTooLarge(
                    fault=RelayFault.EVENT_TOO_LARGE,
                    relay=self._base_url,
                    size=self._max_event // 1024,
                )
            tail = joined[-3:]
            # Time spent by the reader with this chunk is not the relay's silence: a reader
            # busy with a big batch must not take the bytes waiting in the socket for a stall.
            handed = loop.time()
            yield chunk
            deadline += loop.time() - handed

    async def aclose(self) -> None:
        await self._inner.aclose()


def stream_info(headers: httpx.Headers) -> StreamInfo:
    epoch = headers.get("x-peertui-epoch", "")[:64]
    raw_last = headers.get("x-peertui-last-seq", "")
    last_seq = int(raw_last) if raw_last.isascii() and raw_last.isdigit() else None
    try:
        keepalive = float(headers.get("x-peertui-keepalive", "15"))
    except ValueError:
        keepalive = 15.0
    if math.isnan(keepalive):
        keepalive = 15.0
    return StreamInfo(epoch, last_seq, min(max(keepalive, 0.5), 60.0))


def event_from_json(data: dict[str, Any]) -> RelayEvent:
    try:
        return RelayEvent(
            seq=int(data["seq"]),
            kind=str(data["kind"]),
            sender=b64d(data["sender"], length=32, field="sender"),
            ts=int(data["ts"]),
            body=dict(data["body"]),
        )
    except (KeyError, TypeError, ValueError, EncodingError) as exc:
        raise RelayUnavailable(fault=RelayFault.EVENT_UNREADABLE, detail=str(exc)) from None
