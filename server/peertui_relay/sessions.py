"""Request sessions on the relay (docs/PROTOCOL.md §11.1): the handshake and the MAC check.

A session is one member key in one group, with a MAC key, an expiry time and a request budget.
With one process sessions live in memory (`LocalSessions`): a restart forgets them and a
client whose session is unknown is told so (401 `unknown_session`) and opens a new one. In
cluster mode they are rows in PostgreSQL (`peertui_relay.pg.PgGuards`), so every process knows
every session and counts its uses in one place.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass

from peertui_relay.errors import ApiError
from peertui_wire.request_session import SESSION_ID_BYTES, Ephemeral, relay_mac_key

MAX_SESSIONS_PER_MEMBER = 4  # a fifth handshake ends the member's oldest session
MAX_SESSIONS = 200_000  # in one process's memory (about 60 MB at most)


@dataclass
class Session:
    session_id: bytes
    group_id: str
    member_key: bytes
    mac_key: bytes
    expires_at: int  # ms since the epoch
    max_uses: int
    uses: int = 0  # requests authenticated with it so far (this one included, once used)


@dataclass(frozen=True)
class Opened:
    """What the handshake answers with (besides the session, which the relay keeps)."""

    session: Session
    relay_public: bytes


def open_session(
    group_id: str,
    gid: bytes,
    member_key: bytes,
    client_public: bytes,
    now_ms: int,
    seconds: float,
    max_uses: int,
) -> Opened:
    """Draw the relay's ephemeral key and the session id, and derive the MAC key; the
    ephemeral secret is dropped when this returns. SessionKeyError for an unusable key."""
    mine = Ephemeral.generate()
    session_id = os.urandom(SESSION_ID_BYTES)
    key = relay_mac_key(mine, client_public, session_id, gid, member_key)
    expires = now_ms + int(seconds * 1000)
    return Opened(Session(session_id, group_id, member_key, key, expires, max_uses), mine.public)


def session_refusal(code: str) -> ApiError:
    """The 401 answers for a session that cannot be used (PROTOCOL.md §11.1 lists them)."""
    messages = {
        "unknown_session": "This relay does not know that session (it may have restarted or "
        "ended it); open a new session, or sign the request.",
        "session_expired": "This session has expired (it is too old or was used for too many "
        "requests); open a new session, or sign the request.",
        "session_ended": "This session ended because its key is no longer a member of this group.",
        "session_mismatch": "This session belongs to another key or another group; open a "
        "session for this key and group, or sign the request.",
    }
    return ApiError(401, code, messages[code])


class LocalSessions:
    """This process's sessions, in memory, oldest first (bounded: see the caps above), with
    each member's ids beside them so a handshake or a removal touches only that member's."""

    def __init__(self) -> None:
        self.by_id: OrderedDict[bytes, Session] = OrderedDict()
        self.by_member: dict[tuple[str, bytes], list[bytes]] = {}

    def add(self, session: Session) -> None:
        mine = self.by_member.setdefault((session.group_id, session.member_key), [])
        while len(mine) >= MAX_SESSIONS_PER_MEMBER:
            self.end(mine[0])
        while len(self.by_id) >= MAX_SESSIONS:
            self.end(next(iter(self.by_id)))
        self.by_id[session.session_id] = session
        self.by_member.setdefault((session.group_id, session.member_key), []).append(
            session.session_id
        )

    def find(self, session_id: bytes) -> Session | None:
        return self.by_id.get(session_id)

    def count_use(self, session: Session) -> int | None:
        """Count one authenticated request; the uses so far, or None if it has ended."""
        if self.by_id.get(session.session_id) is not session:
            return None
        session.uses += 1
        return session.uses

    def end_member(self, group_id: str, member_key: bytes) -> None:
        for session_id in list(self.by_member.get((group_id, member_key), ())):
            self.end(session_id)

    def end(self, session_id: bytes) -> None:
        session = self.by_id.pop(session_id, None)
        if session is None:
            return
        member = (session.group_id, session.member_key)
        ids = self.by_member.get(member, [])
        if session_id in ids:
            ids.remove(session_id)
        if not ids:
            self.by_member.pop(member, None)

    def expire(self, now_ms: int) -> None:
        for session_id in [sid for sid, known in self.by_id.items() if known.expires_at <= now_ms]:
            self.end(session_id)
