"""How messages become lines: numbering, folds, content warnings, removals and hiding.

Numbers start at 1 each time plain mode starts and grow by one for every message shown, in any
group; a message keeps its number for the whole run (shown again by /history it has the same
number), so `/report 12` and `/delete 12` always name what the user saw. The words come from
`peertui.ui.wording.message_parts`, the same as the TUI's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from peertui.plain.console import one_line
from peertui.ui.wording import _, message_parts

if TYPE_CHECKING:
    from peertui.core.models import Member
    from peertui.core.store import Message


class MessageBook:
    """Numbers every message shown and remembers which were printed live and which opened."""

    def __init__(self) -> None:
        self._number_of: dict[tuple[str, str], int] = {}
        self._by_number: dict[int, tuple[str, str]] = {}
        self._printed_live: set[tuple[str, str]] = set()
        self._opened: set[int] = set()

    def number(self, group_id: str, msg_id: str) -> int:
        key = (group_id, msg_id)
        if key not in self._number_of:
            number = len(self._number_of) + 1
            self._number_of[key] = number
            self._by_number[number] = key
        return self._number_of[key]

    def shown_number(self, group_id: str, msg_id: str) -> int | None:
        """The number of a message already shown, without giving it one."""
        return self._number_of.get((group_id, msg_id))

    def lookup(self, number: int) -> tuple[str, str] | None:
        """(group id, message id) for a number the user typed."""
        return self._by_number.get(number)

    def first_live_showing(self, message: Message) -> bool:
        """True once per message: the engine's event stream must never print it twice."""
        key = (message.group_id, message.msg_id)
        if key in self._printed_live:
            return False
        self._printed_live.add(key)
        return True

    def open(self, number: int) -> None:
        self._opened.add(number)

    def line(
        self,
        message: Message,
        group_label: str = "",
        hidden_because: str = "",
        members: Sequence[Member] = (),
    ) -> str:
        """The one line for a message: `[group] #N nick: text` (group only when not current).

        Folded, hidden and content-warning messages say why in brackets and how to open them.
        """
        number = self.number(message.group_id, message.msg_id)
        head = f"[{one_line(group_label)}] #{number}" if group_label else f"#{number}"
        parts = message_parts(
            message,
            hidden_because=hidden_because,
            opened=number in self._opened,
            members=members,
        )
        nick = one_line(parts.nick)
        if parts.closed:
            hint = _("/open {n} shows it").format(n=number)
            return f"{head} {nick}: [{one_line(parts.label)}] {hint}"
        if parts.state == "removed":
            return f"{head} {nick}: [{one_line(parts.label)}]"
        label = f"[{one_line(parts.label)}] " if parts.label else ""
        waiting = " " + _("(waiting to send)") if parts.waiting else ""
        return f"{head} {nick}: {label}{one_line(parts.text)}{waiting}"
