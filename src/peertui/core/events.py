"""Everything the engine tells a front-end, as one stream of small immutable events.

Front-ends register a callback with `Engine.subscribe`; the engine calls it on its event loop.
Each event happens once; a front-end prints or shows it once.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """My message is stored in the outbox and will be sent when the relay is reachable."""

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
    detail: str = ""


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


@dataclass(frozen=True)
class Notice(Event):
    text: str


@dataclass(frozen=True)
class ErrorOccurred(Event):
    text: str


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

    kind: str  # fork | split | withheld | key
    text: str


@dataclass(frozen=True)
class MessagesMissing(Event):
    """A sender's message counter skipped: `count` of its messages never arrived here."""

    sender_nick: str
    count: int
    text: str
