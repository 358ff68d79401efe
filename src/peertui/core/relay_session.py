"""The client's side of request sessions (docs/PROTOCOL.md §11.1).

`RelayClient` authenticates posts, event-stream requests and log pages with a session MAC
instead of an Ed25519 signature once a session is open: the relay then spends ~20 µs on the
request check instead of ~95. A session is opened lazily (one signed handshake per group), renewed
before it runs out, and dropped when the relay says it cannot use it (restarted, expired,
ended, or another process of a cluster that does not know it); the request is then sent again,
once, with a new session or signed, so a post is never lost and, with its idempotency key,
never stored twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from peertui_wire.encoding import EncodingError, b64d, b64e
from peertui_wire.request_session import (
    SESSION_ID_BYTES,
    Ephemeral,
    SessionKeyError,
    client_mac_key,
    mac_request,
)

# The relay's answers that mean "this session cannot carry the request": drop it and send
# the request again (a 401 means the relay stored nothing).
SESSION_REFUSALS = frozenset(
    {"unknown_session", "session_expired", "session_ended", "session_mismatch", "unauthenticated"}
)
RENEW_BEFORE_MS = 60_000  # open a new session this long before the relay's expiry
SPARE_REQUESTS = 16  # ... or this many requests before its budget is spent


@dataclass
class ClientSession:
    session_id: bytes
    mac_key: bytes
    expires_at: int  # the relay's clock, ms
    requests_left: int
    renew_before_ms: int = 0  # renewed this long before it expires ...
    spare_requests: int = 0  # ... or with this many requests left

    @classmethod
    def opened(
        cls, session_id: bytes, mac_key: bytes, now_ms: int, expires_at: int, max_requests: int
    ) -> ClientSession:
        # Margins shrink for a relay that gives short sessions, so they still get used.
        return cls(
            session_id,
            mac_key,
            expires_at,
            max_requests,
            min(RENEW_BEFORE_MS, max(0, expires_at - now_ms) // 4),
            min(SPARE_REQUESTS, max_requests // 4),
        )

    def usable(self, now_ms: int) -> bool:
        return (
            now_ms < self.expires_at - self.renew_before_ms
            and self.requests_left > self.spare_requests
        )


class HandshakeDeclined(Exception):
    """The relay would not open a session (an older relay, not a member, rate limited, an
    answer this client cannot use): sign the request instead."""


# POST /v1/groups/{gid}/sessions with {"client_key": ...}, signed; the relay's JSON answer, or
# HandshakeDeclined when the relay refused.
Handshake = Callable[[str, dict[str, Any]], Awaitable[Any]]


class SessionKeeper:
    """One client's sessions, one per group; not shared between member keys."""

    def __init__(self, member_key: bytes, origin: str, handshake: Handshake) -> None:
        self.member_key, self.origin, self.handshake = member_key, origin, handshake
        self.sessions: dict[str, ClientSession] = {}
        self.locks: dict[str, asyncio.Lock] = {}
        self.supported = True  # False once the relay says it has no session endpoint
        self.handshakes = 0  # how many were opened (tests and the bench read it)

    async def headers(
        self, group_id: str, method: str, path_qs: str, body: bytes
    ) -> dict[str, str] | None:
        """MAC'd headers for one request, opening a session first if needed; None: sign it."""
        session = await self._session(group_id)
        if session is None:
            return None
        session.requests_left -= 1
        return mac_request(
            session.mac_key,
            session.session_id,
            self.member_key,
            method,
            path_qs,
            body,
            origin=self.origin,
        )

    def drop(self, group_id: str) -> None:
        self.sessions.pop(group_id, None)

    def not_supported(self) -> None:
        self.supported = False
        self.sessions.clear()

    async def _session(self, group_id: str) -> ClientSession | None:
        if not self.supported:
            return None
        session = self.sessions.get(group_id)
        if session is not None and session.usable(_now_ms()):
            return session
        lock = self.locks.setdefault(group_id, asyncio.Lock())
        async with lock:  # one handshake, however many requests wait for it
            session = self.sessions.get(group_id)
            if session is not None and session.usable(_now_ms()):
                return session
            try:
                session = await self._open(group_id)
            except HandshakeDeclined:
                return None
            self.sessions[group_id] = session
            return session

    async def _open(self, group_id: str) -> ClientSession:
        mine = Ephemeral.generate()
        answer = await self.handshake(group_id, {"client_key": b64e(mine.public)})
        try:
            session_id = b64d(answer["session_id"], length=SESSION_ID_BYTES, field="session_id")
            relay_key = b64d(answer["relay_key"], length=32, field="relay_key")
            expires_at, max_requests = answer["expires_at"], answer["max_requests"]
            if type(expires_at) is not int or type(max_requests) is not int:
                raise HandshakeDeclined
            key = client_mac_key(
                mine, relay_key, session_id, b64d(group_id, length=16), self.member_key
            )
        except (KeyError, TypeError, EncodingError, SessionKeyError):
            raise HandshakeDeclined from None
        self.handshakes += 1
        return ClientSession.opened(session_id, key, _now_ms(), expires_at, max_requests)


def _now_ms() -> int:
    return int(time.time() * 1000)
