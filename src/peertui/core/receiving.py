"""The pure half of receiving group messages, so a backlog is read in batches off the event loop.

`decode` verifies, decrypts, parses and runs the on-device checks (fold, cry for help) for one
message event. It touches nothing but the group's `InboundSessions`, which only the group's own
receive task changes, so `GroupSession` runs it for a whole batch in a worker thread while the
event loop stays free for keys. Everything that reads or changes the group's state (the receive
rules of docs/PROTOCOL.md §9, profiles, history) happens afterwards on the loop, in order, and
is stored in one transaction per batch (`Held` collects it until then).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from peertui.core import payloads
from peertui.core.crypto import CryptoError, Decrypted, InboundSessions, envelope_route
from peertui.core.events import Event
from peertui.core.relay_client import RelayEvent
from peertui.core.store import Message
from peertui.wellbeing.fold import received_checks
from peertui_wire.encoding import EncodingError, b64d

# Every payload a member may post to the whole group ("settings": the group's declared language).
GROUP_MESSAGE_TYPES = {
    "msg", "profile", "modnote", "thanks", "guidelines", "settings", "introduce"
}  # fmt: skip


@dataclass
class Read:
    """What decoding one message event found; exactly one outcome is set unless it is mine."""

    item: RelayEvent
    decrypted: Decrypted | None = None
    body: dict[str, Any] | None = None  # the parsed payload
    text: str = ""  # a "msg" payload's text, cleaned for display
    fold: str = ""  # why to fold that text ('' to show it)
    care: bool = False  # the text may be a cry for help
    unreadable: CryptoError | None = None  # decrypt refused it (no session, replay, forgery)
    error: Exception | None = None  # anything else before the receive rules (bad framing)
    bad_payload: Exception | None = None  # authentic, but its payload cannot be read


def envelope_bytes(item: RelayEvent) -> bytes:
    """The event's envelope, decoded from base64 once: the loop reads its route
    (`plain_message`) and a worker thread decrypts it afterwards."""
    raw = item.body["envelope"]
    if isinstance(raw, bytes):
        return raw
    decoded = item.body["envelope"] = b64d(raw)
    return decoded


def decode(inbound: InboundSessions, me: bytes, language: str, item: RelayEvent) -> Read:
    read = Read(item)
    if item.sender == me:
        return read  # my own post: recorded when the relay acknowledged it
    try:
        envelope = envelope_bytes(item)
        try:
            decrypted = inbound.decrypt(envelope)
        except CryptoError as exc:
            read.unreadable = exc
            return read
        read.decrypted = decrypted
        if decrypted.sender_key != item.sender:
            raise CryptoError("a message's signed sender differs from the relay's label")
    except Exception as exc:  # noqa: BLE001 - reported for this event by the caller
        read.error = exc
        return read
    try:
        body = payloads.parse(decrypted.plaintext, GROUP_MESSAGE_TYPES)
        if body["t"] == "msg":
            read.text = payloads.safe_line(body["text"])
            read.fold, read.care = received_checks(read.text, language)
    except Exception as exc:  # noqa: BLE001 - reported after the receive rules, as before
        read.bad_payload = exc
        return read
    read.body = body
    return read


def plain_message(
    item: RelayEvent, me: bytes, inbound: InboundSessions, roster_length: int
) -> bool:
    """Whether a message event can be read in a batch: mine, unreadable in any case, or from a
    session I hold with a roster head I have applied. Anything else (a missing session key,
    a sender ahead of my roster) needs the network first and is read on its own."""
    if item.kind != "message":
        return False
    if item.sender == me:
        return True
    try:
        sender, session_id, head = envelope_route(envelope_bytes(item))
    except (CryptoError, EncodingError, KeyError, TypeError, ValueError):
        return True  # decoding reports it as the event that could not be processed
    return inbound.has_session(sender, session_id) and head.index < roster_length


@dataclass
class Held:
    """What a batch produced, kept back until its one transaction commits."""

    events: list[Event] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    state_changed: bool = False
