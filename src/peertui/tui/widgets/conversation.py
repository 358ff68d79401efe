"""The conversation: one line per message as `nick: text`, plus short system lines.

Content warnings, and messages this device folds (see `wellbeing.fold`), stay folded until opened; removed messages say who removed them and why;
messages the user muted for themselves (a person or a word) are hidden behind a label.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from peertui.tui import bindings


@dataclass
class SystemLine:
    text: str


class MessageList(OptionList):
    BINDINGS = bindings.MESSAGES

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list = []  # Message | SystemLine, oldest first
        self.opened: set[str] = set()
        # Set by the screen: why a message is hidden on this device ("" when shown).
        self.hidden_reason = lambda message: ""

    def render_item(self, item) -> Text:
        if isinstance(item, SystemLine):
            return Text(f"— {item.text}", style="italic")
        suffix = " (waiting to send)" if item.seq <= 0 else ""
        if item.removed_reason is not None:
            return Text(f"{item.nick}: [removed by moderators: {item.removed_reason}]", style="dim")
        if hidden := self.hidden_reason(item):
            return Text(f"{item.nick}: [hidden — {hidden}]", style="dim")
        fold = item.extra.get("fold", "") if isinstance(item.extra, dict) else ""
        if fold and item.msg_id not in self.opened:
            return Text(f"{item.nick}: [folded — {fold} — Enter to open]", style="italic")
        if item.cw and item.msg_id not in self.opened:
            return Text(
                f"{item.nick}: [content warning: {item.cw} — Enter to open]", style="italic"
            )
        label = Text(f"{item.nick}: ", style="bold")
        if item.cw:
            label.append(f"[cw: {item.cw}] ", style="italic")
        return label + Text(item.text + suffix)

    def _option(self, item) -> Option:
        key = None if isinstance(item, SystemLine) else f"m-{item.msg_id}"
        return Option(self.render_item(item), id=key)

    def show(self, items: list) -> None:
        self.items = list(items)
        self.clear_options()
        self.add_options([self._option(item) for item in self.items])
        if self.items:
            self.highlighted = len(self.items) - 1

    def append(self, item) -> None:
        if not isinstance(item, SystemLine) and self.find(item.msg_id) is not None:
            self.replace(item)
            return
        at_end = self.highlighted is None or self.highlighted >= len(self.items) - 1
        self.items.append(item)
        self.add_option(self._option(item))
        if at_end:
            self.highlighted = len(self.items) - 1

    def prepend(self, older: list) -> None:
        highlighted = self.highlighted or 0
        self.show(older + self.items)
        self.highlighted = highlighted + len(older)

    def find(self, msg_id: str) -> int | None:
        for index, item in enumerate(self.items):
            if not isinstance(item, SystemLine) and item.msg_id == msg_id:
                return index
        return None

    def replace(self, item) -> None:
        index = self.find(item.msg_id)
        if index is not None:
            self.items[index] = item
            self.replace_option_prompt_at_index(index, self.render_item(item))

    def rerender(self) -> None:
        for index, item in enumerate(self.items):
            self.replace_option_prompt_at_index(index, self.render_item(item))

    def selected_message(self):
        if self.highlighted is None or not self.items:
            return None
        item = self.items[self.highlighted]
        return None if isinstance(item, SystemLine) else item

    def oldest(self):
        """The oldest message shown (system lines are not messages)."""
        return next((item for item in self.items if not isinstance(item, SystemLine)), None)
