"""The groups list: name, role, connection and unread count, all in words."""

from __future__ import annotations

from textual.widgets.option_list import Option

from peertui.core.models import PENDING
from peertui.i18n import _, ngettext
from peertui.tui.widgets.focus_cursor import CursorOnHighlight
from peertui.ui.wording import state_word


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
    lines = [group.name, f"  {state_word(group.role)}"] if group.role else [group.name]
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

    def show(
        self, groups: list, current: str | None, waiting: dict[str, int] | None = None
    ) -> None:
        highlighted = self.highlighted
        self.group_ids = [group.group_id for group in groups]
        self.clear_options()
        if not groups:
            self.add_option(Option(_("No groups yet.\nF4 host · F5 join"), disabled=True))
            return
        marker = {True: "▸ ", False: "  "}
        self.add_options(
            [
                Option(
                    marker[group.group_id == current]
                    + describe_group(group, (waiting or {}).get(group.group_id, 0)),
                    id=group.group_id,
                )
                for group in groups
            ]
        )
        if current in self.group_ids:
            self.highlighted = self.group_ids.index(current)
        elif highlighted is not None and highlighted < len(groups):
            self.highlighted = highlighted
