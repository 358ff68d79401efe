"""What every feature of the home screen stands on: the engine, the current group, questions
as dialogs, and engine calls that answer in words.

Questions are asked with `push_screen_wait` inside workers (as Textual's guide recommends), so
a feature reads top to bottom: ask, then act on the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual.screen import Screen

from peertui.core.models import ACTIVE, GroupInfo
from peertui.i18n import N_, _
from peertui.tui.screens.dialogs import ChoiceScreen, Field, FormScreen, Recheck
from peertui.tui.typed import TranslatedKeys
from peertui.tui.widgets.composer import Composer
from peertui.tui.widgets.conversation import MessageList, SystemLine
from peertui.ui import wording
from peertui.ui.actions import Action
from peertui.ui.problems import problem as worded

if TYPE_CHECKING:
    from peertui.core.engine import Engine
    from peertui.core.store import Message
    from peertui.tui.app import PeertuiApp

# Marked here, translated where said.
NOT_A_MODERATOR = N_("Only the group's owner and moderators can do that.")
NOT_THE_OWNER = N_("Only the group's owner can do that.")
STILL_OPENING = N_("Your history is still opening; try again in a moment.")
_RANK = {"member": 0, "moderator": 1, "owner": 2}


class HomeBase(TranslatedKeys, Screen[None]):
    current: str | None = None

    @property
    def app(self) -> PeertuiApp:  # type: ignore[override]
        return cast("PeertuiApp", super().app)

    @property
    def engine(self) -> Engine | None:
        return self.app.engine

    def ready_engine(self) -> Engine:
        """The engine, for code that only runs once it is open."""
        engine = self.app.engine
        if engine is None:
            raise RuntimeError("the engine is not open")
        return engine

    @property
    def messages(self) -> MessageList:
        return self.query_one(MessageList)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    # ----- the current group ----------------------------------------------------------------
    def group(self, group_id: str | None = None) -> GroupInfo | None:
        group_id = group_id or self.current
        if self.engine is None or group_id is None:
            return None
        return next((g for g in self.engine.groups() if g.group_id == group_id), None)

    def role(self) -> str:
        group = self.group()
        return group.role if group is not None and group.role else "member"

    def may(self, action: Action) -> bool:
        return _RANK.get(self.role(), 0) >= _RANK[action.role]

    def need_group(self, *, active: bool = True) -> GroupInfo | None:
        group = self.group()
        if group is None:
            self.app.notify(_("Choose a group first."), severity="warning")
            return None
        if active and group.state != ACTIVE:
            self.app.notify(_("That group is not active yet."), severity="warning")
            return None
        return group

    def need_moderator(self, owner: bool = False) -> GroupInfo | None:
        group = self.need_group()
        if group is None:
            return None
        allowed = ("owner",) if owner else ("owner", "moderator")
        if group.role not in allowed:
            self.app.notify(_(NOT_THE_OWNER if owner else NOT_A_MODERATOR), severity="warning")
            return None
        return group

    def group_and_message(self, moderator: bool = False) -> tuple[GroupInfo, Message] | None:
        """The group and the highlighted message, or None after saying what is missing."""
        group = self.need_moderator() if moderator else self.need_group()
        if group is None:
            return None
        message = self.messages.selected_message()
        if message is None:
            self.app.notify(_("Highlight a message first (Shift+Tab to the conversation)."))
            return None
        return group, message

    def name_of(self, group_id: str) -> str:
        group = self.group(group_id)
        return wording.group_name(group.name) if group else _("a group")

    # ----- words ----------------------------------------------------------------------------
    def set_status(self, text: str) -> None:
        from textual.content import Content
        from textual.widgets import Label

        status = self.query_one("#status", Label)
        if getattr(status, "peertui_words", None) == text:
            return  # the same words (each update of a catch-up says them): no layout again
        status.peertui_words = text  # type: ignore[attr-defined]
        # Words, never markup: the text can carry a relay's sentence or address ("[::1]").
        status.update(Content(text))

    def tell(self, text: str, **notice: Any) -> None:
        """A notice about the group, which is also a line in the conversation so it can be
        read again after the pop-up has gone. Hints about the interface are only notices."""
        self.app.notify(text, **notice)
        messages = self.messages
        last = messages.items[-1] if messages.items else None
        if not (isinstance(last, SystemLine) and last.text == text):
            messages.append(SystemLine(text))

    # ----- questions (inside workers) -------------------------------------------------------
    async def form(
        self,
        title: str,
        fields: list[Field],
        submit: str = "OK",
        *,
        explanation: str = "",
        focus: str = "",
        validate: Callable[[dict], Recheck | None] | None = None,
    ) -> dict[str, Any] | None:
        return await self.app.push_screen_wait(
            FormScreen(title, fields, submit, explanation, focus=focus, validate=validate)
        )

    async def choose(self, title: str, text: str, choices: list[tuple[str, str]]) -> str | None:
        return await self.app.push_screen_wait(ChoiceScreen(title, text, choices))

    async def confirm(self, title: str, text: str, choices: list[tuple[str, str]]) -> str | None:
        """Ask first; "Cancel" comes first so a stray Enter changes nothing."""
        choice = await self.choose(title, text, [("cancel", _("Cancel")), *choices])
        return None if choice in (None, "cancel") else choice

    # ----- engine calls ---------------------------------------------------------------------
    async def call(self, method: str, *args: Any, done: str = "", **kwargs: Any) -> Any:
        """An engine call whose failure comes back as a sentence, never a traceback; None
        when it failed."""
        from peertui.core.errors import PeertuiError

        if self.engine is None:
            self.app.notify(_(STILL_OPENING))
            return None
        try:
            result = getattr(self.engine, method)(*args, **kwargs)
            if hasattr(result, "__await__"):
                result = await result
        except PeertuiError as exc:
            self.tell(worded(exc), severity="error", timeout=10)
            self.set_status(worded(exc))
            return None
        if done:
            self.tell(done)
        self.refresh_all()
        return True if result is None else result

    async def logged_call(self, method: str, *args: Any, done: str = "", **kwargs: Any) -> bool:
        """A moderation action. The conversation says it once, by the moderation-log line the
        engine sends back (the same words as plain mode and the log); `done` is only the
        pop-up for the moderator who did it, never a second line in the conversation.
        Whether it was done."""
        if await self.call(method, *args, **kwargs) is None:
            return False
        if done:
            self.app.notify(done)
        return True

    def run_engine(self, method: str, *args: Any, done: str = "", **kwargs: Any) -> None:
        """`call` in a worker, for code that does not wait for the answer."""
        self.run_worker(self.call(method, *args, done=done, **kwargs), group="engine-call")

    def refresh_all(self) -> None:
        """The group list, members and messages drawn again after a change."""

    def open_group(self, group_id: str) -> None:
        """Show a group's conversation (the screen itself does it)."""
        raise NotImplementedError

    def refresh_groups(self) -> None:
        """The group list and status line drawn again (the screen itself does it)."""
        raise NotImplementedError

    def refresh_members(self) -> None:
        """The members panel drawn again (the screen itself does it)."""
        raise NotImplementedError
