"""The groups list: name, role, connection and unread count, all in words."""

from __future__ import annotations

from textual.widgets import OptionList
from textual.widgets.option_list import Option

from peertui.core.models import PENDING


def describe_group(group) -> str:
    if group.state == PENDING:
        status = "waiting for approval"
    elif group.state != "active":
        status = group.state
    else:
        status = group.connection
    unread = f", {group.unread} unread" if group.unread else ""
    role = f"{group.role}, " if group.role else ""
    return f"{group.name}\n  {role}{status}{unread}"


class GroupList(OptionList):
    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.group_ids: list[str] = []

    def show(self, groups: list, current: str | None) -> None:
        highlighted = self.highlighted
        self.group_ids = [group.group_id for group in groups]
        self.clear_options()
        if not groups:
            self.add_option(Option("No groups yet.\nF4 host · F5 join", disabled=True))
            return
        marker = {True: "▸ ", False: "  "}
        self.add_options(
            [
                Option(marker[group.group_id == current] + describe_group(group), id=group.group_id)
                for group in groups
            ]
        )
        if current in self.group_ids:
            self.highlighted = self.group_ids.index(current)
        elif highlighted is not None and highlighted < len(groups):
            self.highlighted = highlighted
