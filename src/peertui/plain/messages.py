"""How messages become lines: numbering, content warnings, removals and personal hiding.

Numbers start at 1 each time plain mode starts and grow by one for every message shown, in any
group; a message keeps its number for the whole run (shown again by /history it has the same
number), so `/report 12` and `/delete 12` always name what the user saw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peertui.plain.console import one_line

if TYPE_CHECKING:
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

    def line(self, message: Message, group_label: str = "", hidden_because: str = "") -> str:
        """The one line for a message: `[group] #N nick: text` (group only when not current).

        `hidden_because` is the user's own reason to hide it (an ignored person or word).
        """
        number = self.number(message.group_id, message.msg_id)
        head = f"[{one_line(group_label)}] #{number}" if group_label else f"#{number}"
        nick = one_line(message.nick)
        if message.removed_reason is not None:
            return f"{head} {nick}: (removed by moderators: {one_line(message.removed_reason)})"
        if number not in self._opened:
            if hidden_because:
                return (
                    f"{head} hidden message ({one_line(hidden_because)}); /open {number} shows it"
                )
            if message.cw:
                return f"{head} {nick}: [content warning: {one_line(message.cw)}] /open {number} to read"
        cw = f"[content warning: {one_line(message.cw)}] " if message.cw else ""
        return f"{head} {nick}: {cw}{one_line(message.text)}"
