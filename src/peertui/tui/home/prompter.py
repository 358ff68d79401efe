"""The shared flows' questions (`peertui.ui.flows`) as TUI dialogs: choices become buttons,
free text a one-field form; what the flow says becomes a notice and a conversation line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peertui.tui.screens.dialogs import ChoiceScreen, Field, FormScreen
from peertui.ui.flows import Answer, Cancelled, Question
from peertui.ui.wording import Line

if TYPE_CHECKING:
    from peertui.tui.home.base import HomeBase


class DialogPrompter:
    """A `peertui.ui.flows.Prompter` for the home screen; use it inside a worker."""

    def __init__(self, screen: HomeBase, title: str) -> None:
        self.screen = screen
        self.title = title

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
        values = await app.push_screen_wait(
            FormScreen(self.title, [Field("answer", question.render())], explanation=context)
        )
        if values is None:
            raise Cancelled()
        return Answer(values["answer"])

    def say(self, line: Line) -> None:
        self.screen.tell(line.text, severity="error" if line.kind == "error" else "information")
