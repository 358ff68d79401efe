"""Crisis lines for the user's country, or any other on request. Works offline."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from peertui.tui.typed import PeertuiNode
from peertui.tui.widgets.footer import footer_widgets, hint_line
from peertui.wellbeing import crisis


class CrisisScreen(PeertuiNode, Screen):
    HINT_LINE = "screen-hint"  # notices are shown here, never as a toast over the lines
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("ctrl+s", "remember_country", "Save as my country"),
    ]

    def __init__(self, iso2: str | None = None) -> None:
        super().__init__()
        self._directory = crisis.load_directory()
        self._iso2 = iso2

    def compose(self) -> ComposeResult:
        yield Label(
            "Crisis lines — if you are in danger now, call your emergency number.",
            id="crisis-title",
            classes="screen-title",
        )
        with VerticalScroll(id="crisis-body"):
            yield Static(id="crisis-lines")
        yield Input(
            placeholder="Another country: type its two-letter code (e.g. DE) and Enter",
            id="crisis-country",
            max_length=2,
        )
        yield hint_line()
        yield from footer_widgets()

    def on_mount(self) -> None:
        self.query_one("#crisis-country", Input).focus()
        self.show_country(self._iso2 or crisis.country_from_locale(self.app.settings.country))

    def show_country(self, iso2: str) -> None:
        iso2 = iso2.strip().upper()
        lines = crisis.format_country(self._directory.get(iso2), iso2)
        self.query_one("#crisis-lines", Static).update("\n".join(lines))
        self._iso2 = iso2

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        code = event.value.strip()
        if len(code) != 2 or not code.isalpha():
            self.app.notify(
                "Type a two-letter country code such as GB, US or DE.", severity="warning"
            )
            return
        self.show_country(code)
        event.input.value = ""
        if self._iso2 != self.app.settings.country:
            self.app.notify(
                f"Showing {self._iso2}. Ctrl+S saves it as your country for next time.",
                timeout=8,
            )

    def action_remember_country(self) -> None:
        if not self._iso2:
            return
        self.app.settings.country = self._iso2
        self.app.save_settings()
        self.app.notify(f"{self._iso2} is now your country for crisis lines.")
