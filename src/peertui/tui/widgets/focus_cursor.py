"""Lists that put the terminal's own cursor on their highlighted line while they have focus.

Screen readers that follow the cursor (Fenrir, speakup, a braille display's cursor routing)
then follow the focus: the highlighted message or group is where they read, not the corner
the composer left the cursor in.
"""

from __future__ import annotations

from textual.geometry import Offset
from textual.strip import Strip
from textual.widgets import OptionList


class CursorOnHighlight(OptionList):
    def render_lines(self, crop):  # type: ignore[no-untyped-def]
        lines: list[Strip] = super().render_lines(crop)
        if self.has_focus:
            self.place_cursor()
        return lines

    def place_cursor(self) -> None:
        """Move the terminal cursor to the start of the highlighted line, when it is in view."""
        if self.highlighted is None or not self.is_mounted:
            return
        line = self._line_cache.index_to_line.get(self.highlighted)
        if line is None:
            return
        region = self.scrollable_content_region
        y = region.y + line - round(self.scroll_y)
        if region.y <= y < region.bottom:
            self.app.cursor_position = Offset(region.x, y)

    def on_focus(self) -> None:
        self.refresh()  # drawn again, so the cursor is placed with the frame
