"""Moderation: join requests, warnings, mutes, removals, bans, deleted messages, slow mode,
read-only, roles, reports and the moderation log. Members see the log; the rest is offered to
the group's owner and moderators only."""

from __future__ import annotations

import time
from typing import Any

from textual import work

from peertui.core.models import GroupInfo
from peertui.i18n import _
from peertui.tui.home.base import HomeBase
from peertui.tui.home.prompter import DialogPrompter
from peertui.tui.screens.dialogs import Field, ListScreen
from peertui.tui.text import steady_width
from peertui.tui.widgets.conversation import describe_message
from peertui.ui import flows, wording


def muted_for(who: str, minutes: int, now: float | None = None) -> str:
    """'Muted bob for 1 minute, until 10:12 UTC' — the length the moderator really gave."""
    until = time.gmtime((time.time() if now is None else now) + minutes * 60)
    unit = "minute" if minutes == 1 else "minutes"
    return f"Muted {who} for {minutes} {unit}, until {time.strftime('%H:%M', until)} UTC."


def _split(argument: str) -> tuple[str, str]:
    """'bob says hi' -> ('bob', 'says hi')."""
    who, _, rest = argument.strip().partition(" ")
    return who, rest.strip()


class ModerationActions(HomeBase):
    def target_nick(self) -> str:
        raise NotImplementedError

    # ----- one member -----------------------------------------------------------------------
    @work(group="dialog")
    async def moderate(
        self,
        method: str,
        title: str,
        argument: str = "",
        *,
        minutes: bool = False,
        reason: str = "Reason (shown in the moderation log):",
        confirm: str = "",
        owner: bool = False,
    ) -> None:
        """A form for one moderation action, filled from a slash command's words or the
        highlighted message; with `confirm`, a question before it is done."""
        group = self.need_moderator(owner=owner)
        if group is None:
            return
        who, rest = _split(argument)
        who = who or self.target_nick()
        length = ""
        if minutes and rest:
            length, _, rest = rest.partition(" ")
        fields = [Field("who", _("Member (nickname or id):"), who)]
        if minutes:
            fields.append(Field("minutes", _("For how many minutes:"), length or "60", number=True))
        if reason:
            fields.append(Field("reason", reason, rest))
        # With the member already filled in, typing starts in the reason.
        focus = fields[-1].name if who and len(fields) > 1 else "who"
        values = await self.form(title, fields, title, focus=focus)
        if values is None:
            return
        if confirm:
            text = f"{confirm}: {values['who']}."
            if not await self.confirm(f"{confirm} {values['who']}?", text, [(method, confirm)]):
                return
        extra: dict[str, Any] = {"reason": values["reason"]} if reason else {}
        if minutes:
            extra["minutes"] = values["minutes"]
        # The moderation log line that comes back says what was done; a mute also says for
        # how long in words, so a mistyped length is seen at once.
        done = muted_for(values["who"], values["minutes"]) if minutes else ""
        if method == "ban":
            await self._ban(group, values["who"], values["reason"])
            return
        await self.call(method, group.group_id, values["who"], done=done, **extra)

    async def _ban(self, group: GroupInfo, who: str, reason: str) -> None:
        from peertui.core.errors import PeertuiError

        try:
            await flows.ban(
                DialogPrompter(self, "Ban and cancel open invites?"),
                self.ready_engine(),
                group.group_id,
                who,
                reason,
            )
        except flows.Cancelled:
            self.tell(_("Open invites stay valid."))
        except PeertuiError as exc:
            self.tell(str(exc), severity="error", timeout=10)
        self.refresh_all()

    def action_warn(self, argument: str = "") -> None:
        self.moderate("warn", "Warn a member", argument, reason="Reason (sent to them privately):")

    def action_mute(self, argument: str = "") -> None:
        self.moderate("mute", "Mute a member", argument, minutes=True)

    def action_unmute(self, argument: str = "") -> None:
        self.moderate("unmute", "Unmute a member", argument)

    def action_remove(self, argument: str = "") -> None:
        self.moderate("remove", "Remove a member", argument, confirm="Remove from the group")

    def action_ban(self, argument: str = "") -> None:
        self.moderate("ban", "Ban a member", argument, confirm="Ban")

    def action_promote(self, argument: str = "") -> None:
        self.moderate("promote", "Make a moderator", argument, reason="", owner=True)

    def action_demote(self, argument: str = "") -> None:
        self.moderate("demote", "Remove moderator role", argument, reason="", owner=True)

    # ----- one message ----------------------------------------------------------------------
    @work(group="dialog")
    async def action_delete(self, reason: str = "") -> None:
        picked = self.group_and_message(moderator=True)
        if picked is None:
            return
        group, message = picked
        values = await self.form(
            f"Remove {message.nick}'s message",
            [Field("reason", _("Reason (shown to everyone):"), reason.lstrip("#0123456789 "))],
            "Remove",
            explanation=_("The message: {text}").format(text=describe_message(message).plain),
        )
        if values is not None:
            await self.call(
                "delete_message",
                group.group_id,
                message.msg_id,
                values["reason"],
                done="Message removed.",
            )

    # ----- the whole group ------------------------------------------------------------------
    @work(group="dialog")
    async def action_slowmode(self, argument: str = "") -> None:
        group = self.need_moderator()
        if group is None:
            return
        if argument.strip().isdigit():
            seconds = int(argument)
        elif argument.strip():
            self.app.notify(
                _("Write it as /slowmode 10 (seconds; 0 turns it off)."), severity="warning"
            )
            return
        else:
            values = await self.form(
                "Slow mode",
                [
                    Field(
                        "seconds",
                        _("Seconds between messages (0 turns it off):"),
                        str(group.slowmode_seconds),
                        number=True,
                    )
                ],
            )
            if values is None:
                return
            seconds = values["seconds"]
        if await self.confirm(
            "Change slow mode?",
            f"Everyone will wait {seconds} s between messages."
            if seconds
            else "Slow mode will be turned off.",
            [("yes", "Turn it on" if seconds else "Turn it off")],
        ):
            await self.call("set_slowmode", group.group_id, seconds, done="Slow mode updated.")

    @work(group="dialog")
    async def action_readonly(self, argument: str = "") -> None:
        group = self.need_moderator()
        if group is None:
            return
        wanted = argument.strip().casefold()
        if wanted not in ("", "on", "off"):
            self.app.notify(_("Write it as /readonly on or /readonly off."), severity="warning")
            return
        on = (wanted == "on") if wanted else not group.readonly
        if await self.confirm(
            "Make the group read-only?" if on else "Let members post again?",
            "Only moderators will be able to post." if on else "Read-only will be lifted.",
            [("yes", "Read-only on" if on else "Read-only off")],
        ):
            await self.call(
                "set_readonly",
                group.group_id,
                on,
                done="The group is now read-only." if on else "Members can post again.",
            )

    # ----- join requests --------------------------------------------------------------------
    @work(group="dialog")
    async def action_requests(self) -> None:
        group = self.need_moderator()
        if group is None:
            return
        requests = self.ready_engine().pending_requests(group.group_id)
        rows: list[tuple[str | None, str]] = [
            (
                r.member_id,
                f"{r.nick}{f' ({r.pronouns})' if r.pronouns else ''}"
                f"{f' — {r.intro}' if r.intro else ''}",
            )
            for r in requests
        ]
        member_id = await self.app.push_screen_wait(
            ListScreen(
                f"Join requests — {group.name}",
                rows,
                "No one is waiting to join.",
                "Enter to approve or deny.",
            )
        )
        request = next((r for r in requests if r.member_id == member_id), None)
        if request is None:
            return
        choice = await self.choose(
            f"Join request from {request.nick}",
            f"Pronouns: {request.pronouns or '(none given)'}\n"
            f"About them: {request.intro or '(nothing written)'}\n\nApprove or deny?",
            [("approve", "Approve"), ("deny", "Deny"), ("later", "Later")],
        )
        if choice == "approve":
            await self.call(
                "approve", group.group_id, request.member_id, done=f"{request.nick} approved."
            )
        elif choice == "deny":
            await self._deny(group, request.member_id, request.nick)

    async def _deny(self, group: GroupInfo, who: str, nick: str, reason: str | None = None) -> None:
        if reason is None:
            values = await self.form(
                f"Deny {nick}", [Field("reason", _("Reason (sent to them privately):"))]
            )
            if values is None:
                return
            reason = values["reason"]
        await self.call("deny", group.group_id, who, reason=reason, done=f"{nick} denied.")

    def action_approve(self, argument: str = "") -> None:
        group = self.need_moderator()
        if group is None:
            return
        if not argument.strip():
            self.action_requests()
            return
        self.run_engine(
            "approve", group.group_id, argument.strip(), done=f"{argument.strip()} approved."
        )

    @work(group="dialog")
    async def action_deny(self, argument: str = "") -> None:
        group = self.need_moderator()
        if group is None:
            return
        who, reason = _split(argument)
        if not who:
            self.action_requests()
            return
        await self._deny(group, who, who, reason)

    # ----- reports and the log --------------------------------------------------------------
    @work(group="dialog")
    async def action_reports(self) -> None:
        from peertui.core.errors import PeertuiError

        group = self.need_moderator()
        if group is None:
            return
        try:
            reports = self.ready_engine().reports(group.group_id)
        except PeertuiError as exc:
            self.app.notify(str(exc), severity="warning")
            return
        rows: list[tuple[str | None, str]] = [
            (
                r.report_id,
                f"{r.reported_nick}: {steady_width(r.text)}\n  reason: {r.reason or '(none given)'}",
            )
            for r in reports
        ]
        report_id = await self.app.push_screen_wait(
            ListScreen(
                f"Reports — {group.name}",
                rows,
                "No reports.",
                "Enter: remove the message or dismiss the report.",
            )
        )
        report = next((r for r in reports if r.report_id == report_id), None)
        if report is None:
            return
        choice = await self.choose(
            f"Report about {report.reported_nick}'s message",
            f"{steady_width(report.text)}\n\nReason: {report.reason or '(none given)'}",
            [
                ("later", "Later"),
                ("remove", "Remove the message"),
                ("dismiss", "Dismiss the report"),
            ],
        )
        if choice == "remove":
            values = await self.form(
                "Remove the reported message",
                [Field("reason", _("Reason (shown to everyone):"))],
                "Remove",
            )
            if values is not None:
                await self.call(
                    "delete_message",
                    group.group_id,
                    report.msg_id,
                    values["reason"],
                    done="Message removed.",
                )
        elif choice == "dismiss":
            await self.call(
                "dismiss_report", group.group_id, report.report_id, done="Report dismissed."
            )

    def action_dismiss_report(self) -> None:
        self.action_reports()

    @work(group="dialog")
    async def action_modlog(self) -> None:
        group = self.need_group()
        if group is None:
            return
        engine = self.ready_engine()
        members = engine.members(group.group_id)
        rows: list[tuple[str | None, str]] = [
            (None, wording.modlog_line(e, members)) for e in engine.modlog(group.group_id)
        ]
        await self.app.push_screen_wait(
            ListScreen(f"Moderation log — {group.name}", rows, "No moderation actions yet.")
        )
