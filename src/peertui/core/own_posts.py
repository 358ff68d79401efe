"""Which envelopes of my sending sessions this device made: a post in one of them that it did
not make means a copy of my keys (a copied home) is posting somewhere else.

A copied home keeps working on another machine: it signs with the same keys, continues the same
sending session, and other members accept what it posts as mine (or, when it reuses an index I
already spent, drop it as a replay without a word). The relay's stream carries those posts back
to me, labelled with my key, and without this record I would skip them as my own. The newest
sessions are kept with their verify key and, per index, a short prefix of the envelope id made
at it (sessions rotate every 100 messages, so this stays small). Only an envelope that verifies
under one of those session keys is judged, so the relay cannot raise this alarm by forging
one. Posts the relay stored before the record began (`since_seq`, when this version first ran)
are not judged either.
"""

from __future__ import annotations

from typing import Any

from peertui.core.crypto import envelope_id, envelope_session, signed_position
from peertui_wire.encoding import b64d, b64e

KEPT_SESSIONS = 4  # my newest sending sessions, each with every index it sealed
ID_PREFIX_HEX = 16  # 8 bytes of the envelope id: enough to tell two envelopes apart


def _short_id(envelope: bytes) -> str:
    return envelope_id(envelope).hex()[:ID_PREFIX_HEX]


class OwnPosts:
    """The record, stored on its own (`to_json`) rather than in the group's state, which a
    batch that failed to store puts back as it was: a post sealed meanwhile must stay known."""

    def __init__(self, raw: Any, cursor: int) -> None:
        if isinstance(raw, dict) and isinstance(raw.get("sessions"), dict):
            self._record = raw
        else:
            self._record = {"since_seq": cursor, "sessions": {}}

    def to_json(self) -> dict[str, Any]:
        return self._record

    def made(self, envelope: bytes, session_id: bytes, verify_key: bytes, index: int) -> None:
        """Note an envelope this device just sealed (before it is posted)."""
        sessions: dict[str, dict[str, Any]] = self._record["sessions"]
        held = sessions.setdefault(b64e(session_id), {"vk": b64e(verify_key), "ids": {}})
        held["ids"][str(index)] = _short_id(envelope)
        while len(sessions) > KEPT_SESSIONS:
            del sessions[next(iter(sessions))]  # the oldest (dicts keep insertion order)

    def made_elsewhere(self, envelope: bytes, group_id: str, seq: int) -> bool:
        """Whether an envelope really sealed in one of my sessions was not made by this device."""
        if seq <= self._record["since_seq"]:
            return False
        session_id = envelope_session(envelope)
        held = self._record["sessions"].get(b64e(session_id)) if session_id else None
        if held is None:
            return False  # not a session I can check (an older one, or not mine at all)
        position = signed_position(envelope, group_id, b64d(held["vk"]))
        if position is None:
            return False  # not signed with that session's key: a forgery nobody accepts
        made = held["ids"].get(str(position[1]))
        if made is None:
            # An index this device never sealed; below the first one kept, the session was
            # begun before the record was (an upgrade mid-session): not judged.
            return position[1] > min(int(i) for i in held["ids"])
        return bool(made != _short_id(envelope))
