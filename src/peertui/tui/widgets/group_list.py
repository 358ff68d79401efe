"""The groups list: name, role, connection and unread count, all in words."""

from __future__ import annotations

from textual.widgets.option_list import Option

from peertui.core.models import PENDING
from peertui.i18n import _, ngettext
from peertui.tui.widgets.focus_cursor import CursorOnHighlight
from peertui.ui.wording import group_name, state_word


def group_status(group) -> str:
    """The group's state in words; the sidebar and the status line both use this, so they
    never disagree about the connection."""
    if group.state == PENDING:
        return _("waiting for approval")
    if group.state == "denied":
        return _("request declined")
    if group.state != "active":
        return state_word(group.state)
    return state_word(group.connection)


def describe_group(group, waiting: int = 0) -> str:
    status = group_status(group)
    name = group_name(group.name, state_said=True)
    lines = [name, f"  {state_word(group.role)}"] if group.role else [name]
    # One fact per line so a narrow sidebar never wraps them mid-phrase.
    lines.append(f"  {status}")
    if group.unread:
        lines.append("  " + _("{n} unread").format(n=group.unread))
    if waiting:
        lines.append(
            "  " + ngettext("{n} waiting to join", "{n} waiting to join", waiting).format(n=waiting)
        )
    return "\n".join(lines)


class GroupList(CursorOnHighlight):
    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.group_ids: list[str] = []
        self._shown: list[tuple[str, str]] | None = None  # (group id, words) as listed

    def show(
        self, groups: list, current: str | None, waiting: dict[str, int] | None = None
    ) -> None:
        highlighted = self.highlighted
        self.group_ids = [group.group_id for group in groups]
        marker = {True: "▸ ", False: "  "}
        shown = [
            (
                group.group_id,
                marker[group.group_id == current]
                + describe_group(group, (waiting or {}).get(group.group_id, 0)),
            )
            for group in groups
        ]
        if shown and shown == self._shown and self.option_count == len(shown):
            # Nothing to say differently (a catch-up refreshes the list with every update
            # of the conversation, with the same words): listing it again laid the whole
            # screen out each time, for the same lines.
            self._restore_highlight(current, highlighted, len(groups))
            return
        self._shown = shown
        self.clear_options()
        if not groups:
            self.add_option(Option(_("No groups yet.\nF4 host · F5 join"), disabled=True))
            return
        self.add_options([Option(words, id=group_id) for group_id, words in shown])
        self._restore_highlight(current, highlighted, len(groups))

    def _restore_highlight(self, current: str | None, highlighted: int | None, count: int) -> None:
        if current in self.group_ids:
            self.highlighted = self.group_ids.index(current)
        elif highlighted is not None and highlighted < count:
            self.highlighted = highlighted
