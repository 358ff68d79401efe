"""Ask for the passphrase when there is no keyring to hold the database key.

On a fresh home the passphrase is being created, so it is asked twice and must be long enough;
later it only unlocks.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from peertui.i18n import N_, _
from peertui.tui.typed import TranslatedKeys
from peertui.tui.widgets.composer import OrderedInput
from peertui.tui.widgets.dialog_frame import DialogBody
from peertui.tui.widgets.footer import footer_widgets

MIN_NEW_PASSPHRASE = 8
# What a passphrase field carries out instead of taking it for a passphrase.
SAFETY_ACTIONS = frozenset({"peertui.crisis", "peertui.grounding", "peertui.quick_exit"})


class NewPassphrase(OrderedInput):
    """The first field of a new passphrase: Enter moves on to the second at once (in key
    order) when what is typed is long enough, and stays for a correction otherwise. Typed
    quickly, the passphrase, Enter and the same again all went into this field, and the
    history never opened."""

    @property  # type: ignore[override]
    def enter_moves_on(self) -> bool:
        return len(self.value) >= MIN_NEW_PASSPHRASE

    @enter_moves_on.setter
    def enter_moves_on(self, _value: bool) -> None:
        """Decided by the length, never set (OrderedInput's constructor sets it)."""


class UnlockScreen(TranslatedKeys, ModalScreen[str]):
    # Nothing else closes this question, so Escape (everywhere else "Back") leaves peertui,
    # and the dialog says so; F1, F2 and F12 keep working as everywhere.
    BINDINGS = [Binding("escape", "app.quit", N_("Quit"))]

    def __init__(self, wrong: bool, creating: bool = False) -> None:
        super().__init__()
        self.wrong = wrong
        self.creating = creating
        # Set once the passphrase is handed on: the home's keys typed after Enter (F4 …) belong
        # to the home, not to this closing dialog (keys_ahead keeps them for it).
        self.submitted = False

    def compose(self) -> ComposeResult:
        # The body scrolls on a small terminal, so the field being typed in comes into view
        # (at 40x12 the explanation filled the dialog and the fields were below it, unseen).
        with Vertical(classes="dialog"), DialogBody(classes="dialog-body"):
            if self.creating:
                yield Label(_("Create a passphrase for your history"), classes="screen-title")
                yield Label(
                    _(
                        "There is no usable system keyring here, so your history will be encrypted with a NEW passphrase that you choose now: at least {n} characters, typed twice. It cannot be recovered if you forget it. Crisis lines (F1) and grounding (F2) work without it."
                    ).format(n=MIN_NEW_PASSPHRASE),
                    classes="hint",
                )
                # Not select-on-focus: coming back to a field must not mark its text for
                # replacement by the next key.
                yield NewPassphrase(
                    password=True,
                    id="passphrase",
                    placeholder=_("new passphrase"),
                    select_on_focus=False,
                )
                yield OrderedInput(
                    password=True,
                    id="passphrase-again",
                    placeholder=_("the same again"),
                    select_on_focus=False,
                )
            else:
                yield Label(_("Unlock your history"), classes="screen-title")
                if self.wrong:
                    yield Label(
                        _("That passphrase did not open your history. Try again."),
                        classes="error",
                    )
                yield Label(
                    _(
                        "There is no usable system keyring here, so your encrypted history is locked with "
                        "a passphrase. Type it and press Enter. Crisis lines (F1) and grounding "
                        "(F2) work without it."
                    ),
                    classes="hint",
                )
                yield Input(
                    password=True,
                    id="passphrase",
                    placeholder=_("passphrase"),
                    select_on_focus=False,
                )
            yield Label(_("Escape quits peertui; nothing is unlocked or changed."), classes="hint")
            yield Label("", id="unlock-problem", classes="error")
        yield from footer_widgets()

    def on_mount(self) -> None:
        self.query_one("#passphrase", Input).focus()

    def _problem(self, text: str) -> None:
        # Said inside the dialog, next to the fields it is about; not a toast over them.
        self.query_one("#unlock-problem", Label).update(text)

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if await self._safety_command(event.input):
            return
        first = self.query_one("#passphrase", Input).value
        if not first:
            self._problem(_("Type your passphrase, then press Enter."))
            return
        if not self.creating:
            self.submitted = True
            self.dismiss(first)
            return
        if len(first) < MIN_NEW_PASSPHRASE:
            self._problem(_("Use at least {n} characters.").format(n=MIN_NEW_PASSPHRASE))
            return
        again = self.query_one("#passphrase-again", Input)
        if event.input.id == "passphrase":
            again.focus()
            return
        if again.value != first:
            again.value = ""
            self._problem(_("The two passphrases differ. Type the new one again below."))
            return
        self.submitted = True
        self.dismiss(first)

    def enter_will_submit(self) -> None:
        """Enter was read for this dialog: if it will hand the passphrase on, say so now, as
        the key is taken, not when the field's Submitted message reaches `on_input_submitted`
        a few turns later. A home key typed right behind it in one burst (the passphrase,
        Enter, F4) is taken before that message, and it must already count as the home's
        (`PeertuiApp._home_in_front`), or it was dropped on this closing dialog."""
        focused = self.focused
        if not isinstance(focused, Input) or focused.value.strip().startswith("/"):
            return  # a safety command (/crisis …) or nothing typed here: the dialog stays
        first = self.query_one("#passphrase", Input).value
        if not self.creating:
            self.submitted = bool(first)
            return
        again = self.query_one("#passphrase-again", Input)
        self.submitted = (
            focused is again and len(first) >= MIN_NEW_PASSPHRASE and again.value == first
        )

    async def _safety_command(self, field: Input) -> bool:
        """/crisis [country], /ground [exercise] or /x typed into a passphrase field does what
        it says (the welcome and plain mode tell people these work before unlocking), and is
        never taken for a passphrase, a wrong one or a new one. True when one ran."""
        from peertui.ui import commands

        line = field.value
        if not line.strip().startswith("/"):
            return False
        try:
            parsed = commands.parse(line, "tui")
        except commands.CommandError:
            return False
        action_id = parsed.action.id if parsed.action is not None else ""
        if action_id not in SAFETY_ACTIONS:
            return False
        field.value = ""
        self._problem("")
        if action_id == "peertui.crisis":
            self.app.open_crisis(parsed.argument)  # type: ignore[attr-defined]
        elif action_id == "peertui.grounding":
            self.app.open_grounding(parsed.argument)  # type: ignore[attr-defined]
        else:
            await self.app.run_action("quick_exit")
        return True
