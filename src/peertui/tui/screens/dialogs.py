"""Small modal dialogs shared by the group screens: a form, a choice, a read-only list."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from peertui.i18n import N_, _
from peertui.tui.typed import TranslatedKeys
from peertui.tui.widgets.composer import OrderedInput, focus_for_a_correction
from peertui.tui.widgets.dialog_frame import DialogBody, DialogFoot, FittedDialog
from peertui.tui.widgets.footer import footer_widgets

# What `Engine.create_invite` gives by default.
INVITE_DAYS, INVITE_USES = 7, 10


@dataclass(frozen=True)
class Recheck:
    """What a form's `validate` says about a submitted answer it does not take: the form stays
    open, `problem` is shown above the fields, and `value` (when given) replaces the field's."""

    problem: str
    value: str | None = None
    field: str = ""  # the field the problem is about, which gets the focus; "" for the first


@dataclass
class Field:
    name: str
    label: str
    value: str = ""
    placeholder: str = ""
    number: bool = False  # a whole number is required
    multiline: bool = False
    replace: bool = False  # a suggestion (a guess) that typing replaces rather than adds to


class FormTextArea(TextArea):
    """A form's several-line field. Ctrl+Home and Ctrl+End go to the start and end of the
    whole text, as in every editor (Textual's own keys only reach a line's ends)."""

    BINDINGS = [
        Binding("ctrl+home", "text_start", show=False),
        Binding("ctrl+end", "text_end", show=False),
    ]

    def action_text_start(self) -> None:
        self.move_cursor((0, 0))

    def action_text_end(self) -> None:
        self.move_cursor(self.document.end)


class FormScreen(FittedDialog, TranslatedKeys, ModalScreen[dict | None]):
    """A titled form; Enter in any one-line field or Ctrl+S submits, Escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel")),
        Binding("ctrl+s", "submit", N_("Submit")),
    ]

    def __init__(
        self,
        title: str,
        fields: list[Field],
        submit_label: str = "OK",
        explanation: str = "",
        *,
        focus: str = "",
        cancel_label: str = "",
        validate: Callable[[dict], Recheck | None] | None = None,
    ) -> None:
        super().__init__()
        # Checked while the form stays open, so keys typed after Enter are never lost in the
        # moment between one dialog and the next.
        self.validate = validate
        self.problem_text = ""
        self.form_title, self.fields = title, fields
        self.submit_label, self.explanation = submit_label, explanation
        self.cancel_label = cancel_label or _("Cancel")
        self.focus_field = focus or fields[0].name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            with DialogBody(classes="dialog-body"):
                yield Label(self.form_title, classes="screen-title")
                yield Static("", id="form-problem", classes="hint")
                if self.explanation:
                    yield Static(self.explanation, classes="hint")
                for field in self.fields:
                    yield Label(field.label)
                    if field.multiline:
                        yield FormTextArea(
                            field.value, id=f"field-{field.name}", classes="form-area"
                        )
                    else:
                        yield OrderedInput(
                            field.value,
                            placeholder=field.placeholder,
                            id=f"field-{field.name}",
                            type="integer" if field.number else "text",
                            # A suggested number is replaced by what is typed ("60" then "1" is
                            # 1, not 601); text fields keep their words and add to them.
                            select_on_focus=field.number or field.replace,
                        )
            with DialogFoot(classes="dialog-foot"), Horizontal(classes="buttons"):
                yield Button(self.submit_label, id="submit", variant="primary")
                yield Button(self.cancel_label, id="cancel")
        yield from footer_widgets()

    def on_mount(self) -> None:
        if not self.query("#form-problem"):
            return  # mounted while the app is closing: nothing to set up
        self.query_one("#form-problem", Static).display = False
        field = self.query_one(f"#field-{self.focus_field}")
        field.focus()
        # Pre-filled words are kept whole: typing adds to them at the end.
        if isinstance(field, Input) and not field.select_on_focus:
            field.cursor_position = len(field.value)
        elif isinstance(field, TextArea):
            field.move_cursor(field.document.end)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        # What the field held when Enter was pressed: keys typed after it are not part of it.
        self.action_submit({event.input.id or "": event.value})

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "submit":
            self.action_submit()
        else:
            self.action_cancel()

    def action_submit(self, submitted: dict[str, str] | None = None) -> None:
        values: dict = {}
        for field in self.fields:
            widget = self.query_one(f"#field-{field.name}")
            if submitted and widget.id in submitted:
                text = submitted[widget.id].strip()
            else:
                text = (
                    widget.text if isinstance(widget, TextArea) else self._value(widget)
                ).strip()
            if field.number:
                if not text.isdigit():
                    self.app.notify(
                        _("{field} must be a whole number.").format(field=field.label.rstrip(":")),
                        severity="warning",
                    )
                    focus_for_a_correction(widget)
                    return
                values[field.name] = int(text)
            else:
                values[field.name] = text
        recheck = self.validate(values) if self.validate is not None else None
        if recheck is not None:
            self.problem_text = recheck.problem
            problem = self.query_one("#form-problem", Static)
            problem.update(recheck.problem)
            problem.display = bool(recheck.problem)
            answer = self.query_one(f"#field-{recheck.field or self.focus_field}")
            if recheck.value is not None and isinstance(answer, Input):
                answer.value = recheck.value
                answer.cursor_position = len(answer.value)
            focus_for_a_correction(answer)
            return
        self.dismiss(values)

    @staticmethod
    def _value(widget: object) -> str:
        return widget.value if isinstance(widget, Input) else ""

    def action_cancel(self) -> None:
        self.dismiss(None)


class KeepsTyped:
    """For a dialog: words typed while it is open (a reply already under way) are never an
    answer — a letter must not pick "yes, send anyway" — and never dropped: they are shown as
    kept and go on to the message box however the dialog closes. The Enter that ends such a
    line is theirs too."""

    typed_aside: list[str]

    def on_key(self, event: events.Key) -> None:
        if not hasattr(self, "typed_aside"):
            self.typed_aside = [""]
        lines = self.typed_aside
        line = lines[-1]
        if event.is_printable and event.character and (line or event.character != " "):
            lines[-1] = line + event.character
        elif event.key == "backspace" and line:
            lines[-1] = line[:-1]
        elif event.key == "enter" and line:
            lines.append("")
        else:
            return
        event.stop()
        event.prevent_default()
        self._aside_label().update(
            _(
                "Kept for your message box: {text} — answer with Tab and Enter or the buttons."
            ).format(text=self.aside_text())
        )
        # The kept line takes room in the dialog: the body gives it up, so its last line
        # can still be scrolled to above the answers.
        from peertui.tui.widgets.dialog_frame import DialogBody

        for body in self.query(DialogBody):  # type: ignore[attr-defined]
            body.call_after_refresh(body.fit)

    def _aside_label(self) -> Label:
        found = self.query("#typed-aside")  # type: ignore[attr-defined]
        if found:
            return found.first(Label)
        label = Label("", id="typed-aside", classes="hint")
        self.query_one(".dialog").mount(label)  # type: ignore[attr-defined]
        return label

    def aside_text(self) -> str:
        return " ".join(line for line in getattr(self, "typed_aside", ()) if line)

    def dismiss(self, result=None):  # type: ignore[no-untyped-def]
        aside = self.aside_text()
        if aside:
            for screen in reversed(self.app.screen_stack[:-1]):  # type: ignore[attr-defined]
                found = screen.query("#composer")
                if found:
                    composer = found.first(Input)
                    composer.value = f"{composer.value} {aside}" if composer.value else aside
                    composer.cursor_position = len(composer.value)
                    break
            self.typed_aside = [""]
        return super().dismiss(result)  # type: ignore[misc]


class ChoiceScreen(KeepsTyped, FittedDialog, TranslatedKeys, ModalScreen[str | None]):
    """A question with a few labelled answers; returns the chosen answer's id."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, title: str, text: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.question_title, self.text, self.choices = title, text, choices
        self.typed_aside = [""]  # see KeepsTyped

    def compose(self) -> ComposeResult:
        # A long text (a group's guidelines) scrolls; the answers stay in view below it.
        with Vertical(classes="dialog"):
            with DialogBody(classes="dialog-body"):
                yield Label(self.question_title, classes="screen-title")
                yield Static(self.text, classes="hint")
            with DialogFoot(classes="dialog-foot"):
                with Horizontal(classes="buttons"):
                    for choice_id, label in self.choices:
                        yield Button(label, id=f"choice-{choice_id}")
                yield Label("", id="typed-aside", classes="hint")
        yield from footer_widgets()

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss((event.button.id or "").removeprefix("choice-"))

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextScreen(KeepsTyped, FittedDialog, TranslatedKeys, ModalScreen[None]):
    """A text to read (a group's guidelines): it scrolls above Close and its last line can be
    reached with End, Page Down or Down, which a one-row list could not do."""

    BINDINGS = [Binding("escape", "close", N_("Close"))]

    def __init__(self, title: str, text: str, hint: str = "") -> None:
        super().__init__()
        self.text_title, self.text, self.hint = title, text, hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            with DialogBody(classes="dialog-body", id="text-body"):
                yield Label(self.text_title, classes="screen-title")
                if self.hint:
                    yield Label(self.hint, classes="hint")
                yield Static(Content(self.text), id="text")
            with DialogFoot(classes="dialog-foot"):
                with Horizontal(classes="buttons"):
                    yield Button(_("Close"), id="close", variant="primary")
                yield Label("", id="typed-aside", classes="hint")
        yield from footer_widgets()

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_close()

    def action_close(self) -> None:
        self.dismiss(None)


class ListScreen(KeepsTyped, TranslatedKeys, ModalScreen[str | None]):
    """A read-only list (mod log, reports, search results); Enter returns the option id."""

    BINDINGS = [Binding("escape", "cancel", N_("Close"))]

    def __init__(
        self,
        title: str,
        rows: list[tuple[str | None, str]],
        empty: str,
        hint: str = "",
        *,
        source: Callable[[], list[tuple[str | None, str]]] | None = None,
    ) -> None:
        super().__init__()
        self.list_title, self.rows, self.empty, self.hint = title, rows, empty, hint
        # Where the rows come from, for a list that follows what arrives while it is open
        # (join requests): `reload` asks it again.
        self.source = source

    def reload(self) -> None:
        """Rows from `source` again; the highlighted row stays highlighted if still there."""
        if self.source is None or not self.is_mounted:
            return
        rows = self.source()
        if rows == self.rows:
            return
        self.rows = rows
        listing = self.query_one("#rows", OptionList)
        highlighted = listing.highlighted_option.id if listing.highlighted_option else None
        listing.clear_options()
        options = [Option(text, id=row_id) for row_id, text in rows]
        listing.add_options(options or [Option(self.empty, disabled=True)])
        ids = [row_id for row_id, _text in rows]
        if highlighted in ids:
            listing.highlighted = ids.index(highlighted)
        elif rows:
            listing.highlighted = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(self.list_title, classes="screen-title")
            if self.hint:
                yield Label(self.hint, classes="hint")
            options = [Option(text, id=row_id) for row_id, text in self.rows]
            yield OptionList(*(options or [Option(self.empty, disabled=True)]), id="rows")
            yield Label("", id="typed-aside", classes="hint")
        yield from footer_widgets()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def clipboard_problem(app) -> str:
    """Why Copy cannot reach a clipboard here ('' when the terminal should accept it)."""
    if app.is_headless:
        return _("There is no terminal to copy to here.")
    if os.environ.get("TERM_PROGRAM") == "Apple_Terminal":
        return _("macOS Terminal does not let programs copy text.")
    return ""


class InviteToken(Static):
    """The invite, folded at the width so every character is in view (three lines at 80
    columns). It is still one line of text: Copy, and a selection copied inside the app, give
    it without breaks; a copy taken from the terminal's screen has breaks, which Join removes."""

    def __init__(self, token: str, id: str) -> None:
        super().__init__(Content(token), id=id)
        self.text = token


class InviteScreen(KeepsTyped, FittedDialog, TranslatedKeys, ModalScreen[None]):
    """Shows the whole invite token, folded at the width with nothing else on its lines (no
    border to select by mistake), with how long it lasts, and Copy, which hands the token to
    the terminal's clipboard as one line; the Join field reads a copy with line breaks too."""

    BINDINGS = [
        Binding("escape", "close", N_("Close")),
        Binding("ctrl+y", "copy", N_("Copy"), priority=True),
    ]

    def __init__(self, group_name: str, token: str, language: str = "") -> None:
        super().__init__()
        self.group_name, self.token, self.language = group_name, token, language

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog invite"):
            with DialogBody(classes="dialog-body"):
                yield Label(
                    _("Invite to {group_name}").format(group_name=self.group_name),
                    classes="screen-title",
                )
                yield Static(
                    _(
                        "Valid for {days} days and {uses} uses; you approve each person (F9). Share it privately, with someone you trust."
                    ).format(days=INVITE_DAYS, uses=INVITE_USES),
                    classes="hint",
                )
                if self.language:
                    # The invite does not carry it: the host tells it along with the invite.
                    from peertui.ui.wording import group_language_line

                    yield Static(group_language_line(self.language), classes="hint")
                yield InviteToken(self.token, id="invite-token")
                yield Static(self._copy_hint(), id="invite-copy", classes="hint")
            with DialogFoot(classes="dialog-foot"):
                with Horizontal(classes="buttons"):
                    yield Button(_("Copy (Ctrl+Y)"), id="copy", variant="primary")
                    yield Button(_("Close"), id="close")
                yield Label("", id="typed-aside", classes="hint")
        yield from footer_widgets()

    def _copy_hint(self) -> str:
        problem = clipboard_problem(self.app)
        if problem:
            return _(
                "Copying is not available: {problem} The invite is {length} characters, all shown above; select it with the mouse (pasted with line breaks, the Join field still reads it)."
            ).format(problem=problem, length=len(self.token))
        return _(
            "The invite is {length} characters, all shown above: Ctrl+Y copies it as one line. Pasted with line breaks, the Join field still reads it."
        ).format(length=len(self.token))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "copy":
            self.action_copy()
        else:
            self.action_close()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.token)
        problem = clipboard_problem(self.app)
        if problem:
            self.app.notify(
                _(
                    "Copying is not available: {problem} Select the invite with the mouse instead."
                ).format(problem=problem),
                severity="warning",
            )
        else:
            self.app.notify(_("Invite sent to your terminal's clipboard."))

    def action_close(self) -> None:
        self.dismiss(None)
