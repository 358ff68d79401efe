"""Join a group: paste the invite, pick a nickname, accept the guidelines, then wait."""

from __future__ import annotations

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from peertui.core.moderation import default_guidelines
from peertui.i18n import N_, _
from peertui.tui.nicknames import random_nickname
from peertui.tui.text import reflow
from peertui.tui.typed import PeertuiNode, TranslatedKeys
from peertui.tui.widgets.composer import OrderedInput, focus_for_a_correction
from peertui.tui.widgets.dialog_frame import DialogBody, DialogFoot, FittedDialog
from peertui.tui.widgets.footer import footer_widgets
from peertui.ui.problems import problem as worded

TICK_THE_BOX = N_("Please read the guidelines and tick the box to accept them.")


def accept_label(ticked: bool) -> Content:
    # The checkbox's own glyph looks the same either way (only its colour changes). Plain
    # content, not markup: "[x]" would otherwise be read as a style and vanish.
    return Content(
        _("{box} I have read and accept these guidelines").format(box="[x]" if ticked else "[ ]")
    )


class AcceptBox(Checkbox):
    """A checkbox drawn only as its words: "[x]" or "[ ]" in the label says the state, so
    Textual's own glyph (which looks the same either way) is left out."""

    BUTTON_LEFT = BUTTON_INNER = BUTTON_RIGHT = ""


def compact_invite(text: str) -> str:
    """An invite as it was made: a copy wrapped over several lines, or with spaces picked up
    on the way, is read with every space and line break taken out."""
    return "".join(text.split())


def nickname_problem(nick: str) -> str | None:
    """What is wrong with a nickname, by the rule the engine applies, or None."""
    from peertui.core.errors import InvalidInput
    from peertui.core.payloads import clean_nick

    try:
        clean_nick(nick)
    except InvalidInput as problem:
        return worded(problem)
    return None


class InviteField(OrderedInput):
    """The invite box: a paste keeps all of a wrapped invite, not just its first line."""

    def _on_paste(self, event: events.Paste) -> None:
        if self.paste_handed_on(event):
            return
        event.stop()
        event.prevent_default()  # Input's own handler would keep only the first line
        self.insert_text_at_cursor(compact_invite(event.text))

    def may_move_on(self) -> bool:
        # A damaged invite keeps the focus, with the key: when the form brought it back after
        # its check, a nickname typed after Enter went partly into the nickname and partly
        # into the invite, however fast the machine read it.
        from peertui.core.engine import Engine
        from peertui.core.errors import PeertuiError

        try:
            Engine.check_invite(compact_invite(self.value))
        except PeertuiError:
            return False
        return True


class JoinScreen(FittedDialog, TranslatedKeys, PeertuiNode, ModalScreen[str | None]):
    """Returns the pending group's id, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel")),
        Binding("ctrl+s", "join", N_("Ask to join")),
    ]

    def __init__(self, invite: str = "", nick: str = "") -> None:
        super().__init__()
        self.invite, self.nick = compact_invite(invite), nick

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            with DialogBody(classes="dialog-body"):
                yield Label(_("Join a group"), classes="screen-title")
                yield Label(_("Invite (starts with peertui:):"))
                yield InviteField(
                    self.invite, id="join-invite", placeholder=_("peertui:…"), enter_moves_on=True
                )
                # The invite's verdict sits under the invite: at the foot of a long form it
                # was out of view on a small terminal, and scrolling down to it fought the
                # focus moving on to the nickname.
                verdict = Static("", id="join-invite-status", classes="status-line")
                verdict.display = False
                yield verdict
                yield Label(_("Nickname (a fresh one is safest — not your real name):"))
                with Horizontal(classes="inline"):
                    yield OrderedInput(
                        self.nick or random_nickname(), id="join-nick", enter_moves_on=True
                    )
                    yield Button(_("Another"), id="another-nick")
                yield Label(_("Pronouns (optional):"))
                yield OrderedInput(id="join-pronouns", enter_moves_on=True)
                yield Label(_("A line about you for the moderators (optional):"))
                yield OrderedInput(id="join-intro", enter_moves_on=True)
                yield Label(
                    _("General guidelines (the group's own are shown when you are approved):")
                )
                yield Static(
                    reflow(default_guidelines()), id="join-guidelines", classes="guidelines"
                )
                yield AcceptBox(accept_label(False), id="join-accept")
                yield Static("", id="join-status", classes="status-line")
            with DialogFoot(classes="dialog-foot"), Horizontal(classes="buttons"):
                yield Button(_("Ask to join (Ctrl+S)"), id="join", variant="primary")
                yield Button(_("Cancel"), id="cancel")
        yield from footer_widgets()

    def on_mount(self) -> None:
        self.query_one("#join-invite", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Each field moved the focus on when Enter was pressed (`enter_moves_on`); an invite
        # that is not whole brings it back.
        event.stop()
        if event.input.id == "join-invite":
            self._check_invite()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "join-invite":
            # A verdict on other words is no longer true (the form's own line is left alone:
            # what it says is about the rest of the form).
            verdict = self.query_one("#join-invite-status", Static)
            verdict.update("")
            verdict.display = False

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = accept_label(event.value)
        status = self.query_one("#join-status", Static)
        if event.value and str(status.render()) == _(TICK_THE_BOX):
            status.update("")  # answered: the request to tick is no longer true

    def _say(self, text: str, severity: str = "information") -> None:
        status = self.query_one("#join-status", Static)
        status.update(text)
        # After the new text is laid out, or a long problem's last lines stay out of view.
        # At once (not on the next frame), so a later scroll starts from where this one left
        # the body instead of both being computed from the old position and the last winning.
        self.call_after_refresh(status.scroll_visible, animate=False, immediate=True)
        # Said here only: a notice at the screen's foot would repeat it, and stay after the
        # problem was answered (the box ticked) and the form's own line cleared.

    def _check_invite(self) -> bool:
        """Is the invite whole? Checked before anything else is asked."""
        from peertui.core.engine import Engine
        from peertui.core.errors import PeertuiError

        # Not the open engine's: the form can be up (a /join typed at once) while the history
        # is still opening, and an invite checked only then was never checked at all.
        invite = compact_invite(self.query_one("#join-invite", Input).value)
        try:
            relay = Engine.check_invite(invite)
        except PeertuiError as exc:
            self._say_about_invite(worded(exc))
            focus_for_a_correction(self.query_one("#join-invite", Input))
            return False
        self._say_about_invite(
            _("The invite is whole; it points to the relay {relay}.").format(relay=relay)
        )
        return True

    def _say_about_invite(self, text: str) -> None:
        verdict = self.query_one("#join-invite-status", Static)
        verdict.update(text)
        verdict.display = bool(text)  # no empty bar between the invite and the nickname
        self.query_one("#join-status", Static).update("")  # an older problem is answered

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "another-nick":
            self.query_one("#join-nick", Input).value = random_nickname()
        elif event.button.id == "join":
            self.action_join()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_join(self) -> None:
        invite = compact_invite(self.query_one("#join-invite", Input).value)
        nick = self.query_one("#join-nick", Input).value.strip()
        problem, field = "", ""
        if not invite.startswith("peertui:"):
            problem, field = _("Paste the whole invite; it starts with peertui:."), "join-invite"
        elif not self._check_invite():
            return
        elif not nick:
            problem = _("Choose a nickname (or press Another for a random one).")
            field = "join-nick"
        elif (nick_problem := nickname_problem(nick)) is not None:
            # Said before the request goes, and with the focus on the nickname it is about.
            problem, field = nick_problem, "join-nick"
        elif not self.query_one("#join-accept", Checkbox).value:
            problem, field = _(TICK_THE_BOX), "join-accept"
        if problem:
            if field == "join-invite":
                self._say_about_invite(problem)
            else:
                self._say(problem, "warning")
            # The focus goes to what needs doing, so Space ticks the box or typing fills the
            # field — not to wherever Ctrl+S was pressed.
            # The field is brought into view after the problem's line: both stay in view when
            # they fit (the box sits just above the line), and when they do not (a nickname
            # higher up), the field wins; the pop-up says the problem too.
            target = self.query_one(f"#{field}")
            focus_for_a_correction(target)
            self.call_after_refresh(target.scroll_visible, animate=False, immediate=True)
            return
        if self.app.engine is None:
            self.app.notify(_("Your history is still opening; try again in a moment."))
            return
        self._say(_("Contacting the relay… (sending your request)"))
        self.query_one("#join", Button).disabled = True
        self.send_request(
            invite,
            nick,
            self.query_one("#join-pronouns", Input).value.strip(),
            self.query_one("#join-intro", Input).value.strip(),
        )

    @work(exclusive=True)
    async def send_request(self, invite: str, nick: str, pronouns: str, intro: str) -> None:
        from peertui.core.errors import PeertuiError

        try:
            group = await self.app.ready_engine().join(
                invite,
                nick,
                pronouns=pronouns,
                intro=intro,
                accepted_guidelines=default_guidelines(),
            )
        except PeertuiError as exc:
            self.query_one("#join", Button).disabled = False
            self._say(worded(exc), "error")
            # Back to the invite, which a refused request is almost always about (the nickname
            # was checked before sending), rather than wherever the focus last moved to.
            focus_for_a_correction(self.query_one("#join-invite", Input))
            return
        self.app.notify(_("Request sent — waiting for a moderator's approval."))
        self.dismiss(group.group_id)
