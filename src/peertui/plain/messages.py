"""How messages become lines: numbers, folds, content warnings, removals and hiding.

Every message line starts with the message's number on this device (`#12`), the same number in
the live conversation, in /history, in /search and after a restart, so `/report 12` and
`/delete 12` always name what the person saw (the rule: `peertui.ui.ordering`). The words come
from `peertui.ui.wording.message_parts`, the same as the TUI's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from peertui.plain.console import one_line
from peertui.ui.wording import _, late_note, message_parts

if TYPE_CHECKING:
    from peertui.core.models import Member
    from peertui.core.store import Message


class MessageBook:
    """Remembers which messages were printed live and which the person opened."""

    def __init__(self) -> None:
        self._printed_live: set[tuple[str, str]] = set()
        self._opened: set[int] = set()

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
        number = message.number
        head = f"[{one_line(group_label)}] #{number}" if group_label else f"#{number}"
        parts = message_parts(
            message,
            hidden_because=hidden_because,
            opened=number in self._opened,
            members=members,
        )
        nick = one_line(parts.nick)
        late = " " + late_note(parts.late_before) if parts.late_before else ""
        if parts.closed:
            hint = _("/open {n} shows it").format(n=number)
            return f"{head} {nick}: [{one_line(parts.label)}] {hint}{late}"
        if parts.state == "removed":
            return f"{head} {nick}: [{one_line(parts.label)}]{late}"
        label = f"[{one_line(parts.label)}] " if parts.label else ""
        waiting = " " + _("(waiting to send)") if parts.waiting else ""
        return f"{head} {nick}: {label}{one_line(parts.text)}{waiting}{late}"
