"""The signed, hash-chained roster: who is in a group, with which role, and what moderators did.

Each event is a JSON object signed by an owner or moderator key (or by the member itself for
`leave`) and chained to the previous event by hash. The relay and every client replay the
same log through `RosterState.apply`, which refuses anything out of order, forked, forged or
signed by someone without the role for it. Reasons for moderation actions are not here: they
travel encrypted inside the group, so the relay sees who acted on whom, never why.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from peertui_wire.encoding import EncodingError, b64d, b64e, canonical_json
from peertui_wire.ids import group_id_for

VERSION = 2
OWNER, MODERATOR, MEMBER = "owner", "moderator", "member"
ROLES = (OWNER, MODERATOR, MEMBER)
_RANK = {OWNER: 3, MODERATOR: 2, MEMBER: 1}
KINDS = (
    "genesis",
    "admit",
    "remove",
    "ban",
    "unban",
    "mute",
    "unmute",
    "role",
    "slowmode",
    "readonly",
    "delete",
    "guidelines",
    "warn",
    "leave",
)
_DOMAIN = b"peertui-roster-v2\n"
FIELDS = {
    "v",
    "group",
    "index",
    "prev",
    "kind",
    "signer",
    "target",
    "role",
    "until",
    "value",
    "ts",
    "sig",
}
MAX_SLOWMODE_SECONDS = 86_400


class RosterError(Exception):
    """A roster event was refused; `str()` says why in words."""


def event_hash(event: dict[str, Any]) -> str:
    return b64e(hashlib.blake2b(canonical_json(event), digest_size=32).digest())


def _signed_part(event: dict[str, Any]) -> bytes:
    return _DOMAIN + canonical_json({k: v for k, v in event.items() if k != "sig"})


def make_event(
    key: SigningKey,
    state: RosterState | None,
    kind: str,
    *,
    group_id: str | None = None,
    target: bytes = b"",
    role: str = "",
    until: int = 0,
    value: int | str = 0,
    ts: int | None = None,
) -> dict[str, Any]:
    """Build and sign the next event after `state` (None only for genesis)."""
    event = {
        "v": VERSION,
        "group": state.group_id if state else (group_id or group_id_for(bytes(key.verify_key))),
        "index": state.next_index if state else 0,
        "prev": state.head_hash if state else "",
        "kind": kind,
        "signer": b64e(bytes(key.verify_key)),
        "target": b64e(target) if target else "",
        "role": role,
        "until": int(until),
        "value": value,
        "ts": int(time.time() * 1000) if ts is None else int(ts),
    }
    event["sig"] = b64e(key.sign(_signed_part(event)).signature)
    return event


def genesis(owner_key: SigningKey, ts: int | None = None) -> dict[str, Any]:
    owner = bytes(owner_key.verify_key)
    return make_event(owner_key, None, "genesis", target=owner, role=OWNER, ts=ts)


def _check_shape(event: Any) -> None:
    if not isinstance(event, dict):
        raise RosterError("roster event must be a JSON object")
    if set(event) != FIELDS:
        missing, extra = FIELDS - set(event), set(event) - FIELDS
        raise RosterError(
            "roster event has wrong fields"
            + (f"; missing {sorted(missing)}" if missing else "")
            + (f"; unexpected {sorted(extra)}" if extra else "")
        )
    if event["v"] != VERSION:
        raise RosterError(f"unsupported roster version {event['v']!r}")
    for name in ("index", "until", "ts"):
        if type(event[name]) is not int or event[name] < 0:
            raise RosterError(f"roster field {name!r} must be a non-negative integer")
    for name in ("group", "prev", "kind", "signer", "target", "role", "sig"):
        if not isinstance(event[name], str):
            raise RosterError(f"roster field {name!r} must be a string")
    if event["kind"] not in KINDS:
        raise RosterError(f"unknown roster event kind {event['kind']!r}")
    if event["role"] not in ("", *ROLES):
        raise RosterError(f"unknown role {event['role']!r}")
    if type(event["value"]) not in (int, str):
        raise RosterError("roster field 'value' must be an integer or a string")


def verify_signature(event: dict[str, Any]) -> bytes:
    """Check shape and signature; return the signer's public key."""
    _check_shape(event)
    try:
        signer = b64d(event["signer"], length=32, field="signer")
        sig = b64d(event["sig"], length=64, field="sig")
        VerifyKey(signer).verify(_signed_part(event), sig)
    except EncodingError as exc:
        raise RosterError(str(exc)) from None
    except (BadSignatureError, ValueError):
        raise RosterError("roster event signature is invalid") from None
    return signer


@dataclass
class RosterState:
    """The group as the replayed roster says it is."""

    group_id: str
    owner: bytes
    roles: dict[bytes, str] = field(default_factory=dict)
    banned: set[bytes] = field(default_factory=set)
    muted_until: dict[bytes, int] = field(default_factory=dict)
    slowmode_seconds: int = 0
    readonly: bool = False
    guidelines_hash: str = ""
    deleted: set[str] = field(default_factory=set)  # envelope ids (b64u)
    head_hash: str = ""
    next_index: int = 0

    @classmethod
    def from_genesis(
        cls, event: dict[str, Any], expected_group_id: str | None = None
    ) -> RosterState:
        signer = verify_signature(event)
        if event["kind"] != "genesis" or event["index"] != 0 or event["prev"] != "":
            raise RosterError("the first roster event must be a genesis at index 0")
        if event["target"] != event["signer"] or event["role"] != OWNER:
            raise RosterError("genesis must name its signer as owner")
        if event["group"] != group_id_for(signer):
            raise RosterError("group id does not belong to the owner key")
        if expected_group_id is not None and event["group"] != expected_group_id:
            raise RosterError("roster belongs to a different group")
        state = cls(group_id=event["group"], owner=signer, roles={signer: OWNER})
        state.head_hash, state.next_index = event_hash(event), 1
        return state

    @classmethod
    def replay(
        cls,
        events: list[dict[str, Any]],
        expected_group_id: str | None = None,
        expected_owner: bytes | None = None,
    ) -> RosterState:
        if not events:
            raise RosterError("roster is empty")
        state = cls.from_genesis(events[0], expected_group_id)
        if expected_owner is not None and state.owner != expected_owner:
            raise RosterError("roster owner key differs from the key pinned in the invite")
        for event in events[1:]:
            state.apply(event)
        return state

    # queries
    def role_of(self, key: bytes) -> str | None:
        return self.roles.get(key)

    def is_member(self, key: bytes) -> bool:
        return key in self.roles

    def is_moderator(self, key: bytes) -> bool:
        return self.roles.get(key) in (OWNER, MODERATOR)

    def moderators(self) -> list[bytes]:
        return [k for k, r in self.roles.items() if r in (OWNER, MODERATOR)]

    def is_muted(self, key: bytes, now_ms: int | None = None) -> bool:
        now = int(time.time() * 1000) if now_ms is None else now_ms
        return self.muted_until.get(key, 0) > now

    def post_refusal(self, key: bytes, now_ms: int | None = None) -> str | None:
        """Why `key` may not post now, or None if it may."""
        if key in self.banned:
            return "banned from this group"
        if key not in self.roles:
            return "not a member of this group"
        if self.is_muted(key, now_ms):
            return "muted by the moderators until " + time.strftime(
                "%Y-%m-%d %H:%M UTC", time.gmtime(self.muted_until[key] / 1000)
            )
        if self.readonly and not self.is_moderator(key):
            return "the group is read-only: only moderators may post"
        return None

    # transitions
    def apply(self, event: dict[str, Any]) -> None:
        """Verify `event` against the current state and apply it, or raise RosterError."""
        signer = verify_signature(event)
        if event["group"] != self.group_id:
            raise RosterError("roster event belongs to a different group")
        if event["index"] != self.next_index:
            raise RosterError(
                f"roster event out of order: expected index {self.next_index}, got {event['index']}"
            )
        if event["prev"] != self.head_hash:
            raise RosterError(
                "roster event does not chain to the current head (forked or reordered log)"
            )
        kind = event["kind"]
        if kind == "genesis":
            raise RosterError("genesis may only come first")
        try:
            target = b64d(event["target"], length=32, field="target") if event["target"] else b""
        except EncodingError as exc:
            raise RosterError(str(exc)) from None
        signer_role = self.roles.get(signer)
        if kind == "leave":
            if target != signer or signer_role not in (MODERATOR, MEMBER):
                raise RosterError("only a member or moderator can leave, and only for itself")
        elif signer_role not in (OWNER, MODERATOR):
            raise RosterError("only the owner or a moderator can sign this roster event")
        getattr(self, "_apply_" + kind)(event, signer, target)
        self.head_hash = event_hash(event)
        self.next_index += 1

    def _outranks(self, signer: bytes, target: bytes) -> None:
        if not target:
            raise RosterError("this roster event needs a target")
        if target == signer:
            raise RosterError("a moderator cannot act on itself")
        target_rank = _RANK.get(self.roles.get(target, MEMBER), 1)
        if _RANK[self.roles[signer]] <= target_rank:
            raise RosterError("a moderator can only act on members of lower rank")

    def _apply_admit(self, event: dict[str, Any], signer: bytes, target: bytes) -> None:
        if not target:
            raise RosterError("admit needs a target")
        if target in self.banned:
            raise RosterError("this key is banned; unban it first")
        if target in self.roles:
            raise RosterError("this key is already a member")
        role = event["role"] or MEMBER
        if role == OWNER or (role == MODERATOR and self.roles[signer] != OWNER):
            raise RosterError("only the owner can admit a moderator, and nobody can admit an owner")
        self.roles[target] = role

    def _apply_remove(self, event: dict[str, Any], signer: bytes, target: bytes) -> None:
        self._outranks(signer, target)
        if target not in self.roles:
            raise RosterError("this key is not a member")
        del self.roles[target]
        self.muted_until.pop(target, None)

    def _apply_ban(self, event: dict[str, Any], signer: bytes, target: bytes) -> None:
        self._outranks(signer, target)
        self.roles.pop(target, None)
        self.muted_until.pop(target, None)
        self.banned.add(target)

    def _apply_unban(self, event: dict[str, Any], signer: bytes, target: bytes) -> None:
        if target not in self.banned:
            raise RosterError("this key is not banned")
        self.banned.discard(target)

    def _apply_mute(self, event: dict[str, Any], signer: bytes, target: bytes) -> None:
        self._outranks(signer, target)
        if target not in self.roles:
            raise RosterError("this key is not a member")
        if event["until"] <= 0:
            raise RosterError("mute needs an end time ('until')")
        self.muted_until[target] = event["until"]

    def _apply_unmute(self, event: dict[str, Any], signer: bytes, target: bytes) -> None:
        self._outranks(signer, target)
        if target not in self.muted_until:
            raise RosterError("this member is not muted")
        self.muted_until.pop(target)

    def _apply_role(self, event: dict[str, Any], signer: bytes, target: bytes) -> None:
        if self.roles[signer] != OWNER:
            raise RosterError("only the owner can change roles")
        if target not in self.roles or target == self.owner:
            raise RosterError("role changes apply to current members other than the owner")
        if event["role"] not in (MODERATOR, MEMBER):
            raise RosterError("role must be moderator or member")
        if self.roles[target] == event["role"]:
            raise RosterError(f"they are already a {event['role']}")
        self.roles[target] = event["role"]

    def _apply_slowmode(self, event: dict[str, Any], signer: bytes, target: bytes) -> None:
        value = event["value"]
        if type(value) is not int or not 0 <= value <= MAX_SLOWMODE_SECONDS:
            raise RosterError(f"slow mode must be 0..{MAX_SLOWMODE_SECONDS} seconds")
        if value == self.slowmode_seconds:
            raise RosterError(
                "slow mode is already off" if not value else f"slow mode is already {value} seconds"
            )
        self.slowmode_seconds = value

    def _apply_readonly(self, event: dict[str, Any], signer: bytes, target: bytes) -> None:
        if event["value"] not in (0, 1):
            raise RosterError("read-only value must be 0 or 1")
        if bool(event["value"]) == self.readonly:
            raise RosterError("read-only is already " + ("on" if self.readonly else "off"))
        self.readonly = bool(event["value"])

    def _apply_delete(self, event: dict[str, Any], signer: bytes, target: bytes) -> None:
        value = event["value"]
        # The message is named by its envelope id (b64u BLAKE2b-256 of the envelope), never by
        # a relay sequence number: a relay that renumbers messages cannot redirect a delete.
        if not isinstance(value, str) or len(value) != 43:
            raise RosterError("delete needs the envelope id of a message")
        if value in self.deleted:
            raise RosterError("that message was already removed")
        self.deleted.add(value)

    def _apply_guidelines(self, event: dict[str, Any], signer: bytes, target: bytes) -> None:
        value = event["value"]
        if not isinstance(value, str) or not 0 < len(value) <= 128:
            raise RosterError("guidelines value must be a hash string")
        self.guidelines_hash = value

    def _apply_warn(self, event: dict[str, Any], signer: bytes, target: bytes) -> None:
        self._outranks(signer, target)
        if target not in self.roles:
            raise RosterError("this key is not a member")

    def _apply_leave(self, event: dict[str, Any], signer: bytes, target: bytes) -> None:
        del self.roles[signer]
        self.muted_until.pop(signer, None)
