"""Everything the engine tells a front-end, as one stream of small immutable events.

Front-ends register a callback with `Engine.subscribe`; the engine calls it on its event loop.
Each event happens once; a front-end prints or shows it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from peertui.core.keys import StoreError
from peertui.core.models import JoinRequest, Member, ModLogEntry, Report
from peertui.core.store import Message


@dataclass(frozen=True)
class Event:
    group_id: str


@dataclass(frozen=True)
class MessageReceived(Event):
    """A message to show: someone else's, or my own once the relay accepted it."""

    message: Message


@dataclass(frozen=True)
class MessageQueued(Event):
    """My message is stored in the outbox: told the moment it is written (so it is shown at
    once, marked waiting), before the relay has it; MessageReceived follows when the relay
    takes it, or MessageReturned if it never can."""

    message: Message


@dataclass(frozen=True)
class MessageReturned(Event):
    """A waiting message can no longer go out (e.g. the group became read-only): the relay
    refused it for good, so its text is back in this group's draft (`Engine.draft`), and
    `reason` says why in words. The draft survives a restart."""

    msg_id: str
    text: str
    cw: str
    reason: str


@dataclass(frozen=True)
class MessageRemoved(Event):
    msg_id: str
    reason: str


@dataclass(frozen=True)
class MemberJoined(Event):
    member: Member


@dataclass(frozen=True)
class MemberLeft(Event):
    member: Member
    how: str  # left | removed | banned


@dataclass(frozen=True)
class JoinRequested(Event):
    request: JoinRequest


@dataclass(frozen=True)
class GroupLanguageChanged(Event):
    """A moderator declared the group's language ("" when they took the declaration away)."""

    language: str
    by: str  # the moderator's nickname


@dataclass(frozen=True)
class JoinApproved(Event):
    """The local member's own join request was approved: the group is active."""

    guidelines: str
    language: str = ""  # the group's declared language, "" when it declares none


@dataclass(frozen=True)
class JoinDenied(Event):
    reason: str


@dataclass(frozen=True)
class ConnectionChanged(Event):
    state: str  # connecting | connected | offline
    cause: BaseException | None = None  # why offline (a RelayError, worded by ui.relay_words)


@dataclass(frozen=True)
class GapDetected(Event):
    """Messages were purged by the relay's retention before this device could fetch them."""

    missed_from: int
    missed_to: int


@dataclass(frozen=True)
class Warned(Event):
    """A moderator warned the local member privately."""

    reason: str


@dataclass(frozen=True)
class ModAction(Event):
    entry: ModLogEntry


@dataclass(frozen=True)
class ReportReceived(Event):
    report: Report


class Said(Enum):
    """What a `Notice` or an `ErrorOccurred` reports, as a fact; `peertui.ui.wording.told`
    words it (with the event's `nick`, `detail` and `count`) for both front-ends."""

    LEFT = "left"  # I left the group
    REMOVED = "removed"  # the moderators removed me
    BANNED = "banned"  # the moderators banned me
    NOW_MODERATOR = "now_moderator"
    GUIDELINES_CHANGED = "guidelines_changed"
    WELCOME_GUIDELINES_DIFFER = "welcome_guidelines_differ"
    RECEIVING_RESUMED = "receiving_resumed"
    FOREIGN_SHARE_IGNORED = "foreign_share_ignored"  # a session key from a non-member
    REQUEST_CLOSED = "request_closed"  # another moderator declined `nick`'s request
    UNREADABLE_JOIN_REQUEST = "unreadable_join_request"  # its invite was made elsewhere
    JOIN_KEY_ALTERED = "join_key_altered"
    JOIN_REPLY_DAMAGED = "join_reply_damaged"
    CONNECTION_PROBLEM = "connection_problem"  # `detail`: what went wrong; reconnecting
    EVENT_SKIPPED = "event_skipped"  # `detail`: why it could not be processed
    STREAM_REFUSED = "stream_refused"  # `detail`: the relay's refusal
    SENDING_HELD = "sending_held"  # `detail`: why; `count` messages stay queued
    # The receive path's, worded by peertui.ui.received:
    MESSAGE_NOT_SHOWN = "message_not_shown"  # from `nick`; `detail`: a receive_rules.NotShown
    NICK_CHANGED = "nick_changed"  # `detail` is now known as `nick`
    THANKED = "thanked"  # `nick` thanked `detail` for message number `count`
    THANKED_YOU = "thanked_you"  # `nick` thanked you for your message number `count`
    FORGED_GAP = "forged_gap"  # a gap past the relay's newest event (`count`), ignored


@dataclass(frozen=True)
class Notice(Event):
    """Something to tell the person: `said` names it, worded with `nick`, `detail` and
    `count` by `peertui.ui.wording.told`; `text` is a ready sentence only where `said` is None
    (none of core's notices now)."""

    text: str = ""
    said: Said | None = None
    nick: str = ""
    detail: str = ""
    count: int = 0
    cause: BaseException | None = None  # the error `detail` would say; worded where shown


@dataclass(frozen=True)
class ErrorOccurred(Event):
    """Something went wrong; typed like `Notice`."""

    text: str = ""
    said: Said | None = None
    detail: str = ""
    count: int = 0
    cause: BaseException | None = None  # the error `detail` would say; worded where shown


@dataclass(frozen=True)
class ReceivingPaused(Event):
    """This device could not store what arrived (`problem`: usually `StorageFull`): receiving
    waits and resumes by itself once it can store again; no message is skipped."""

    problem: StoreError


@dataclass(frozen=True)
class RelayRewound(Event):
    """The relay's copy of the group went back in time: its store was `restored` (a backup, a
    reset), or its log now ends at `log_end`, before the `already_read` events this device had
    read. The group is read again from the start."""

    restored: bool
    log_end: int = 0
    already_read: int = 0


@dataclass(frozen=True)
class SendingWaits(Event):
    """Slow mode (`slow_mode`) or the relay's rate limit holds my newest message back: it goes
    out by itself in about `seconds`, after `ahead` of my own."""

    slow_mode: bool
    seconds: int
    ahead: int


@dataclass(frozen=True)
class RosterWarning(Event):
    """The relay (or a moderator) showed this device a roster that disagrees with what it or
    another member holds: a fork, a split view, or changes being withheld. Show it plainly."""

    kind: str  # fork | split | withheld | key | copied; worded by ui.received.roster_warning
    index: int = 0  # the roster entry a fork or a split view is at
    nick: str = ""  # who was shown another roster (split, withheld)


@dataclass(frozen=True)
class MessagesMissing(Event):
    """A sender's message counter skipped: `count` of its messages never arrived here."""

    sender_nick: str
    count: int  # worded by ui.received.messages_missing
