"""The bottom of every screen: a line for what the app has to say, the safety keys on their
own line, then Textual's footer.

The safety keys (crisis lines, grounding, safety plan, quick exit) get a line of their own so
they are never scrolled out of a narrow footer by a screen's own keys. Notices are said in a
line of the screen's own above them, never as a toast: a toast is drawn over whatever is
beneath it, and at 80x24 that was the form's first field, the one being typed in.
"""

from __future__ import annotations

import textwrap

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, Label, Static

from peertui.i18n import NP_, _, pgettext
from peertui.tui import bindings
from peertui.tui.typed import PeertuiNode

# One word each, for when the full names do not fit the terminal's width (a narrow terminal,
# or a language with longer words): the keys must stay on screen, never be cut off.
SHORT_LABELS = {
    "peertui.crisis": NP_("safety key", "crisis"),
    "peertui.grounding": NP_("safety key", "grounding"),
    "peertui.safety_plan": NP_("safety key", "plan"),
    "peertui.quick_exit": NP_("safety key", "exit"),
}


class SafetyKeys(PeertuiNode, Static):
    def on_mount(self) -> None:
        self.show()

    def on_resize(self) -> None:
        self.show()

    def show(self) -> None:
        """The line in the interface language (again after the language changes), in the
        longest form that fits the width."""
        width = self.size.width or self.app.size.width
        short = self._line(short=True)
        # Last, the short words without the indent: at 60 columns the indent alone cut off
        # "more".
        for line in ("  " + self._line(short=False), "  " + short, short):
            if len(line) <= width:
                break
        self.update(line)

    def _line(self, *, short: bool) -> str:
        keymap = self.app.settings.keybindings
        parts = []
        for binding in bindings.APP:
            if binding.action == "quit":
                continue  # not a safety key; the palette lists it
            key = keymap.get(binding.id or "", binding.key).split(",")[0]
            label = (
                pgettext("safety key", SHORT_LABELS[binding.id])
                if short and binding.id in SHORT_LABELS
                else _(binding.description).lower()
            )
            parts.append(f"{key.upper()} {label}")
        parts.append(_("ctrl+p more"))
        return " · ".join(parts)


def hint_line(line_id: str = "screen-hint") -> Label:
    """Where a screen that must not be covered by toasts says what the app has to say; it
    takes no room until there is something to say (see `PeertuiApp.notify`)."""
    line = Label("", id=line_id, classes="status-line")
    line.display = False
    return line


class NoticeLine(Label):
    """What the app says on a screen whose toasts would cover the conversation: a line that
    takes room (the panes give it a row) while the notice lasts, and none otherwise. The last
    two notices are kept, so one said just before is not wiped by the next."""

    def on_mount(self) -> None:
        self.display = False
        self.notices: list[str] = []

    def say(self, message: str, timeout: float) -> None:
        # The one before is kept only while both fit the line's rows (NOTICE_ROWS): a notice
        # is never cut off mid-sentence to make room for an older one.
        earlier = self.notices[-1:]
        if earlier and self._rows([*earlier, message]) > NOTICE_ROWS:
            earlier = []
        self.notices = [*earlier, message]
        self.update(Content("\n".join(self.notices)))  # words, never markup
        self._show(True)
        self.set_timer(timeout, lambda: self._expire(message))

    def _expire(self, message: str) -> None:
        if message in self.notices:
            self.notices.remove(message)
        self.update(Content("\n".join(self.notices)))  # words, never markup
        self._show(bool(self.notices))

    def _rows(self, notices: list[str]) -> int:
        """How many rows these notices take at the terminal's width (less the padding)."""
        width = max(20, self.app.size.width - 2)
        return sum(max(1, len(textwrap.wrap(notice, width))) for notice in notices)

    def _show(self, shown: bool) -> None:
        self.display = shown
        # The line takes its rows from the screen: a dialog's body is fitted again to what
        # is left, and the field being typed in is brought back into view if it moved.
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        from peertui.tui.widgets.dialog_frame import fit_dialog

        if not self.is_attached:
            return
        screen = self.screen
        fit_dialog(screen)
        focused = screen.focused
        if focused is not None:
            screen.call_after_refresh(focused.scroll_visible, animate=False)


# The rows the notice line may take (app.tcss, #home-notice and #screen-notice: max-height):
# at 80 columns the longest notice, a sanction's help, takes four.
NOTICE_ROWS = 5

# The id of the notice line every screen has at its foot (see `PeertuiApp.notify`).
SCREEN_NOTICE = "screen-notice"


def footer_widgets() -> ComposeResult:
    with Vertical(id="bottom"):
        yield NoticeLine("", id=SCREEN_NOTICE, classes="status-line")
        yield SafetyKeys(id="safety-keys")
        yield Footer(compact=True, show_command_palette=False)
