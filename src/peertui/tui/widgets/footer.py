"""The bottom of every screen: the safety keys on their own line, then Textual's footer.

The safety keys (crisis lines, grounding, safety plan, quick exit) get a line of their own so
they are never scrolled out of a narrow footer by a screen's own keys.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Label, Static

from peertui.i18n import _
from peertui.tui import bindings
from peertui.tui.typed import PeertuiNode


class SafetyKeys(PeertuiNode, Static):
    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        """The line in the interface language (again after the language changes)."""
        keymap = self.app.settings.keybindings
        parts = []
        for binding in bindings.APP:
            if binding.action == "quit":
                continue  # not a safety key; the palette lists it
            key = keymap.get(binding.id or "", binding.key).split(",")[0]
            parts.append(f"{key.upper()} {_(binding.description).lower()}")
        parts.append(_("ctrl+p more"))
        self.update("  " + " · ".join(parts))


def hint_line(line_id: str = "screen-hint") -> Label:
    """Where a screen that must not be covered by toasts says what the app has to say; it
    takes no room until there is something to say (see `PeertuiApp.notify`)."""
    line = Label("", id=line_id, classes="status-line")
    line.display = False
    return line


def footer_widgets() -> ComposeResult:
    with Vertical(id="bottom"):
        yield SafetyKeys(id="safety-keys")
        yield Footer(compact=True, show_command_palette=False)
