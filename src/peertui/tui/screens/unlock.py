"""Ask for the passphrase when there is no keyring to hold the database key."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from peertui.tui.widgets.footer import footer_widgets


class UnlockScreen(ModalScreen[str]):
    def __init__(self, wrong: bool) -> None:
        super().__init__()
        self.wrong = wrong

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Unlock your history", classes="screen-title")
            if self.wrong:
                yield Label(
                    "That passphrase did not open your history. Try again.", classes="error"
                )
            yield Label(
                "There is no system keyring here, so your encrypted history is locked with "
                "a passphrase. Type it and press Enter. Crisis lines (F1) and grounding "
                "(F2) work without it.",
                classes="hint",
            )
            yield Input(password=True, id="passphrase", placeholder="passphrase")
        yield from footer_widgets()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value:
            self.app.notify("Type your passphrase, then press Enter.", severity="warning")
            return
        self.dismiss(event.value)
