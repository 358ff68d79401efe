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

**Display order.** Every device, the sender's included, puts a conversation in the same
order, computed from what every member's device has alike (docs/PROTOCOL.md §9.6,
`receive_rules.order_time`): a message's place is its sender's signed time (the `sent_ms`
inside the ciphertext: when it was written, even if it waited offline), but never after the
time the relay stored it with (a clock hours ahead cannot hold the newest place: the next
post comes after it) nor more than a day before that; messages with the same place are
ordered by sender (member id) and then message id, never by this device's numbers. A sender
signs a time after every message already on its device (it wrote after reading them) and
after its own previous message, so a clock that is behind does not sink a reply above what
it answers. The relay cannot reorder messages written at known times, and history after a
restart, search and jumps use the same order as the live view, in both front-ends.

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

from peertui.core.store import order_key

if TYPE_CHECKING:
    from peertui.core.store import Message


def display_key(message: Message) -> tuple[int, str, str]:
    """Where a message goes in the display order: its time, then its sender and message id."""
    return order_key(message)


def place(shown: Sequence[Message], message: Message) -> int:
    """The index at which `message` goes among `shown` (already in display order)."""
    keys = [display_key(m) for m in shown]
    return bisect_right(keys, display_key(message))


def late_before(message: Message) -> int:
    """The number of the message a late arrival comes before (0 when it arrived in order)."""
    extra = message.extra if isinstance(message.extra, dict) else {}
    value = extra.get("late_before", 0)
    return value if isinstance(value, int) else 0
