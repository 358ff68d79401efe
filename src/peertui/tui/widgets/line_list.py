"""An option list that changes one line without laying out all the others again.

Textual's `OptionList` keeps a map of every option's lines (their heights, found by wrapping
each prompt) and a render cache. Replacing one prompt drops both whole, so the next frame
wraps every line again; it has no insert, and `set_options` lays out every line. For the
conversation, where the "▶" moves with each message that arrives and a message written at
the same moment by another member goes above the newest line, that cost grew with the
number of lines (issue 12: keys waited behind it during a catch-up). These keep the map
and rebuild only what changed. They use the option list's private caches (as
`CursorOnHighlight.place_cursor` does), checked against Textual 8.2.

Each new line's height is found by `line_height`, which finds the same number Textual's
`Content.get_height` does but only finds where the cuts go, without building the lines
(a catch-up adds tens of thousands of lines, each measured once).
"""

from __future__ import annotations

from typing import cast

from rich._wrap import divide_line
from textual.content import Content
from textual.css.styles import RulesMap
from textual.geometry import Size
from textual.visual import Visual
from textual.widgets.option_list import DuplicateID, Option

from peertui.tui.widgets.focus_cursor import CursorOnHighlight


def line_height(visual: Visual, rules: RulesMap, width: int) -> int:
    """`visual.get_height(rules, width)`, found without wrapping when that is certain.

    Textual 8.2's `Content.get_height` wraps the text (`_wrap_and_format`) and counts the
    lines. For a text with no newline and no tab, wrapped (`text-wrap: wrap`), that is one
    line per piece of `Content.divide(offsets)`, which is always one more than the cuts, and
    the cuts are `divide_line(plain, width - 2 * line_pad, fold)`: the same call with the same
    arguments (long words and unbroken tokens folded by it, wide characters measured by it,
    markup already gone from a visual's text). Anything else (several lines, tabs, no
    wrapping, no room, a visual that is not `Content`) is measured by Textual itself. The
    height is kept in the visual's own cache, as `get_height` keeps it, so the lines kept
    below a merge are not measured again. `tests/tui/test_line_height.py` compares the two."""
    if isinstance(visual, Content):
        get_rule = rules.get
        line_pad = cast(int, get_rule("line_pad", 0)) * 2
        overflow = cast(str, get_rule("text_overflow", "fold"))
        no_wrap = get_rule("text_wrap", "wrap") == "nowrap"
        key = (width + line_pad, overflow, no_wrap)  # as get_height keys its cache
        if visual._height_cache[0] == key:  # noqa: SLF001 - a line kept below a merge
            return cast(int, visual._height_cache[1])  # noqa: SLF001
        plain = visual.plain
        if width - line_pad >= 1 and not no_wrap and "\n" not in plain and "\t" not in plain:
            height = 1 + len(divide_line(plain, width - line_pad, fold=overflow == "fold"))
            visual._height_cache = (key, height)  # noqa: SLF001 - what get_height would keep
            return height
    return visual.get_height(rules, width)


class LineList(CursorOnHighlight):
    def watch_show_vertical_scrollbar(self, _shown: bool) -> None:
        """The scrollbar takes (or gives back) two columns of the lines' width, with no resize:
        lines wrapped for the old width kept their heights, so a line that now wraps lost its
        last words (at 60x20 "#5 host: message while relay" and no "down", on opening a
        conversation that filled the pane). They are wrapped again, as on a resize."""
        self._clear_caches()

    def _update_lines(self) -> None:
        """Textual 8.2's `OptionList._update_lines` with each new line's height found by
        `line_height` (the rest as there)."""
        if not self.scrollable_content_region:
            return
        line_cache = self._line_cache
        lines = line_cache.lines
        next_index = lines[-1][0] + 1 if lines else 0
        get_visual = self._get_visual
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        if next_index < len(self.options):
            padding = self.get_component_styles("option-list--option").padding
            rules = cast(RulesMap, self.styles)
            for index, option in enumerate(self.options[next_index:], next_index):
                line_cache.index_to_line[index] = len(line_cache.lines)
                line_count = (
                    line_height(get_visual(option), rules, width - padding.width) + option._divider  # noqa: SLF001 - as Textual reads it
                )
                line_cache.heights[index] = line_count
                line_cache.lines.extend([(index, line_no) for line_no in range(line_count)])
        last_divider = self.options and self.options[-1]._divider  # noqa: SLF001
        virtual_size = Size(width, len(lines) - (1 if last_divider else 0))
        if virtual_size != self.virtual_size:
            self.virtual_size = virtual_size
            self._scroll_update(virtual_size)

    def _replace_option_prompt(self, index: int, prompt) -> None:  # type: ignore[no-untyped-def]
        """One line drawn again, the others' layout kept: a line of the same height (nearly
        always: the marker is two cells wide either way) keeps the line map, and a new
        Option misses the render cache (keyed by the option)."""
        old = self.get_option_at_index(index)
        new = Option(prompt, id=old.id, disabled=old.disabled)
        new._divider = old._divider  # noqa: SLF001 - kept as Textual keeps it
        self._options[index] = new
        del self._option_to_index[old]
        self._option_to_index[new] = index
        if old.id is not None:
            self._id_to_option[old.id] = new
        heights = self._line_cache.heights
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        padding = self.get_component_styles("option-list--option").padding
        if index in heights and width > 0:
            rules = cast(RulesMap, self.styles)
            height = line_height(self._get_visual(new), rules, width - padding.width)
            if height + new._divider == heights[index]:  # noqa: SLF001
                self.refresh()
                return
        self._clear_caches()

    def splice_options(self, index: int, options: list[Option]) -> None:
        """Replace options[index:] with `options` at once (a batch merged into the lines
        below `index`): the line map is cut there and rebuilt below once, however many
        lines the batch puts in between (inserting them one at a time laid out every line
        below each again: a 20,000-message catch-up spent a quarter of the event loop
        there); the renders are dropped (each carries its line's index, for the mouse)."""
        old = self._options[index:]
        for option in old:
            self._option_to_index.pop(option, None)
            if option.id is not None:
                self._id_to_option.pop(option.id, None)
        ids = [option.id for option in options if option.id is not None]
        clash = [i for i in ids if i in self._id_to_option]
        if clash or len(set(ids)) != len(ids):
            for option in old:  # as it was: the list is unchanged when it refuses
                self._option_to_index[option] = self._options.index(option)
                if option.id is not None:
                    self._id_to_option[option.id] = option
            raise DuplicateID(f"an option {(clash or ids)[0]!r} is already in the list")
        del self._options[index:]
        self._options.extend(options)
        for i in range(index, len(self._options)):
            option = self._options[i]
            self._option_to_index[option] = i
            if option.id is not None:
                self._id_to_option[option.id] = option
        cache = self._line_cache
        first = cache.index_to_line.get(index)
        if first is not None:
            del cache.lines[first:]
            for i in [i for i in cache.heights if i >= index]:
                del cache.heights[i]
            for i in [i for i in cache.index_to_line if i >= index]:
                del cache.index_to_line[i]
        elif cache.lines and cache.lines[-1][0] >= index:
            cache.clear()
        self._option_render_cache.clear()
        self._update_lines()
        self.refresh()

    def keep_options(self, start: int, end: int) -> None:
        """Keep only options[start:end], as they are (their prompts and wrapped text), and
        their heights: `set_options` wrapped every kept line again (the window's 400 lines
        each time a reader at the end had 100 more). Highlight and scroll reset as there."""
        kept = self._options[start:end]
        known = self._line_cache.heights
        heights = [known.get(i) for i in range(start, end)]
        self.set_options([])
        for i, option in enumerate(kept):
            self._option_to_index[option] = i
            if option.id is not None:
                self._id_to_option[option.id] = option
        self._options.extend(kept)
        cache = self._line_cache
        for i, height in enumerate(heights):
            if height is None:
                break  # the rest is laid out as new
            cache.index_to_line[i] = len(cache.lines)
            cache.heights[i] = height
            cache.lines.extend((i, line) for line in range(height))
        if self.is_mounted:
            self.refresh(layout=self.styles.auto_dimensions)
            self._update_lines()
