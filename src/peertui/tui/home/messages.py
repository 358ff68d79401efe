"""What a person does with messages: thanks, reports, hiding, content warnings, history,
search, drafts and the private warnings they received."""

from __future__ import annotations

import asyncio

from textual import work

from peertui.core.models import GroupInfo
from peertui.core.store import Message
from peertui.i18n import _
from peertui.tui.home.base import HomeBase
from peertui.tui.screens.dialogs import Field, FormScreen, ListScreen
from peertui.tui.text import steady_width
from peertui.tui.widgets.conversation import PAGE, SystemLine, describe_message
from peertui.ui import wording
from peertui.ui.problems import problem as worded
from peertui.ui.received import hidden_reason

HISTORY_PAGE = PAGE
# The longest a search waits for messages typed just before it to be stored.
SETTLE_SECONDS = 10.0


class MessageActions(HomeBase):
    next_cw = ""
    _focus_messages_on_resume = False
    # One per message typed and not yet in the engine's hands (stored, or given back to the
    # composer): see `Sending.send`.
    _unsettled: set[asyncio.Future[None]] | None = None

    async def sends_settled(self) -> None:
        """Until every message typed so far is stored by the engine or back in the box (a
        few seconds at most: reading the history never waits on a slow relay for long)."""
        if self._unsettled:
            await asyncio.wait(list(self._unsettled), timeout=SETTLE_SECONDS)

    def action_thank(self) -> None:
        picked = self.group_and_message()
        if picked is not None:
            group, message = picked
            self.run_engine(
                "thank",
                group.group_id,
                message.msg_id,
                done=wording.thanked(message.number, message.nick),
            )

    def action_report(self) -> None:
        picked = self.group_and_message()
        if picked is not None:
            self.report(*picked)

    def command_report(self, argument: str) -> None:
        """/report: the highlighted message, else the latest one written by someone else (one's
        own messages are not reported); words after it are the reason."""
        group = self.need_group()
        if group is None:
            return
        engine = self.ready_engine()
        me = next((m.member_id for m in engine.members(group.group_id) if m.is_me), "")
        chosen = self.messages.selected_message()
        if chosen is None or chosen.sender == me:
            others = [
                item
                for item in self.messages.items
                if not isinstance(item, SystemLine) and item.sender != me
            ]
            chosen = others[-1] if others else None
        if chosen is None:
            self.app.notify(
                _(
                    "There is no message from someone else to report. To report one, highlight "
                    "it (Shift+Tab) and press r."
                )
            )
            return
        reason = argument.strip()  # (a leading number was taken by run_command)
        self.report(group, chosen, reason)

    @work(group="dialog")
    async def report(self, group: GroupInfo, message: Message, reason: str = "") -> None:
        from peertui.ui.flows import default_report_reason

        # A possible cry for help: the reason is filled in, so r then Enter tells the moderators.
        reason = reason or default_report_reason(message)
        values = await self.form(
            _("Report this message to the moderators"),
            [Field("reason", _("What is wrong (they will not learn who reported):"), reason)],
            _("Report"),
            explanation=_("The message: {text}").format(text=describe_message(message).plain),
        )
        if values is not None:
            await self.call(
                "report",
                group.group_id,
                message.msg_id,
                values["reason"],
                done=wording.reported(message.number, message.nick),
            )

    def action_hide(self) -> None:
        """Hide one message on this device only (the person who wrote it is not told)."""
        picked = self.group_and_message()
        if picked is None:
            return
        group, message = picked
        self.ready_engine().hide_message(group.group_id, message.msg_id)
        self.messages.replace(message)
        self.app.notify(_("That message is hidden on this computer (ctrl+p, Unhide, to undo)."))

    def action_ignore(self, nick: str = "") -> None:
        group = self.need_group()
        if group is not None:
            self._ignore(group, nick.strip() or self.target_nick())

    @work(group="dialog")
    async def _ignore(self, group: GroupInfo, nick: str) -> None:
        from peertui.core.errors import PeertuiError
        from peertui.core.moderation import resolve_member

        values = await self.form(
            _("Mute a member for yourself only"),
            [Field("who", _("Member (nickname or id):"), nick)],
            _("Mute for me"),
        )
        if values is None:
            return
        engine = self.ready_engine()
        try:
            member = resolve_member(engine.members(group.group_id), values["who"])
        except PeertuiError as exc:
            self.app.notify(worded(exc), severity="warning")
            return
        if member.is_me:
            self.app.notify(_("You cannot mute yourself."), severity="warning")
            return
        await self.call(
            "ignore_member",
            group.group_id,
            member.member_id,
            done=_("{nick} is muted for you only (ctrl+p, Unhide, to undo).").format(
                nick=member.nick
            ),
        )

    @work(group="dialog")
    async def action_ignore_keyword(self, word: str = "") -> None:
        if not word:
            values = await self.form(
                _("Mute a word for yourself only"),
                [Field("word", _("Hide messages containing:"))],
                _("Mute word"),
            )
            if values is None:
                return
            word = values["word"]
        await self.call("ignore_word", word, done=_("Messages with that word are hidden for you."))

    @work(group="dialog")
    async def action_unhide(self) -> None:
        """Undo personal mutes in this group: members, and words hidden in every group."""
        group = self.need_group()
        if group is None:
            return
        members, words = self.ready_engine().hidden(group.group_id)
        rows: list[tuple[str | None, str]] = [(m.key, f"member: {m.nick}") for m in members]
        rows += [(word, f"word: {word}") for word in words]
        item = await self.app.push_screen_wait(
            ListScreen(
                _("Unhide — what you hid for yourself in {name}").format(
                    name=wording.group_name(group.name)
                ),
                rows,
                _("You have not hidden anyone here or any word."),
                _("Enter shows it again."),
            )
        )
        if item:
            await self.call("unignore", item, done=_("Shown again."))

    def action_open_warning(self) -> None:
        messages = self.messages
        message = messages.selected_message()
        if message is not None and (
            message.cw or message.extra.get("fold") or self.messages.hidden_reason(message)
        ):
            # A warning, a fold or a message hidden here: Enter or /open N shows it (and hides
            # it again), as plain mode's /open does.
            messages.opened ^= {message.msg_id}
            messages.replace(message)
        else:
            self.app.notify(_("The highlighted line has no warning or fold to open."))

    def action_older(self) -> None:
        self.load_older()

    def load_older(self, quiet: bool = False) -> bool:
        """One more page of history above the oldest shown; False at the start of it."""
        if self.engine is None or self.current is None or self.messages.oldest() is None:
            return False
        if self.messages.load_older(HISTORY_PAGE):
            return True
        if not quiet:
            self.app.notify(_("That is the start of the history on this computer."))
        return False

    # ----- the conversation's window (`MessageList.pages`): pages from the store ---------
    def page_before(self, message: Message, limit: int) -> list[Message]:
        if self.engine is None or self.current is None:
            return []
        return self.engine.history(
            self.current, limit=limit, before_ts=message.ts, before_msg_id=message.msg_id
        )

    def page_after(self, message: Message, limit: int) -> list[Message]:
        if self.engine is None or self.current is None:
            return []
        return self.engine.history_after(self.current, message.ts, message.msg_id, limit)

    def latest_lines(self) -> list:
        return [] if self.current is None else self.conversation_lines(self.current)

    def conversation_lines(self, group_id: str) -> list:
        raise NotImplementedError  # the home screen's

    @work(group="dialog")
    async def action_search(self, query: str = "") -> None:
        engine = self.engine
        if engine is None:
            return
        if not query:
            values = await self.app.push_screen_wait(
                FormScreen(
                    _("Search your history"),
                    [Field("query", _("Words to find (searched on this computer only):"))],
                    _("Search"),
                )
            )
            if not values or not values["query"]:
                return
            query = values["query"]
        await self.sends_settled()  # "fast one", Enter, "/search fast" finds it
        names = {g.group_id: wording.group_name(g.name) for g in engine.groups()}
        rows: list[tuple[str | None, str]] = [
            (
                f"{m.group_id}|{m.msg_id}",
                f"{names.get(m.group_id, '?')} · "
                + describe_message(m, hidden_reason(engine.why_hidden(m))).plain,
            )
            for m in engine.search(query, group_id=None)
        ]
        row_id = await self.app.push_screen_wait(
            ListScreen(
                _("Search: {query}").format(query=query),
                rows,
                _("Nothing found in your history."),
                _("Enter opens the conversation."),
            )
        )
        if row_id:
            group_id, msg_id = row_id.split("|", 1)
            self.jump_to(group_id, msg_id)

    def jump_to(self, group_id: str, msg_id: str, *, focus: bool = True) -> None:
        """Open the group with the message highlighted; `focus` moves the keyboard to the
        conversation (after a search), not for a command typed in the composer, where the
        next letters typed must stay text, never message keys."""
        from peertui.core.errors import PeertuiError

        self.open_group(group_id)
        messages = self.messages
        index = messages.find(msg_id)
        if index is None and self.engine is not None:
            # Not in the window shown: a window around it, from the store (else the highlight,
            # and so a moderation key, would stay on the newest message).
            try:
                messages.show_around(self.engine.message(group_id, msg_id))
            except PeertuiError:
                return
            index = messages.find(msg_id)
        if index is not None:
            messages.highlighted = index
            messages.scroll_to_highlight()
            if focus:
                messages.focus()
                self._focus_messages_on_resume = True

    @work(group="dialog")
    async def action_content_warning(self, topic: str = "") -> None:
        if not topic:
            values = await self.form(
                _("Content warning for your next message"),
                [Field("cw", _("Topic (e.g. self-harm, loss):"), self.next_cw)],
            )
            if values is None:
                return
            topic = values["cw"]
        self.next_cw = topic
        self.app.notify(
            _("Your next message will be folded behind: {topic}").format(topic=self.next_cw)
            if self.next_cw
            else _("No content warning on your next message.")
        )

    def command_draft(self, argument: str) -> None:
        """/draft: the composer is the draft here; clear empties it."""
        if argument.strip().casefold() == "clear":
            self.composer.value = ""
            self.app.notify(_("The draft is cleared."))
        else:
            self.app.notify(
                _("Your draft is what is in the box; it is kept when you switch group.")
            )

    def action_draft(self) -> None:
        self.command_draft("")

    @work(group="dialog")
    async def action_warnings(self) -> None:
        group = self.need_group()
        if group is None:
            return
        rows: list[tuple[str | None, str]] = [
            (None, f"{wording.utc_time(ts)}: {steady_width(reason)}")
            for ts, reason in self.ready_engine().my_warnings(group.group_id)
        ]
        await self.app.push_screen_wait(
            ListScreen(
                _("Warnings you received — {name}").format(name=wording.group_name(group.name)),
                rows,
                _("No moderator has warned you here."),
            )
        )

    def target_nick(self) -> str:
        from peertui.tui.widgets.members import MembersPanel

        members = self.query_one(MembersPanel)
        if members.has_focus and members.highlighted_option is not None:
            return str(members.highlighted_option.prompt).split()[0]
        message = self.messages.selected_message()
        return message.nick if message is not None else ""
