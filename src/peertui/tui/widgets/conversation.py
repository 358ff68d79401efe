"""The conversation: one line per message as `nick: text`, plus short system lines.

Content warnings, and messages this device folds (see `wellbeing.fold`), stay folded until opened;
removed messages say who removed them and why; messages the user muted for themselves (a person
or a word) are hidden behind a label. The highlighted line carries a "▶" so the selection never
depends on colour alone, and new messages below the highlight are announced in words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Protocol

from rich.text import Text
from textual.binding import BindingType
from textual.widgets.option_list import Option, OptionDoesNotExist

from peertui.i18n import _, ngettext
from peertui.tui import bindings
from peertui.tui.text import steady_width
from peertui.tui.widgets.line_list import LineList
from peertui.ui import ordering, wording

SELECTED = "▶ "
UNSELECTED = "  "
# The conversation keeps a window of at most about this many lines (plus SLACK) in its option
# list; the rest stay in the store and come back a page at a time as the reader moves there.
# Textual's option list recomputes every line's height whenever one line changes (the "▶"
# moving, a message sent), so a list that grew to 20,000 lines during a catch-up made every
# frame, and the keys between them, wait longer and longer.
WINDOW = 400
SLACK = 100
PAGE = 50


class Pages(Protocol):
    """Where the window's lines come from: the store, through the screen."""

    def page_before(self, message, limit: int) -> list: ...

    def page_after(self, message, limit: int) -> list: ...

    def latest_lines(self) -> list: ...


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


class MessageList(LineList):
    BINDINGS: ClassVar[list[BindingType]] = [*bindings.MESSAGES]

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list = []  # Message | SystemLine, oldest first
        self.opened: set[str] = set()
        self.unseen_below = 0
        self._marked: int | None = None
        # Set by the screen: why a message is hidden on this device ("" when shown).
        self.hidden_reason: Callable[[object], str] = lambda message: ""
        self.pages: Pages | None = None  # set by the screen
        # The window's edges: older messages are in the store above the first line, newer
        # ones below the last (the live end is then not shown; notices wait in `_held`).
        self.more_above = False
        self.more_below = False
        self._held: list[SystemLine] = []

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
        if index is not None and 0 <= index < min(len(self.items), self.option_count):
            self.replace_option_prompt_at_index(index, self.render_item(self.items[index], index))

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        previous, self._marked = self._marked, highlighted
        if previous != highlighted:
            self._redraw(previous)
            self._redraw(highlighted)
        if highlighted is not None and highlighted >= len(self.items) - 1 and not self.more_below:
            self._announce_below(0)

    @property
    def at_end(self) -> bool:
        """Following the conversation: the highlight on the newest line, none below."""
        if self.more_below:
            return False
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

    def show(self, items: list, *, more_above: bool = False) -> None:
        """The newest lines of a conversation (`more_above`: older ones are in the store)."""
        self.items = list(items)
        self.more_above, self.more_below, self._held = more_above, False, []
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
        if not any(isinstance(item, SystemLine) for item in new):
            # A catch-up tells a batch in arrival order; several members writing at once
            # put them in another display order (sorted here, not drawn again each time).
            new.sort(key=ordering.display_key)
        new = [item for item in new if not self._above_window(item)]
        if self.more_below:
            # The reader is further up than the window reaches: the messages wait in the
            # store (End or moving down brings them), the notices here.
            self._held += [item for item in new if isinstance(item, SystemLine)]
            self._announce_below(self.unseen_below + len(self._messages(new)))
            if moved:
                self._place_all(moved, following, marked)
            return
        if moved:
            self._place_all(moved + new, following, marked)
            return
        if not self._in_order(new):
            self._insert_in_place(new, following)
            return
        if not new:
            return
        if not following and len(self.items) + len(new) > WINDOW + SLACK:
            # Reading back while many arrive: the window stops at its size.
            self.more_below = True
            self._held += [item for item in new if isinstance(item, SystemLine)]
            self._announce_below(self.unseen_below + len(self._messages(new)))
            return
        start = len(self.items)
        self.items.extend(new)
        self.add_options([self._option(item, start + i) for i, item in enumerate(new)])
        if following:
            self._trim_top()
            self.highlighted = len(self.items) - 1
            self.scroll_end(animate=False)
        else:
            # Messages only: a notice is said in the notice line too, and the border called
            # one's own "Thanked river for message #1" a new message.
            self._announce_below(self.unseen_below + len(self._messages(new)))

    def _above_window(self, item) -> bool:
        """A message older than the window's first, with more of the history above it: its
        place is not shown (it is in the store, and comes with the page it belongs to)."""
        if isinstance(item, SystemLine) or not self.more_above:
            return False
        first = self.oldest()
        return first is not None and ordering.display_key(item) < ordering.display_key(first)

    def _trim_top(self) -> None:
        """Keep the window at its size for a reader at the end: the oldest lines go (they are
        in the store; PageUp brings them back). Drawn again once per SLACK lines."""
        drop = len(self.items) - WINDOW
        if len(self.items) <= WINDOW + SLACK or self.highlighted is None:
            return
        drop = min(drop, self.highlighted)
        self._keep_lines(drop, len(self.items))
        self.more_above = True

    def _trim_bottom(self) -> None:
        """After older pages came in above: the newest lines go below the highlight's page."""
        keep = max(WINDOW, (self.highlighted or 0) + SLACK)
        if len(self.items) <= keep + SLACK:
            return
        self._held = [i for i in self.items[keep:] if isinstance(i, SystemLine)] + self._held
        self._keep_lines(0, keep)
        self.more_below = True

    def _keep_lines(self, start: int, end: int) -> None:
        """Keep lines[start:end] (their options as drawn) and the highlight on its line."""
        highlighted, marked = self.highlighted, self._marked
        self.items = self.items[start:end]
        self._marked = None
        self.keep_options(start, end)  # (the marked line's option keeps its "▶")
        if marked is not None and start <= marked < end:
            # Still drawn with it, so the next move of the highlight takes it away (else a
            # batch that reached above the newest line and then trimmed left two "▶").
            self._marked = marked - start
        if highlighted is not None and start <= highlighted < end:
            self.highlighted = highlighted - start

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

    def _insert_in_place(self, new: list, following: bool) -> None:
        """Put each new line at its place (a message by its display key, a system line at
        the end), drawing only the lines from the first of them down, once for the batch;
        the highlight stays on its line, or goes to the end for someone following."""
        marked_at = self._marked
        highlighted = self.highlighted
        below = 0
        placed = list(self.items)
        first = len(placed)
        for item in new:
            index = len(placed) if isinstance(item, SystemLine) else self._place_of(item, placed)
            placed.insert(index, item)
            first = min(first, index)
            if marked_at is not None and index <= marked_at:
                marked_at += 1
            if highlighted is not None and index <= highlighted:
                highlighted += 1
            elif highlighted is not None and not isinstance(item, SystemLine):
                below += 1  # "new messages below": a notice is not one (it is said above too)
        fresh = {id(item) for item in new}
        kept = iter(self.options[first:])  # the lines below keep their options as drawn
        options = [
            self._option(item, None) if id(item) in fresh else next(kept) for item in placed[first:]
        ]
        self.items = placed
        self.splice_options(first, options)
        self._marked = marked_at  # the line drawn with the "▶", where it is now
        if following or highlighted is None:
            self._trim_top()
            self.jump_to_end()
        else:
            self.highlighted = highlighted
            self.scroll_to_highlight()
            self._announce_below(self.unseen_below + below)
        self._mark_highlighted()

    def _place_of(self, message, items: list | None = None) -> int:
        """Where a message goes in `items` (the lines shown unless told): before the first
        message that comes after it (looked for from the end, where a message of a catch-up
        goes)."""
        items = self.items if items is None else items
        key = ordering.display_key(message)
        index = len(items)
        for i in range(len(items) - 1, -1, -1):
            shown = items[i]
            if isinstance(shown, SystemLine):
                continue
            if ordering.display_key(shown) <= key:
                break
            index = i
        return index

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
            if marked is not None and item is not marked and not isinstance(item, SystemLine):
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
        if self.more_below and self.pages is not None:
            # The window is further up: the newest page comes back from the store.
            held = self._held
            self.show(self.pages.latest_lines() + held, more_above=True)
        if self.items:
            self.highlighted = len(self.items) - 1
            self.scroll_end(animate=False)

    def action_last(self) -> None:
        self.jump_to_end()

    def action_cursor_up(self) -> None:
        if self.highlighted == 0 and self.more_above:
            self.load_older()  # past the window's top: the page above comes in
        super().action_cursor_up()

    def action_cursor_down(self) -> None:
        if self._near_bottom(1):
            self.load_newer()  # past the window's bottom: the page below comes in
        super().action_cursor_down()

    def action_page_down(self) -> None:
        if self._near_bottom(PAGE):
            self.load_newer()
        super().action_page_down()

    def _near_bottom(self, lines: int) -> bool:
        """Within `lines` of the window's last line, with newer messages below it."""
        return (
            self.more_below
            and self.highlighted is not None
            and self.highlighted >= len(self.items) - lines
        )

    def load_older(self, limit: int = PAGE) -> int:
        """The page above the window's first message; how many came (0: the start)."""
        oldest = self.oldest()
        if self.pages is None or oldest is None:
            return 0
        older = [m for m in self.pages.page_before(oldest, limit) if self.find(m.msg_id) is None]
        if older:
            self.prepend(older, more_above=len(older) >= limit)
        else:
            self.more_above = False
        return len(older)

    def load_newer(self) -> int:
        """The page below the window's last message, when the window is above the live end."""
        newest = self.newest()
        if self.pages is None or newest is None or not self.more_below:
            return 0
        newer = [m for m in self.pages.page_after(newest, PAGE) if self.find(m.msg_id) is None]
        count = len(newer)
        if count < PAGE:
            self.more_below = False  # the live end: the notices held meanwhile come too
            newer, self._held = newer + self._held, []
        if newer:
            start = len(self.items)
            self.items.extend(newer)
            self.add_options([self._option(item, start + i) for i, item in enumerate(newer)])
            self._trim_top()
        self._announce_below(max(0, self.unseen_below - count) if self.more_below else 0)
        return count

    def prepend(self, older: list, *, more_above: bool = False) -> None:
        highlighted = self.highlighted or 0
        line = self._line_cache.index_to_line.get(highlighted)
        row = None if line is None else line - round(self.scroll_y)  # on screen
        more_below, held, unseen = self.more_below, self._held, self.unseen_below
        self.show(older + self.items, more_above=more_above)
        self.more_below, self._held = more_below, held
        self.highlighted = highlighted + len(older)
        self._announce_below(unseen)
        self._trim_bottom()
        if row is not None:
            # The lines stay where they were on screen; the page came in above them (now,
            # and again once laid out, so no frame shows the list at its new top).
            self._highlight_at_row(row)
            self.call_after_refresh(self._highlight_at_row, row)

    def _highlight_at_row(self, row: int) -> None:
        line = None if self.highlighted is None else self._index_to_line.get(self.highlighted)
        if line is not None:
            self.scroll_to(y=max(0, line - row), animate=False, immediate=True)

    def show_around(self, target) -> None:
        """A window around a message that is not shown (a search result, a #number)."""
        if self.pages is None:
            return
        before = self.pages.page_before(target, PAGE)
        after = self.pages.page_after(target, PAGE)
        held = self._held if self.more_below else []
        self.show([*before, target, *after], more_above=len(before) >= PAGE)
        self.more_below, self._held = len(after) >= PAGE, held
        if not self.more_below:
            self.items.extend(held)
            self.add_options([self._option(item, None) for item in held])
        self.highlighted = len(before)
        self.scroll_to_highlight()

    def drop(self, msg_id: str) -> None:
        """Take a message's line away (my message shown waiting that will never go out)."""
        index = self.find(msg_id) if msg_id else None
        if index is None:
            return
        highlighted = self.highlighted
        self.items.pop(index)
        self._set_all_options()
        if highlighted is not None and self.items:
            self.highlighted = min(highlighted, len(self.items) - 1)
        self._mark_highlighted()

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

    def newest(self):
        """The newest message shown."""
        return next((i for i in reversed(self.items) if not isinstance(i, SystemLine)), None)
