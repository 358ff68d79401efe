"""Message numbers and the display order: one rule for every view of a conversation.

**Numbers.** Each message gets a number (`#12`) the first time this device stores it, or
when it is queued to be sent (an own message keeps that number once it goes out). Numbers
count up across all groups of this home (see `Store.reserve_number`), so `#12` names exactly
one message in one group for as long as the device keeps it: in the live conversation, in
history after a restart, in search results and after a jump, in both front-ends. A number
is never reused, not even when its message is deleted by the history clean-up; a command
given such a number says in words that the message is no longer here. A number names a
message on this device only: the same message has another number on another member's
device, and reports name the message itself, never its number.

**Display order.** Messages are shown in the order of the sender's signed time (the
`sent_ms` inside the ciphertext, docs/PROTOCOL.md §9.6; for one's own message the time the
relay accepted it, but never before a message already on this device, since it was written
after those were read), and messages with the same time in number order. The relay cannot
reorder what is shown, and history after a restart is in the same order as the live view.

**Late arrivals.** Numbers follow arrival and the display follows time, so the two differ
only for a message that arrives after messages written later than it (a backlog read after
being offline, a message the relay held back). Such a message is *late*: it is shown at its
place in time with its own (higher) number and the words "arrived late: its place is before
#54" (`late_before`). Plain mode, which never redraws, prints it when it arrives with those
words; the TUI inserts it at its place and says so. Numbers are therefore not always
increasing down a conversation, but a number shown once always means the same message.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peertui.core.store import Message


def display_key(message: Message) -> tuple[int, int]:
    """Where a message goes in the display order: its time, then its number."""
    return (message.ts, message.number)


def place(shown: Sequence[Message], message: Message) -> int:
    """The index at which `message` goes among `shown` (already in display order)."""
    keys = [display_key(m) for m in shown]
    return bisect_right(keys, display_key(message))


def late_before(message: Message) -> int:
    """The number of the message a late arrival comes before (0 when it arrived in order)."""
    extra = message.extra if isinstance(message.extra, dict) else {}
    value = extra.get("late_before", 0)
    return value if isinstance(value, int) else 0
