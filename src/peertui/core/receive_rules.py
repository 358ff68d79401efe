"""What a receiver checks on every authenticated message, whatever the relay accepted.

Pure functions over the receiver's own roster (docs/PROTOCOL.md §9): roster enforcement,
sessions bound to removals, roster-head comparison (forks and split views), per-sender gaps,
and the display order's time. `GroupSession` calls them; they never touch the network or the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from peertui.core.crypto import Decrypted, RosterHead
from peertui_wire.encoding import b64d
from peertui_wire.protocol import MAX_BACKDATE_MS, MAX_CLOCK_AHEAD_MS, REMOVAL_GRACE_MS
from peertui_wire.roster import RosterState, event_hash

REMOVALS = ("remove", "ban")


def head_of(roster: RosterState) -> RosterHead:
    return RosterHead(roster.next_index - 1, b64d(roster.head_hash))


class NotShown(Enum):
    """Why an authenticated message is not shown: a fact, worded by `peertui.ui.received`."""

    NOT_MEMBER = "not_member"
    MUTED = "muted"  # when it was sent
    READ_ONLY = "read_only"
    KEYS_BEFORE_REMOVAL = "keys_before_removal"


def refusal(roster: RosterState, events: list[dict[str, Any]], d: Decrypted) -> NotShown | None:
    """Why this message must not be shown, or None if it may."""
    sender = d.sender_key
    if not roster.is_member(sender):
        return NotShown.NOT_MEMBER
    if roster.is_muted(sender, now_ms=d.sent_ms):
        return NotShown.MUTED
    if roster.readonly and not roster.is_moderator(sender):
        return NotShown.READ_ONLY
    removal = first_removal_after(events, d.session_roster.index)
    if removal is not None and d.sent_ms > removal["ts"] + REMOVAL_GRACE_MS:
        return NotShown.KEYS_BEFORE_REMOVAL
    return None


def first_removal_after(events: list[dict[str, Any]], index: int) -> dict[str, Any] | None:
    """The earliest remove or ban after roster index `index`, as this receiver applied it."""
    for event in events[index + 1 :]:
        if event["kind"] in REMOVALS:
            return event
    return None


@dataclass(frozen=True)
class HeadCheck:
    ahead: bool  # the sender has applied roster events this receiver has not
    split: bool  # same index, different event: the two were shown different rosters


class RosterHashes:
    """The hash of each applied roster event, computed once: nearly every message names the
    same head, and hashing an event (canonical JSON, BLAKE2b) cost more than the rest of the
    receive rules. Kept per event object, so a roster read anew is hashed anew."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[dict[str, Any], bytes]] = {}

    def at(self, events: list[dict[str, Any]], index: int) -> bytes:
        event = events[index]
        known = self._known.get(index)
        if known is None or known[0] is not event:
            known = self._known[index] = (event, b64d(event_hash(event)))
        return known[1]


def compare_head(
    events: list[dict[str, Any]], head: RosterHead, hashes: RosterHashes | None = None
) -> HeadCheck:
    if head.index >= len(events):
        return HeadCheck(ahead=True, split=False)
    mine = (hashes or RosterHashes()).at(events, head.index)
    return HeadCheck(ahead=False, split=mine != head.hash)


def is_fork(events: list[dict[str, Any]], incoming: dict[str, Any]) -> bool:
    """An event at an index already applied that is not the event applied there."""
    index = incoming.get("index")
    if type(index) is not int or not 0 <= index < len(events):
        return False
    return event_hash(events[index]) != event_hash(incoming)


def missing_before(counters: dict[str, int], sender: str, counter: int) -> int:
    """Record `counter` for `sender`; return how many of its messages were skipped before it."""
    last = counters.get(sender)
    if last is not None and counter <= last:
        return 0  # late arrival: fills a gap already reported
    counters[sender] = counter
    return 0 if last is None else counter - last - 1


def order_time(sent_ms: int, stored_ms: int, received_ms: int) -> int:
    """A message's place in the display order (its `ts`), computed alike on every device,
    the sender's included, from what every device has (docs/PROTOCOL.md §9.6).

    `sent_ms` is the sender's signed time and `stored_ms` the time the relay stored the post
    with (the same in every member's log). The signed time decides, so the relay cannot
    reorder messages written at known times; but a message never goes after the moment the
    relay stored it (a sender whose clock is hours ahead cannot hold the newest place: every
    later post comes after it), nor more than a day before it (nor hours back into history
    for a clock that is behind). A relay's time over an hour ahead of this device's clock is
    not believed either: only a relay lying about its times reaches that bound.
    """
    latest = min(stored_ms, received_ms + MAX_CLOCK_AHEAD_MS)
    return min(max(sent_ms, latest - MAX_BACKDATE_MS), latest)
