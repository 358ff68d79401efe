"""Crisis lines for the user's country, or any other on request. Works offline."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from peertui.i18n import N_, _
from peertui.tui.text import hanging
from peertui.tui.typed import PeertuiNode, TranslatedKeys
from peertui.tui.widgets.dialog_frame import StepScroll
from peertui.tui.widgets.footer import footer_widgets, hint_line
from peertui.wellbeing import crisis


class CrisisScreen(TranslatedKeys, PeertuiNode, Screen):
    HINT_LINE = "screen-hint"  # notices are shown here, never as a toast over the lines
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("Back")),
        Binding("ctrl+s", "remember_country", N_("Save as my country")),
        # Short enough for a 60-column key bar in every language (F1 at 60x20 cut it off).
        Binding("ctrl+o", "someone_else", N_("Help someone else")),
    ]
    CHOOSE = N_("type its name or two-letter code in the box below and press Enter")

    def __init__(self, iso2: str | None = None, someone_else: bool = False) -> None:
        super().__init__()
        self._directory = crisis.load_directory()
        self._iso2 = iso2
        self._someone_else = someone_else

    def compose(self) -> ComposeResult:
        yield Label(
            _("Crisis lines — if you are in danger now, call your emergency number."),
            id="crisis-title",
            classes="screen-title",
        )
        with StepScroll(id="crisis-body"):
            yield Static(id="crisis-lines")
        yield Input(
            placeholder=_("Another country: name or code (e.g. DE), then Enter"),
            id="crisis-country",
        )
        yield hint_line()
        yield from footer_widgets()

    def on_mount(self) -> None:
        self.query_one("#crisis-country", Input).focus()
        if self._someone_else:
            self.action_someone_else()
        else:
            self.show_country(self._iso2 or "")

    def show_country(self, iso2: str) -> None:
        """The asked country, else the saved one, else a guess that says it is a guess."""
        lines = crisis.lines_for(iso2.strip(), self.app.settings.country, _(self.CHOOSE))
        lines.append(_("Worried someone you know may be in danger? Ctrl+O shows how to help."))
        self.query_one("#crisis-lines", Static).update(hanging(lines), layout=True)
        choice = crisis.choose_country(self.app.settings.country, iso2.strip())
        self._iso2 = choice.iso2

    def action_someone_else(self) -> None:
        from peertui.config import interface_language
        from peertui.wellbeing.responses import someone_else_guide

        choice = crisis.choose_country(self.app.settings.country, self._iso2 or "")
        country = self._directory.get(choice.iso2) if choice.iso2 else None
        lines = someone_else_guide(country, interface_language(self.app.settings.language))
        lines.append(
            _("Type a country name or code below and Enter to see its crisis lines again.")
        )
        self.query_one("#crisis-lines", Static).update(hanging(lines), layout=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            code = crisis.asked_country(event.value)  # "GB" or "united kingdom"
        except ValueError as refused:
            self.app.notify(str(refused), severity="warning")
            return
        if not code:
            return
        self.show_country(code)
        event.input.value = ""
        if self._iso2 != self.app.settings.country:
            self.app.notify(
                _("Showing {iso2}. Ctrl+S saves it as your country for next time.").format(
                    iso2=self._iso2
                ),
                timeout=8,
            )

    def action_remember_country(self) -> None:
        if not self._iso2:
            return
        self.app.settings.country = self._iso2
        self.app.save_settings()
        self.app.notify(_("{iso2} is now your country for crisis lines.").format(iso2=self._iso2))
