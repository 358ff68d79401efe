"""Live group state in memory: the replayed roster, slow-mode clocks and the SSE subscribers.

Fan-out is one pass per event: the SSE frame is encoded once and the same bytes are appended
to each entitled subscriber's buffer; nothing touches the database per subscriber.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from peertui_relay.storage import VISIBLE_TO_ALL, VISIBLE_TO_MODS, StoredEvent
from peertui_wire.encoding import b64d, b64e
from peertui_wire.roster import RosterState


def event_json(event: StoredEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "kind": event.kind,
        "sender": b64e(event.sender),
        "ts": event.ts,
        "body": event.body,
    }


def sse_frame(event: StoredEvent) -> bytes:
    data = json.dumps(event_json(event), separators=(",", ":"))
    return f"id: {event.seq}\nevent: {event.kind}\ndata: {data}\n\n".encode()


# A group's few senders post again and again: their keys' text is remembered.
_sender_text = functools.lru_cache(maxsize=4096)(b64e)


def sse_frame_from_row(seq: int, kind: str, sender: bytes, ts: int, body_json: str) -> bytes:
    """The same bytes as `sse_frame`, built from a stored row without re-parsing its body."""
    sender_text = _sender_text(sender)
    data = f'{{"seq":{seq},"kind":"{kind}","sender":"{sender_text}","ts":{ts},"body":{body_json}}}'
    return f"id: {seq}\nevent: {kind}\ndata: {data}\n\n".encode()


def gap_frame(requested: int, first_available: int) -> bytes:
    data = json.dumps({"requested": requested, "first_available": first_available})
    return f"id: {first_available - 1}\nevent: gap\ndata: {data}\n\n".encode()


class Subscriber:
    """One open event stream: a buffer of (seq, frame) the stream task drains in batches."""

    def __init__(self, key: bytes, limit: int) -> None:
        self.key = key
        self.closed = False
        self._limit = limit
        self._pending: deque[tuple[int, bytes]] = deque()
        self._wake = asyncio.Event()

    def push(self, seq: int, frame: bytes) -> None:
        if len(self._pending) >= self._limit:
            # A reader this far behind is cut off; it resumes from the database on reconnect,
            # so nothing is lost and one slow reader cannot grow the relay's memory.
            self.close()
            return
        self._pending.append((seq, frame))
        self._wake.set()

    def close(self) -> None:
        self.closed = True
        self._wake.set()

    def nudge(self) -> None:
        """Wake the stream with nothing to send, so it writes a keepalive comment."""
        self._wake.set()

    async def next_batch(self) -> list[tuple[int, bytes]]:
        """Everything buffered, waiting for something; [] when only nudged.

        After `close()` whatever was buffered before it is still handed out, so a removed
        member receives the roster event that removed it before its stream ends. (One shared
        keepalive ticker nudges every stream: a per-wait timeout would cost a task per event.)
        """
        if not self._pending and not self.closed:
            await self._wake.wait()
        self._wake.clear()
        batch = list(self._pending)
        self._pending.clear()
        return batch


@dataclass
class Group:
    group_id: str
    state: RosterState
    retention_ms: int
    bytes_used: int
    epoch: str = ""
    last_seq: int = 0  # the newest seq stored; told to streams so clients can spot a forged gap
    removed: set[bytes] = field(default_factory=set)  # keys that were members and are not now
    subscribers: set[Subscriber] = field(default_factory=set)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    def from_roster(cls, events: list[dict[str, Any]], retention_ms: int, bytes_used: int) -> Group:
        state = RosterState.from_genesis(events[0])
        group = cls(state.group_id, state, retention_ms, bytes_used)
        for event in events[1:]:
            state.apply(event)
            group.note_membership_change(event)
        return group

    def note_membership_change(self, event: dict[str, Any]) -> bytes:
        """Track who left the member list; return the key whose streams must close, or b''."""
        kind = event["kind"]
        target = b64d(event["target"], length=32) if event["target"] else b""
        if kind == "admit":
            self.removed.discard(target)
        elif kind in ("remove", "ban") or kind == "leave":
            self.removed.add(target)
            return target
        return b""

    def subscribe(self, key: bytes, limit: int) -> Subscriber:
        sub = Subscriber(key, limit)
        self.subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)

    def publish(self, event: StoredEvent, visible: str, recipient: bytes = b"") -> None:
        self.publish_frame(event.seq, sse_frame(event), visible, recipient)

    def publish_frame(self, seq: int, frame: bytes, visible: str, recipient: bytes = b"") -> None:
        """Hand one encoded event to every subscriber entitled to it."""
        self.last_seq = max(self.last_seq, seq)
        for sub in self.subscribers:
            if (
                visible == VISIBLE_TO_ALL
                or (visible == VISIBLE_TO_MODS and self.state.is_moderator(sub.key))
                or sub.key == recipient
            ):
                sub.push(seq, frame)

    def close_streams(self, key: bytes) -> None:
        for sub in self.subscribers:
            if sub.key == key:
                sub.close()

    def nudge_all(self) -> None:
        for sub in self.subscribers:
            sub.nudge()

    def close_all(self) -> None:
        for sub in self.subscribers:
            sub.close()
