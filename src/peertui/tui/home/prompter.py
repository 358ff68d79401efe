"""The shared flows' questions (`peertui.ui.flows`) as TUI dialogs: choices become buttons,
free text a one-field form; what the flow says becomes a notice and a conversation line."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from peertui.i18n import _
from peertui.tui.screens.dialogs import ChoiceScreen, Field, FormScreen, Recheck
from peertui.ui import commands
from peertui.ui.flows import Answer, Cancelled, Question, Refusal, judge
from peertui.ui.wording import Line

if TYPE_CHECKING:
    from peertui.tui.home.base import HomeBase

# Typed into a question's field, these open as their keys would, and the question comes back.
SAFETY_HANDLERS = ("crisis", "grounding", "safety_plan")
# (the safety plan needs the history unlocked; open_safety_plan says so when it is not)


class DialogPrompter:
    """A `peertui.ui.flows.Prompter` for the home screen; use it inside a worker."""

    def __init__(self, screen: HomeBase, title: str, cancel_label: str = "") -> None:
        self.screen = screen
        self.title = title
        self.cancel_label = cancel_label or _("Cancel")

    async def waiting_line(self, accept: Callable[[str], bool]) -> str | None:
        return None  # a paste reaches the TUI whole (bracketed), never as lines to gather

    async def ask(self, question: Question) -> Answer:
        app = self.screen.app
        context = "\n".join(question.context)
        if question.choices:
            choice = await app.push_screen_wait(
                ChoiceScreen(
                    self.title,
                    f"{context}\n\n{question.render()}".strip(),
                    [(c.word, c.label) for c in question.choices],
                )
            )
            if choice is None:
                raise Cancelled()
            return Answer(choice, choice)
        if question.check is None:
            values = await self._form(question, context, question.prefill)
            return Answer(values["answer"])
        # A question with its own rule: what does not meet it is refused in the dialog, which
        # stays open with the typed text still in its field, so nothing is lost.
        accepted: list[Answer] = []

        def validate(values: dict) -> Recheck | None:
            text = values["answer"].strip()
            if self._safety_command(text):
                return Recheck("", value=question.prefill)
            verdict = judge(question, text)
            if isinstance(verdict, Answer):
                accepted.append(verdict)
                return None
            self.say(verdict.line)
            if verdict.keep:
                self._keep_for_composer(verdict)
                return Recheck(verdict.line.text, value=question.prefill)
            return Recheck(verdict.line.text)

        await self._form(question, context, question.prefill, replace=True, validate=validate)
        return accepted[-1]

    async def _form(
        self,
        question: Question,
        explanation: str,
        value: str,
        replace: bool = False,
        validate: Callable[[dict], Recheck | None] | None = None,
    ) -> dict:
        values = await self.screen.app.push_screen_wait(
            FormScreen(
                self.title,
                [Field("answer", question.render(), value=value, replace=replace)],
                explanation=explanation,
                cancel_label=self.cancel_label,
                validate=validate,
            )
        )
        if values is None:
            raise Cancelled()
        return values

    def _safety_command(self, text: str) -> bool:
        """/crisis, /ground or /plan typed as the answer: opened over the question."""
        if not text.startswith("/"):
            return False
        try:
            parsed = commands.parse(text, "tui")
        except commands.CommandError:
            return False
        if parsed.action is None or parsed.action.handler not in SAFETY_HANDLERS:
            return False
        app = self.screen.app
        if parsed.action.handler == "crisis":
            app.open_crisis(parsed.argument.strip())
        elif parsed.action.handler == "grounding":
            app.open_grounding(parsed.argument.strip())
        else:
            app.open_safety_plan()
        return True

    def _keep_for_composer(self, refusal: Refusal) -> None:
        # After what the message box already holds: keys typed before the dialog opened went
        # there, the rest came here, so joining them in order gives back what was typed.
        composer = self.screen.composer
        composer.value = composer.value + refusal.keep
        composer.cursor_position = len(composer.value)

    def say(self, line: Line) -> None:
        self.screen.tell(line.text, severity="error" if line.kind == "error" else "information")
