"""Plain data the engine hands to front-ends. No behaviour, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from peertui.core.keys import KeyringRefused

# Group states as the local member experiences them.
PENDING, ACTIVE, DENIED, REMOVED, BANNED, LEFT = (
    "pending",
    "active",
    "denied",
    "removed",
    "banned",
    "left",
)
# Connection states, in words (front-ends show them as text, never only as colour).
CONNECTING, CONNECTED, OFFLINE = "connecting", "connected", "offline"


class Hidden(Enum):
    """Why this device hides a message (`Engine.why_hidden`): the person hid its sender, the
    message itself, or a word in it. Worded by `peertui.ui.received.hidden_reason`."""

    MEMBER = "member"
    MESSAGE = "message"
    WORD = "word"


@dataclass(frozen=True)
class GroupInfo:
    group_id: str
    name: str
    relay_url: str
    role: str  # owner | moderator | member | "" while pending
    nick: str
    state: str  # one of PENDING..LEFT
    connection: str  # CONNECTING | CONNECTED | OFFLINE
    unread: int = 0
    guidelines: str = ""
    slowmode_seconds: int = 0
    readonly: bool = False
    language: str = ""  # the language the group declares ("es", "pt_BR"); "" when none
    # The group's guidelines (as they are now) are the ones this member accepted; True when
    # it has none. While pending: whether the general ones accepted at /join were.
    guidelines_accepted: bool = True


@dataclass(frozen=True)
class Member:
    key: str  # b64u public key
    member_id: str
    nick: str
    role: str
    pronouns: str = ""
    intro: str = ""
    muted_until: int = 0  # ms; 0 = not muted
    is_me: bool = False


@dataclass(frozen=True)
class JoinRequest:
    request_id: str
    key: str
    member_id: str
    nick: str
    pronouns: str = ""
    intro: str = ""
    ts: int = 0


@dataclass(frozen=True)
class Report:
    report_id: str
    msg_id: str
    reported_nick: str
    reported_member_id: str
    text: str  # the reported message, re-encrypted to moderators only
    context: list[str] = field(default_factory=list)
    reason: str = ""
    ts: int = 0


@dataclass(frozen=True)
class ModLogEntry:
    index: int  # roster index: the log's order is the signed roster's order
    ts: int
    actor_nick: str
    actor_role: str
    action: str  # admit, warn, mute, remove, ban, delete, slowmode, readonly, role, ...
    target_nick: str = ""
    reason: str = ""
    until: int = 0
    # What a setting was set to, typed (the ui words it in the reader's language):
    # seconds for slowmode (0 = off), 1/0 for readonly, the new role name for role; for
    # guidelines 1 when they replaced earlier ones, 0 for the group's first.
    value: int = 0
    role: str = ""
    # The names as they were when the action was taken; `*_now` is set only when the person
    # has taken another nickname since. `target_nick` is "" while the target's is not known.
    target_id: str = ""
    # False when the target was not a member as the action was taken (a requester banned
    # before admission): no member's name or id is theirs to show.
    target_was_member: bool = True


@dataclass(frozen=True)
class PrivateSettingsMoved:
    """Settings written by hand into config.toml that reveal something (`names`: the proxy,
    how long history is kept) were moved into the encrypted history."""

    names: tuple[str, ...]
    config_file: Path


@dataclass(frozen=True)
class ConfigNotRewritten:
    """config.toml could not be rewritten without the moved settings; `reason` is the system's."""

    config_file: Path
    reason: str


# What the engine found at start-up: a sentence already worded (settings), or facts.
StartupNote = str | PrivateSettingsMoved | ConfigNotRewritten | KeyringRefused
