"""The conversation: one line per message as `nick: text`, plus short system lines.

Content warnings, and messages this device folds (see `wellbeing.fold`), stay folded until opened;
removed messages say who removed them and why; messages the user muted for themselves (a person
or a word) are hidden behind a label. The highlighted line carries a "▶" so the selection never
depends on colour alone, and new messages below the highlight are announced in words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.widgets.option_list import Option, OptionDoesNotExist

from peertui.i18n import _, ngettext
from peertui.tui import bindings
from peertui.tui.text import steady_width
from peertui.tui.widgets.focus_cursor import CursorOnHighlight
from peertui.ui import ordering, wording

SELECTED = "▶ "
UNSELECTED = "  "


@dataclass
class SystemLine:
    text: str
    ts: int = 0  # ms; orders rebuilt moderation lines among the messages


def describe_message(message, hidden_reason: str = "", opened: bool = False) -> Text:
    """A message as the person may see it here, after its number (`#12`, the same as in plain
    mode and after a restart: `peertui.ui.ordering`): folded, hidden or removed in words."""
    head = Text(f"#{message.number} " if message.number else "")
    late = ordering.late_before(message)
    shown = head + _describe(message, hidden_reason, opened)
    if late:
        shown.append(" " + wording.late_note(late), style="italic")
    return shown


def _describe(message, hidden_reason: str, opened: bool) -> Text:
    nick, cw = steady_width(message.nick), steady_width(message.cw)
    if message.removed_reason is not None:
        return Text(
            _("{nick}: [removed by moderators: {reason}]").format(
                nick=nick, reason=message.removed_reason
            ),
            style="italic",
        )
    if hidden_reason and not opened:
        return Text(
            _("{nick}: [hidden — {why}]").format(nick=nick, why=hidden_reason), style="italic"
        )
    fold = message.extra.get("fold", "") if isinstance(message.extra, dict) else ""
    if fold and not opened:
        return Text(
            _("{nick}: [folded — {fold} — Enter to open]").format(nick=nick, fold=fold),
            style="italic",
        )
    if cw and not opened:
        return Text(
            _("{nick}: [content warning: {cw} — Enter to open]").format(nick=nick, cw=cw),
            style="italic",
        )
    label = Text(f"{nick}: ", style="bold")
    if cw:
        label.append(f"[cw: {cw}] ", style="italic")
    suffix = _(" (waiting to send)") if message.seq <= 0 else ""
    shown = label + Text(steady_width(message.text) + suffix)
    if isinstance(message.extra, dict) and message.extra.get("care"):
        from peertui.i18n import current_language
        from peertui.wellbeing.responses import care_note

        # A possible cry for help is shown, never folded, with a note for the reader.
        shown.append(
            "\n  "
            + care_note(
                current_language(),
                # Names this message: `r` alone acts on whichever line is highlighted.
                _("/report {n} (or r with this message highlighted)").format(n=message.number),
            ),
            style="italic",
        )
    return shown


def newer(shown, told):
    """What a line should show when told about a message it already shows: a message the relay
    took (seq > 0) never goes back to "waiting to send" because a late "queued" arrived."""
    if getattr(shown, "seq", 0) > 0 and getattr(told, "seq", 0) <= 0:
        return shown
    return told


class MessageList(CursorOnHighlight):
    BINDINGS: ClassVar[list[BindingType]] = [*bindings.MESSAGES]

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list = []  # Message | SystemLine, oldest first
        self.opened: set[str] = set()
        self.unseen_below = 0
        self._marked: int | None = None
        # Set by the screen: why a message is hidden on this device ("" when shown).
        self.hidden_reason: Callable[[object], str] = lambda message: ""

    def render_item(self, item, index: int | None = None) -> Text:
        marker = SELECTED if index is not None and index == self.highlighted else UNSELECTED
        if isinstance(item, SystemLine):
            return Text(marker) + Text(f"— {steady_width(item.text)}", style="italic")
        opened = item.msg_id in self.opened
        return Text(marker) + describe_message(item, self.hidden_reason(item), opened)

    def _option(self, item, index: int | None) -> Option:
        key = None if isinstance(item, SystemLine) else f"m-{item.msg_id}"
        return Option(self.render_item(item, index), id=key)

    def _redraw(self, index: int | None) -> None:
        if index is not None and index < min(len(self.items), self.option_count):
            self.replace_option_prompt_at_index(index, self.render_item(self.items[index], index))

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        previous, self._marked = self._marked, highlighted
        if previous != highlighted:
            self._redraw(previous)
            self._redraw(highlighted)
        if highlighted is not None and highlighted >= len(self.items) - 1:
            self._announce_below(0)

    @property
    def at_end(self) -> bool:
        return self.highlighted is None or self.highlighted >= len(self.items) - 1

    def _keep_in_view(self) -> None:
        """The newest line for a reader at the end, else their highlighted line: the lines'
        heights change whenever the width does (a resize, the members panel coming or going),
        and the old scroll offset would then point at older messages."""
        if self.at_end:
            self.scroll_end(animate=False, immediate=True)
        elif self.highlighted is not None:
            self.scroll_to_highlight()

    def on_resize(self) -> None:
        self.call_after_refresh(self._keep_in_view)

    def _announce_below(self, count: int) -> None:
        self.unseen_below = count
        self.border_subtitle = (
            ngettext(
                "{count} new message below — End jumps to them",
                "{count} new messages below — End jumps to them",
                count,
            ).format(count=count)
            if count
            else ""
        )

    def show(self, items: list) -> None:
        self.items = list(items)
        self._set_all_options()
        self._announce_below(0)
        if self.items:
            self.highlighted = len(self.items) - 1
        self._mark_highlighted()
        # Once laid out at the real width, or a restart can open above the newest lines.
        self.call_after_refresh(self._keep_in_view)

    def append(self, item) -> None:
        self.extend([item])

    def extend(self, items: list) -> None:
        """Add lines that arrived (one update of the list, not one per line). A message goes at
        its place in the display order (`peertui.ui.ordering`): at the end, unless it arrived
        late, when it goes above it, and the highlight stays on the line it was on."""
        following = self.at_end
        marked = None if following or self.highlighted is None else self.items[self.highlighted]
        new: list = []
        moved: list = []
        in_batch: dict[str, int] = {}  # msg_id -> its place in `new`
        for item in items:
            if not isinstance(item, SystemLine) and item.msg_id in in_batch:
                # "Queued" and then "sent" told in one batch: the later state wins (it used to
                # be dropped, leaving the line "waiting to send" for good).
                place = in_batch[item.msg_id]
                new[place] = newer(new[place], item)
            elif not isinstance(item, SystemLine) and (index := self.find(item.msg_id)) is not None:
                item = newer(self.items[index], item)  # never back to "waiting" once sent
                if marked is self.items[index]:
                    marked = item  # the highlight stays on it, wherever it goes
                self.items[index] = item  # sent at last, or removed: the same line, updated
                if self._fits(index):
                    self._redraw(index)
                else:
                    moved.append(self.items.pop(index))
            else:
                if not isinstance(item, SystemLine):
                    in_batch[item.msg_id] = len(new)
                new.append(item)
        if moved or not self._in_order(new):
            self._place_all(moved + new, following, marked)
            return
        if not new:
            return
        start = len(self.items)
        self.items.extend(new)
        self.add_options([self._option(item, start + i) for i, item in enumerate(new)])
        if following:
            self.highlighted = len(self.items) - 1
            self.scroll_end(animate=False)
        else:
            self._announce_below(self.unseen_below + len(new))

    def _in_order(self, new: list) -> bool:
        """Whether every new message comes after the ones shown (and after each other)."""
        last = next(
            (
                ordering.display_key(i)
                for i in reversed(self.items)
                if not isinstance(i, SystemLine)
            ),
            None,
        )
        for item in new:
            if isinstance(item, SystemLine):
                continue
            key = ordering.display_key(item)
            if last is not None and key < last:
                return False
            last = key
        return True

    def _messages(self, items: list) -> list:
        return [i for i in items if not isinstance(i, SystemLine)]

    def _fits(self, index: int) -> bool:
        key = ordering.display_key(self.items[index])
        before = self._messages(self.items[:index])
        after = self._messages(self.items[index + 1 :])
        return (not before or ordering.display_key(before[-1]) <= key) and (
            not after or key <= ordering.display_key(after[0])
        )

    def _place_all(self, items: list, following: bool, marked: object) -> None:
        """Put each message at its place (system lines at the end) and draw the list again,
        keeping the highlight on the line it was on, or at the end for someone following."""
        below = 0
        for item in items:
            index = len(self.items)
            if not isinstance(item, SystemLine):
                later = (
                    i
                    for i, shown in enumerate(self.items)
                    if not isinstance(shown, SystemLine)
                    and ordering.display_key(item) < ordering.display_key(shown)
                )
                index = next(later, len(self.items))
            if marked is not None and item is not marked:
                where = next((i for i, shown in enumerate(self.items) if shown is marked), None)
                below += where is not None and index > where
            self.items.insert(index, item)
        self._set_all_options()
        if following or marked is None:
            self.jump_to_end()
        else:
            self.highlighted = self._position(marked)
            self.scroll_to_highlight()
            self._announce_below(self.unseen_below + below)
        self._mark_highlighted()

    def _set_all_options(self) -> None:
        """Draw every line again, all unmarked: `_mark_highlighted` then marks the one line.
        (Drawn with the marker where the highlight was, the old line kept its "▶" when the
        highlight moved, and two showed after a late message was put in its place.)"""
        self._marked = None
        self.set_options([self._option(item, None) for item in self.items])

    def _mark_highlighted(self) -> None:
        previous, self._marked = self._marked, self.highlighted
        if previous != self.highlighted:
            self._redraw(previous)
        self._redraw(self.highlighted)

    def _position(self, item) -> int:
        return next(i for i, shown in enumerate(self.items) if shown is item)

    def jump_to_end(self) -> None:
        if self.items:
            self.highlighted = len(self.items) - 1
            self.scroll_end(animate=False)

    def prepend(self, older: list) -> None:
        highlighted = self.highlighted or 0
        self.show(older + self.items)
        self.highlighted = highlighted + len(older)

    def find(self, msg_id: str) -> int | None:
        # Every message line has its option (added with it, removed only with it or after),
        # so a message without one is not here: what nearly every arriving message is, and
        # scanning 20,000 lines for each of them held up the keys during a catch-up.
        try:
            self.get_option(f"m-{msg_id}")
        except OptionDoesNotExist:
            return None
        for index, item in enumerate(self.items):
            if not isinstance(item, SystemLine) and item.msg_id == msg_id:
                return index
        return None

    def replace(self, item) -> None:
        index = self.find(item.msg_id)
        if index is not None:
            self.items[index] = newer(self.items[index], item)
            self._redraw(index)

    def rerender(self) -> None:
        for index in range(len(self.items)):
            self._redraw(index)

    def selected_message(self):
        if self.highlighted is None or not self.items:
            return None
        item = self.items[self.highlighted]
        return None if isinstance(item, SystemLine) else item

    def highlight_latest(self, not_from: str = "") -> None:
        """Highlight the newest message (not a notice), leaving out `not_from`'s own."""
        for index in range(len(self.items) - 1, -1, -1):
            item = self.items[index]
            if not isinstance(item, SystemLine) and item.sender != not_from:
                self.highlighted = index
                return

    def oldest(self):
        """The oldest message shown (system lines are not messages)."""
        return next((item for item in self.items if not isinstance(item, SystemLine)), None)
