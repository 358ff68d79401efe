"""The conversation pane: the messages of the current group and the composer under them.

It owns its messages (`MessageList`) and says what the person did in its own Messages, which
the home screen handles with `@on`: `Send` (Enter in the composer, with exactly the text that
was in the box) and `PastedLines` (several lines pasted, kept joined)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message

from peertui.i18n import N_, _
from peertui.tui.widgets.composer import Composer
from peertui.tui.widgets.conversation import MessageList

# Short enough to be read whole at 80 columns (a translation too: the 80x24 tests check).
HINT = N_("Enter sends · Shift+Tab: messages · /help")


class ConversationPane(Vertical):
    class Send(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class PastedLines(Message):
        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def compose(self) -> ComposeResult:
        yield MessageList(id="messages")
        # Not select-on-focus: a letter redirected here must not be replaced by the next.
        yield Composer(placeholder=_(HINT), id="composer", select_on_focus=False)

    @property
    def messages(self) -> MessageList:
        return self.query_one(MessageList)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    @on(Composer.Sent)
    def _sent(self, event: Composer.Sent) -> None:
        event.stop()
        self.post_message(self.Send(event.text))

    @on(Composer.PastedLines)
    def _pasted(self, event: Composer.PastedLines) -> None:
        event.stop()
        self.post_message(self.PastedLines(event.count))
