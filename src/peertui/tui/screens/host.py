"""Host a group: name, guidelines, relay; then show the first invite to share."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from peertui.core.moderation import default_guidelines
from peertui.i18n import N_, _
from peertui.tui.screens.dialogs import InviteScreen
from peertui.tui.typed import PeertuiNode, TranslatedKeys
from peertui.tui.widgets.composer import OrderedInput
from peertui.tui.widgets.dialog_frame import DialogBody, DialogFoot, FittedDialog
from peertui.tui.widgets.footer import footer_widgets
from peertui.ui import wording
from peertui.ui.problems import problem as worded


class HostScreen(FittedDialog, TranslatedKeys, PeertuiNode, ModalScreen[str | None]):
    """Returns the new group's id, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel")), Binding("ctrl+s", "host", N_("Host"))]

    def __init__(self, name: str = "", relay_url: str = "") -> None:
        super().__init__()
        # What `/host <name> [relay-url]` typed in the composer said, filled in.
        self.typed_name = name
        self.typed_relay = relay_url

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            with DialogBody(classes="dialog-body"):
                yield Label(_("Host a new group"), classes="screen-title")
                yield Label(_("Group name (members see it; the relay never does):"))
                yield OrderedInput(
                    self.typed_name,
                    id="host-name",
                    placeholder=_("e.g. Sunday evening check-in"),
                    enter_moves_on=True,
                )
                yield Label(_("Your nickname in this group:"))
                yield OrderedInput("host", id="host-nick", enter_moves_on=True)
                yield Label(_("Guidelines every member reads and accepts:"))
                yield TextArea(default_guidelines(), id="host-guidelines", classes="form-area")
                yield Label(
                    _(
                        "Relay address — leave empty to host on this computer (embedded relay; "
                        "members can reach it only while peertui runs here):"
                    )
                )
                yield OrderedInput(
                    self.typed_relay,
                    id="host-relay",
                    placeholder=_("https://relay.example.org  (empty: embedded)"),
                    enter_moves_on=True,
                )
                yield Static("", id="host-status", classes="status-line")
            with DialogFoot(classes="dialog-foot"), Horizontal(classes="buttons"):
                yield Button(_("Host (Ctrl+S)"), id="host", variant="primary")
                yield Button(_("Cancel"), id="cancel")
        yield from footer_widgets()

    def _say_status(self, text: str) -> None:
        """The form's status line, scrolled into view: at 80x24 it can sit below the fold."""
        status = self.query_one("#host-status", Static)
        status.update(text)
        self.call_after_refresh(status.scroll_visible, animate=False)

    def on_mount(self) -> None:
        self.query_one("#host-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # the field has moved the focus on already (`enter_moves_on`)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "host":
            self.action_host()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_host(self) -> None:
        name = self.query_one("#host-name", Input).value.strip()
        if not name:
            self.app.notify(_("Give the group a name first."), severity="warning")
            self.query_one("#host-name", Input).focus()
            return
        if self.app.engine is None:
            self.app.notify(_("Your history is still opening; try again in a moment."))
            return
        relay = self.query_one("#host-relay", Input).value.strip() or None
        self._say_status(
            _("Contacting the relay…") if relay else _("Starting the relay on this computer…")
        )
        self.query_one("#host", Button).disabled = True
        self.create_group(
            name,
            self.query_one("#host-nick", Input).value.strip() or "host",
            self.query_one("#host-guidelines", TextArea).text,
            relay,
        )

    @work(exclusive=True)
    async def create_group(self, name: str, nick: str, guidelines: str, relay: str | None) -> None:
        from peertui.core.errors import PeertuiError

        engine = self.app.ready_engine()
        try:
            group = await engine.host_group(name, relay_url=relay, nick=nick, guidelines=guidelines)
            token = await engine.create_invite(group.group_id)
        except PeertuiError as exc:
            self._say_status(worded(exc))
            self.query_one("#host", Button).disabled = False
            self.app.notify(worded(exc), severity="error")
            return
        self.dismiss(group.group_id)
        self.app.push_screen(InviteScreen(wording.group_name(group.name), token))
