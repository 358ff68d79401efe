"""Moderation: join requests, warnings, mutes, removals, bans, deleted messages, slow mode,
read-only, roles, reports and the moderation log. Members see the log; the rest is offered to
the group's owner and moderators only."""

from __future__ import annotations

import functools
import time
from typing import Any

from textual import work

from peertui.core.models import GroupInfo
from peertui.i18n import N_, _, ngettext
from peertui.tui.home.base import HomeBase
from peertui.tui.home.prompter import DialogPrompter
from peertui.tui.screens.dialogs import Field, ListScreen, Recheck
from peertui.tui.text import steady_width
from peertui.tui.widgets.conversation import describe_message
from peertui.ui import actions, commands, flows, member_commands, wording
from peertui.ui.problems import problem as worded
from peertui.ui.wording import utc_time


def muted_for(who: str, minutes: int, now: float | None = None) -> str:
    """'Muted bob for 1 minute, until 10:12 UTC' — the length the moderator really gave."""
    until = (time.time() if now is None else now) + minutes * 60
    return ngettext(
        "Muted {who} for {minutes} minute, until {time}.",
        "Muted {who} for {minutes} minutes, until {time}.",
        minutes,
    ).format(who=who, minutes=minutes, time=utc_time(int(until * 1000), date=False))


def _split(argument: str) -> tuple[str, str]:
    """'bob says hi' -> ('bob', 'says hi')."""
    who, _, rest = argument.strip().partition(" ")
    return who, rest.strip()


def _refused(method: str, values: dict[str, Any]) -> Recheck | None:
    """A moderation form is held to plain mode's rule for the command (a warning needs its
    reason): refused in words, the form stays open, the focus on the field that is missing."""
    words = member_commands.MemberWords(
        f"peertui.{method}",
        str(values.get("who", "")),
        str(values.get("minutes", "")),
        str(values.get("reason", "")),
    )
    if not words.missing:
        return None
    try:
        member_commands.checked(words)
    except commands.UsageError as problem:
        return Recheck(str(problem), field=words.missing[0])
    return None


class ModerationActions(HomeBase):
    def target_nick(self) -> str:
        raise NotImplementedError

    # ----- one member ---------------------------------------------------------------------
    @work(group="dialog")
    async def moderate(
        self,
        method: str,
        title: str,
        argument: str = "",
        *,
        minutes: bool = False,
        reason: str = N_("Reason (shown in the moderation log):"),
        confirm: str = "",
        owner: bool = False,
        typed: bool = False,
    ) -> None:
        """A form for one moderation action, filled from a slash command's words (`typed`)
        or the highlighted message; with `confirm`, a question before it is done."""
        group = self.need_moderator(owner=owner)
        if group is None:
            return
        words = member_commands.split(argument, f"peertui.{method}")
        who = words.who or self.target_nick()
        if who and not self._may_act_on(group, method, who):
            return
        fields = [Field("who", _("Member (nickname or id):"), who)]
        if minutes:
            fields.append(
                Field("minutes", _("For how many minutes:"), words.minutes or "60", number=True)
            )
        if reason:
            fields.append(Field("reason", _(reason), words.reason))
        # Typing starts in the first required field the command left out, so what is typed
        # next answers it; never in words already written, which typing would add to. From a
        # key (nothing typed), the offered length counts as given and typing starts in the
        # reason.
        missing = [
            name
            for name in words.missing
            if not (name == "who" and who) and (typed or name != "minutes")
        ]
        focus = missing[0] if missing else (fields[-1].name if who else "who")
        values = await self.form(
            title, fields, title, focus=focus, validate=functools.partial(_refused, method)
        )
        if values is None:
            return
        if confirm:
            text = f"{confirm}: {values['who']}."
            if not await self.confirm(f"{confirm} {values['who']}?", text, [(method, confirm)]):
                return
        await self._act(
            group, method, values["who"], values.get("reason", ""), values.get("minutes")
        )

    def _may_act_on(self, group: GroupInfo, method: str, who: str) -> bool:
        """False, after saying why once, when the member is oneself: refused before any form
        opens, so no reason is typed for an action that cannot be done."""
        from peertui.core.errors import PeertuiError

        try:
            self.ready_engine().check_not_self(group.group_id, method, who)
        except PeertuiError as exc:
            self.app.notify(worded(exc), severity="warning", timeout=10)
            return False
        return True

    async def _act(
        self, group: GroupInfo, method: str, who: str, reason: str, minutes: int | None
    ) -> None:
        """The engine call a complete command or a submitted form ends in."""
        if method in ("remove", "ban"):
            # Said before: once removed, they are not among the members to be found.
            self._flagged(group, who)
        if method == "ban":
            await self._ban(group, who, reason)
            return
        extra: dict[str, Any] = {}
        if method in ("warn", "mute", "unmute", "remove"):
            extra["reason"] = reason
        if minutes is not None:
            extra["minutes"] = minutes
        # The moderation log line that comes back says what was done; a mute also says for
        # how long in words, so a mistyped length is seen at once.
        done = muted_for(who, minutes) if minutes is not None else ""
        acted = await self.logged_call(method, group.group_id, who, done=done, **extra)
        if acted and method in ("warn", "mute"):
            self._flagged(group, who)

    def _flagged(self, group: GroupInfo, who: str) -> None:
        """Acting on a member with a report about them still open: the moderator is told
        which message it flagged and how to remove it or take the report off the list (plain
        mode's sentence, `wording.report_before_acting`)."""
        from peertui.core.errors import PeertuiError
        from peertui.core.moderation import resolve_member

        engine = self.ready_engine()
        try:
            member = resolve_member(engine.members(group.group_id), who)
            found = engine.reports(group.group_id)
        except PeertuiError:
            return  # no such member (the action says so itself), or reports unreadable
        theirs = [
            (i, r) for i, r in enumerate(found, start=1) if r.reported_member_id == member.member_id
        ]
        if not theirs:
            return
        index, report = max(theirs, key=lambda pair: pair[1].ts)
        try:
            number = engine.message(group.group_id, report.msg_id).number or None
        except PeertuiError:
            number = None  # no longer in this device's history
        self.tell(wording.report_before_acting(member.nick, number, report.reason, index))

    @work(group="dialog")
    async def _command(self, method: str, argument: str) -> None:
        """A slash command with all its words is done at once, as in plain mode (with the
        same questions, such as ban's about open invites); one with required words missing
        opens the form; words that are wrong are refused in words and given back."""
        action = actions.by_id(f"peertui.{method}")
        words = member_commands.split(argument, action.id)
        problem = member_commands.wrong(words)
        if problem is not None:
            self.composer.give_back_command(f"/{action.slash} {argument}".rstrip())
            self.app.notify(str(problem), severity="warning", timeout=10)
            return
        if words.missing:
            getattr(self, f"action_{method}")(argument, typed=True)
            return
        group = self.need_moderator()
        if group is None:
            return
        command = member_commands.checked(words)
        await self._act(group, method, command.who, command.reason, command.minutes)

    def command_warn(self, argument: str) -> None:
        self._command("warn", argument)

    def command_mute(self, argument: str) -> None:
        self._command("mute", argument)

    def command_unmute(self, argument: str) -> None:
        self._command("unmute", argument)

    def command_remove(self, argument: str) -> None:
        self._command("remove", argument)

    def command_ban(self, argument: str) -> None:
        self._command("ban", argument)

    async def _ban(self, group: GroupInfo, who: str, reason: str) -> None:
        from peertui.core.errors import PeertuiError

        try:
            await flows.ban(
                DialogPrompter(self, _("Banned: cancel open invites too?")),
                self.ready_engine(),
                group.group_id,
                who,
                reason,
            )
        except flows.Cancelled:
            self.tell(_("Open invites stay valid."))
        except PeertuiError as exc:
            self.tell(worded(exc), severity="error", timeout=10)
        self.refresh_all()

    def action_warn(self, argument: str = "", *, typed: bool = False) -> None:
        self.moderate(
            "warn",
            _("Warn a member"),
            argument,
            reason=N_("Reason (sent to them privately):"),
            typed=typed,
        )

    def action_mute(self, argument: str = "", *, typed: bool = False) -> None:
        self.moderate("mute", _("Mute a member"), argument, minutes=True, typed=typed)

    def action_unmute(self, argument: str = "", *, typed: bool = False) -> None:
        self.moderate("unmute", _("Unmute a member"), argument, typed=typed)

    def action_remove(self, argument: str = "", *, typed: bool = False) -> None:
        self.moderate(
            "remove",
            _("Remove a member"),
            argument,
            confirm=_("Remove from the group"),
            typed=typed,
        )

    def action_ban(self, argument: str = "", *, typed: bool = False) -> None:
        self.moderate("ban", _("Ban a member"), argument, confirm=_("Ban"), typed=typed)

    def action_promote(self, argument: str = "") -> None:
        self.moderate("promote", _("Make a moderator"), argument, reason="", owner=True)

    def action_demote(self, argument: str = "") -> None:
        self.moderate("demote", _("Remove moderator role"), argument, reason="", owner=True)

    # ----- one message ----------------------------------------------------------------------
    @work(group="dialog")
    async def action_delete(self, reason: str = "") -> None:
        picked = self.group_and_message(moderator=True)
        if picked is None:
            return
        group, message = picked
        values = await self.form(
            _("Remove {nick}'s message").format(nick=message.nick),
            [Field("reason", _("Reason (shown to everyone):"), reason.strip())],
            _("Remove"),
            explanation=_("The message: {text}").format(text=describe_message(message).plain),
        )
        if values is not None:
            await self.logged_call(
                "delete_message",
                group.group_id,
                message.msg_id,
                values["reason"],
                done=_("Message removed."),
            )

    # ----- the whole group ------------------------------------------------------------------
    @work(group="dialog")
    async def action_slowmode(self, argument: str = "") -> None:
        group = self.need_moderator()
        if group is None:
            return
        if argument.strip():
            try:
                seconds = commands.slowmode_seconds(argument)
            except commands.UsageError as exc:
                self.app.notify(worded(exc), severity="warning")
                return
        else:
            values = await self.form(
                _("Slow mode"),
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
        # Typed whole, or answered in the form opened by its key: either way the decision is
        # made (commands.asks_first), so it is done at once, as in plain mode.
        await self.logged_call(
            "set_slowmode", group.group_id, seconds, done=_("Slow mode updated.")
        )

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
        if not commands.asks_first(argument) or await self.confirm(
            _("Make the group read-only?") if on else _("Let members post again?"),
            _("Only moderators will be able to post.") if on else _("Read-only will be lifted."),
            [("yes", _("Read-only on") if on else _("Read-only off"))],
        ):
            await self.logged_call(
                "set_readonly",
                group.group_id,
                on,
                done=_("The group is now read-only.") if on else _("Members can post again."),
            )

    # ----- join requests --------------------------------------------------------------------
    @work(group="dialog")
    async def action_requests(self) -> None:
        group = self.need_moderator()
        if group is None:
            return
        engine = self.ready_engine()

        def rows() -> list[tuple[str | None, str]]:
            return [
                (
                    r.member_id,
                    f"{r.nick}{f' ({r.pronouns})' if r.pronouns else ''}"
                    f"{f' — {r.intro}' if r.intro else ''}",
                )
                for r in engine.pending_requests(group.group_id)
            ]

        member_id = await self.app.push_screen_wait(
            ListScreen(
                _("Join requests — {name}").format(name=wording.group_name(group.name)),
                rows(),
                _("No one is waiting to join."),
                _("Enter to approve or deny."),
                source=rows,  # a request arriving while the list is open appears in it
            )
        )
        requests = engine.pending_requests(group.group_id)
        request = next((r for r in requests if r.member_id == member_id), None)
        if request is None:
            return
        choice = await self.choose(
            _("Join request from {nick}").format(nick=request.nick),
            _("Pronouns: {pronouns}\nAbout them: {intro}\n\nApprove or deny?").format(
                pronouns=request.pronouns or _("(none given)"),
                intro=request.intro or _("(nothing written)"),
            ),
            [("approve", _("Approve")), ("deny", _("Deny")), ("later", _("Later"))],
        )
        if choice == "approve":
            await self.logged_call(
                "approve",
                group.group_id,
                request.member_id,
                done=_("{nick} approved.").format(nick=request.nick),
            )
        elif choice == "deny":
            await self._deny(group, request.member_id, request.nick)

    async def _deny(self, group: GroupInfo, who: str, nick: str, reason: str | None = None) -> None:
        if reason is None:
            values = await self.form(
                _("Deny {nick}").format(nick=nick),
                [Field("reason", _("Reason (sent to them privately):"))],
            )
            if values is None:
                return
            reason = values["reason"]
        await self.call(
            "deny", group.group_id, who, reason=reason, done=_("{nick} denied.").format(nick=nick)
        )

    def action_approve(self, argument: str = "") -> None:
        group = self.need_moderator()
        if group is None:
            return
        if not argument.strip():
            self.action_requests()
            return
        self.run_worker(
            self.logged_call(
                "approve",
                group.group_id,
                argument.strip(),
                done=_("{nick} approved.").format(nick=argument.strip()),
            ),
            group="engine-call",
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
            self.app.notify(worded(exc), severity="warning")
            return
        # Numbered as in plain mode's /reports, so `/dismiss <n>` names the same report.
        rows: list[tuple[str | None, str]] = [
            (
                r.report_id,
                f"{number}. "
                + _("{nick}: {text}\n  reason: {reason}").format(
                    nick=r.reported_nick,
                    text=steady_width(r.text),
                    reason=r.reason or _("(none given)"),
                ),
            )
            for number, r in enumerate(reports, start=1)
        ]
        report_id = await self.app.push_screen_wait(
            ListScreen(
                _("Reports — {name}").format(name=wording.group_name(group.name)),
                rows,
                _("No reports."),
                _("Enter: remove the message or dismiss the report."),
            )
        )
        report = next((r for r in reports if r.report_id == report_id), None)
        if report is None:
            return
        choice = await self.choose(
            _("Report about {nick}'s message").format(nick=report.reported_nick),
            _("{text}\n\nReason: {reason}").format(
                text=steady_width(report.text), reason=report.reason or _("(none given)")
            ),
            [
                ("later", _("Later")),
                ("remove", _("Remove the message")),
                ("dismiss", _("Dismiss the report")),
            ],
        )
        if choice == "remove":
            values = await self.form(
                _("Remove the reported message"),
                [Field("reason", _("Reason (shown to everyone):"))],
                _("Remove"),
            )
            if values is not None:
                await self.logged_call(
                    "delete_message",
                    group.group_id,
                    report.msg_id,
                    values["reason"],
                    done=_("Message removed."),
                )
        elif choice == "dismiss":
            await self.call(
                "dismiss_report", group.group_id, report.report_id, done=_("Report dismissed.")
            )

    def action_dismiss_report(self) -> None:
        self.action_reports()

    @work(group="engine-call")
    async def command_dismiss(self, argument: str) -> None:
        """/dismiss <n>: the numbered report, parsed as plain mode does; alone, the list."""
        from peertui.core.errors import PeertuiError

        if not argument.strip():
            self.action_reports()
            return
        group = self.need_moderator()
        if group is None:
            return
        try:
            number, report = commands.numbered_report(
                argument, self.ready_engine().reports(group.group_id)
            )
        except (commands.UsageError, PeertuiError) as exc:
            self.composer.give_back_command(f"/dismiss {argument}".rstrip())
            self.app.notify(worded(exc), severity="warning", timeout=10)
            return
        await self.call(
            "dismiss_report",
            group.group_id,
            report.report_id,
            done=wording.report_dismissed(number, report),
        )

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
            ListScreen(
                _("Moderation log — {name}").format(name=wording.group_name(group.name)),
                rows,
                _("No moderation actions yet."),
            )
        )
