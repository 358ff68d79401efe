"""Sending what is typed, and /help: the personal-details check asks first, whatever is not
sent comes back to the composer, and a hard message is followed by the offer of support."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import work

from peertui.core.errors import GuidelinesNotAccepted, PeertuiError
from peertui.core.models import ACTIVE, GroupInfo
from peertui.core.store import Message, StoreError
from peertui.i18n import _
from peertui.tui.home.groups import GroupActions
from peertui.tui.home.messages import MessageActions
from peertui.tui.screens.dialogs import ListScreen
from peertui.ui import screenfuls
from peertui.ui.assessing import assess_draft
from peertui.ui.problems import message_not_saved
from peertui.ui.problems import problem as worded

if TYPE_CHECKING:
    from peertui.wellbeing.detect import Assessment


class Sending(GroupActions, MessageActions):
    @work(group="dialog")
    async def show_help(self, argument: str) -> None:
        lines = screenfuls.help_for(argument, "tui")
        if lines is None:
            self.app.notify(
                _("There is no help topic or command '{name}'. /help lists them.").format(
                    name=argument.strip()
                ),
                severity="warning",
            )
            return
        await self.app.push_screen_wait(
            ListScreen(
                _("Help: {topic}").format(topic=argument.strip())
                if argument.strip()
                else _("Help"),
                [(None, line) for line in lines],
                "",
                _("Keys and every action: ctrl+p. Escape closes."),
            )
        )

    _send_turn: asyncio.Lock | None = None

    def send(self, text: str, cw: str, typed: str) -> None:
        """Send what was typed (see `_send`); what reads the history afterwards
        (`sends_settled`) waits for it, as a /search typed right after it found nothing."""
        if self._unsettled is None:
            self._unsettled = set()
        settled: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._unsettled.add(settled)
        settled.add_done_callback(self._unsettled.discard)
        self._send(text, cw, typed, settled)

    @work(group="send")
    async def _send(self, text: str, cw: str, typed: str, settled: asyncio.Future[None]) -> None:
        """Check for personal details (asking first), send, and offer support after a hard
        message. Whatever is not sent comes back to the composer.

        The check runs in a thread (`ui.assessing`), so a long message no longer stalls
        typing. Sends take turns from the check until the engine has the message: one typed
        after a long one still waits for it and goes out after it, as typed."""
        try:
            hard = await self._send_in_turn(text, cw, typed)
        finally:
            if not settled.done():
                settled.set_result(None)
        if hard is not None:
            await self._offer_support(hard)

    async def _send_in_turn(self, text: str, cw: str, typed: str) -> Assessment | None:
        """The message into the engine's hands; the assessment whose support is to be
        offered, if any."""
        if self._send_turn is None:
            self._send_turn = asyncio.Lock()
        async with self._send_turn:
            sending = await self._checked(text, cw, typed)
            if sending is None:
                return None
            group, engine_send, assessment = sending
        # Out of the turn only once the engine's send has started (it is scheduled before the
        # next turn wakes), so the outbox has this message before the next one.
        try:
            await engine_send
        except PeertuiError as exc:
            self.composer.give_back(typed)
            # Shown waiting the moment it was written; refused for good, it is not going out.
            self.messages.drop(getattr(exc, "msg_id", ""))
            if isinstance(exc, GuidelinesNotAccepted) and group.guidelines:
                # The guidelines changed (or were never accepted): show them, then it can be sent.
                self.accept_guidelines(group.group_id, group.guidelines, force=True)
                return None
            self.app.notify(
                _("{why} Your message is back in the box.").format(why=worded(exc)),
                severity="error",
            )
            return None
        except StoreError as exc:
            # Usually a full disk: not a bug. The words go back into the box (kept as the
            # draft if the group is left), and the notice says what to do.
            self.composer.give_back(typed)
            self.app.notify(message_not_saved(exc, "tui"), severity="error")
            return None
        return assessment if assessment is not None and assessment.tier >= 1 else None

    async def _checked(
        self, text: str, cw: str, typed: str
    ) -> tuple[GroupInfo, asyncio.Task[Message], Assessment | None] | None:
        """The check and its question; the engine's send, started, or None when the text
        went back to the composer."""
        group = self.group()
        if group is None or group.state != ACTIVE:
            self.composer.give_back(typed)
            self.app.notify(
                _(
                    "Choose an active group first (host with F4 or join with F5). "
                    "Your text is still in the box."
                ),
                severity="warning",
            )
            return None
        settings = self.app.settings
        assessment = await assess_draft(text, settings.language, settings.country)
        if assessment is not None and assessment.personal:
            from peertui.ui.flows import DETAIL_WORDS

            # In words ("an e-mail address"), as plain mode says them, never the internal kind.
            kinds = ", ".join(
                sorted({_(DETAIL_WORDS.get(d.kind, d.kind)) for d in assessment.personal})
            )
            choice = await self.choose(
                _("This message may contain personal details"),
                _("It looks like it includes: {kinds}. Others in the group will see it.").format(
                    kinds=kinds
                ),
                [
                    ("edit", _("Edit")),
                    ("remove", _("Remove them and send")),
                    ("send", _("Send anyway")),
                ],
            )
            if choice == "remove":
                for detail in assessment.personal:
                    text = text.replace(detail.text, "[removed]")
            elif choice != "send":  # "edit" or Escape: back in the composer to change
                self.composer.give_back(typed)
                return None
        # Having just written, the person wants to see their message: back to the end.
        self.messages.jump_to_end()
        self.next_cw = ""
        engine_send = asyncio.ensure_future(self.ready_engine().send(group.group_id, text, cw=cw))
        return group, engine_send, assessment

    async def _offer_support(self, assessment) -> None:
        """The after-send offer from ui.flows: the most urgent tier leads with the emergency
        number and top line; worry about someone else offers the someone-else guide."""
        from peertui.tui.screens.crisis import CrisisScreen
        from peertui.ui.flows import care_lines

        settings = self.app.settings
        lines = care_lines(assessment, settings.country, settings.language)
        if assessment.about_someone_else:
            choices = [
                ("someone", _("How to help them")),
                ("crisis", _("Crisis lines")),
                ("no", _("Not now")),
            ]
        else:
            choices = [
                ("crisis", _("Crisis lines")),
                ("plan", _("Safety plan")),
                ("ground", _("Grounding")),
                ("no", _("Not now")),
            ]
        from peertui.ui.flows import CARE_NOTICE

        body = [line for line in lines[1:] if line != _(CARE_NOTICE)]
        choice = await self.choose(lines[0], "\n".join(body), choices)
        if choice == "someone":
            self.app.push_screen(CrisisScreen(someone_else=True))
            return
        wellbeing = {"crisis": "crisis", "plan": "safety_plan", "ground": "grounding"}
        if choice in wellbeing:
            self.app.call_later(self.app.run_action, wellbeing[choice])
