"""Sending what is typed, and /help: the personal-details check asks first, whatever is not
sent comes back to the composer, and a hard message is followed by the offer of support."""

from __future__ import annotations

from textual import work

from peertui.config import interface_language
from peertui.core.errors import GuidelinesNotAccepted, PeertuiError
from peertui.core.models import ACTIVE
from peertui.i18n import _
from peertui.tui.home.groups import GroupActions
from peertui.tui.home.messages import MessageActions
from peertui.tui.screens.dialogs import ListScreen
from peertui.ui import screenfuls


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

    @work(group="send")
    async def send(self, text: str, cw: str, typed: str) -> None:
        """Check for personal details (asking first), send, and offer support after a hard
        message. Whatever is not sent comes back to the composer."""
        from peertui.wellbeing import detect

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
            return
        settings = self.app.settings
        assessment = detect.assess(
            text, interface_language(settings.language), region=settings.country or None
        )
        if assessment.personal:
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
                return
        # Having just written, the person wants to see their message: back to the end.
        self.messages.jump_to_end()
        self.next_cw = ""
        try:
            await self.ready_engine().send(group.group_id, text, cw=cw)
        except PeertuiError as exc:
            self.composer.give_back(typed)
            if isinstance(exc, GuidelinesNotAccepted) and group.guidelines:
                # The guidelines changed (or were never accepted): show them, then it can be sent.
                self.accept_guidelines(group.group_id, group.guidelines, force=True)
                return
            self.app.notify(
                _("{why} Your message is back in the box.").format(why=exc), severity="error"
            )
            return
        if assessment.tier >= 1:
            await self._offer_support(assessment)

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
