"""Plain handlers for moderation. Each action is confirmed once, by the engine's own
moderation-log event (printed by the session), never by a second line here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peertui.core.errors import PeertuiError
from peertui.plain.registry import handles
from peertui.ui import actions, commands, flows, member_commands, wording
from peertui.ui.wording import _, utc_time

if TYPE_CHECKING:
    from peertui.plain.session import PlainSession


def _flagged(s: PlainSession, who: str) -> None:
    """After acting on a member: if a report about them is still open, the moderator is told
    which message it flagged and how to remove it or take the report off the list."""
    group_id = s.group()
    wanted = who.strip().casefold()
    member = next(
        (
            m
            for m in s.members_of(group_id)
            if m.nick.casefold() == wanted or (len(wanted) >= 4 and m.member_id.startswith(wanted))
        ),
        None,
    )
    if member is None:
        return
    try:
        found = s.engine.reports(group_id)
    except PeertuiError:
        return
    theirs = [
        (i, r) for i, r in enumerate(found, start=1) if r.reported_member_id == member.member_id
    ]
    if not theirs:
        return
    index, report = max(theirs, key=lambda pair: pair[1].ts)
    s.console.notice(
        wording.report_before_acting(
            member.nick, s.number_of(group_id, report.msg_id), report.reason, index
        )
    )


@handles("peertui.warn")
async def warn(s: PlainSession, argument: str) -> None:
    command = member_commands.parse(argument, "peertui.warn")
    await s.engine.warn(s.group(), command.who, command.reason)
    _flagged(s, command.who)


@handles("peertui.mute")
async def mute(s: PlainSession, argument: str) -> None:
    command = member_commands.parse(argument, "peertui.mute")
    assert command.minutes is not None  # a mute always has its length
    await s.engine.mute(s.group(), command.who, command.minutes, command.reason)
    _flagged(s, command.who)


@handles("peertui.unmute")
async def unmute(s: PlainSession, argument: str) -> None:
    await s.engine.unmute(s.group(), member_commands.parse(argument, "peertui.unmute").who)


@handles("peertui.remove")
async def remove(s: PlainSession, argument: str) -> None:
    command = member_commands.parse(argument, "peertui.remove")
    _flagged(s, command.who)  # said before: once removed, they are not among the members
    await s.engine.remove(s.group(), command.who, command.reason)


@handles("peertui.ban")
async def ban(s: PlainSession, argument: str) -> None:
    command = member_commands.parse(argument, "peertui.ban")
    _flagged(s, command.who)
    await flows.ban(s, s.engine, s.group(), command.who, command.reason)


@handles("peertui.delete")
async def delete(s: PlainSession, argument: str) -> None:
    action = actions.by_id("peertui.delete")
    number, _sep, reason = argument.partition(" ")
    if not reason.strip():
        raise commands.usage(action, _("Members see the reason."))
    group_id, msg_id = s.message_by_number(number, action)
    await s.engine.delete_message(group_id, msg_id, reason.strip())


@handles("peertui.slowmode")
async def slowmode(s: PlainSession, argument: str) -> None:
    action = actions.by_id("peertui.slowmode")
    seconds = commands.slowmode_seconds(commands.need(argument, action))
    await s.engine.set_slowmode(s.group(), seconds)


@handles("peertui.readonly")
async def readonly(s: PlainSession, argument: str) -> None:
    choice = argument.strip().lower()
    if choice not in ("on", "off"):
        raise commands.usage(actions.by_id("peertui.readonly"))
    await s.engine.set_readonly(s.group(), choice == "on")


@handles("peertui.promote")
async def promote(s: PlainSession, argument: str) -> None:
    await s.engine.promote(s.group(), commands.need(argument, actions.by_id("peertui.promote")))


@handles("peertui.demote")
async def demote(s: PlainSession, argument: str) -> None:
    await s.engine.demote(s.group(), commands.need(argument, actions.by_id("peertui.demote")))


@handles("peertui.reports")
async def reports(s: PlainSession, argument: str) -> None:
    group_id = s.group()
    found = s.engine.reports(group_id)  # NotAllowed for members: an error line
    if not found:
        s.console.notice(_("No reports."))
        return
    lines = []
    for number, report in enumerate(found, start=1):
        shown = s.number_of(group_id, report.msg_id)
        which = _("message #{n}").format(n=shown) if shown else _("a message")
        lines.append(
            _("{n}. {when} report about {which} by {nick} (id {id}): {reason}").format(
                n=number,
                when=utc_time(report.ts),
                which=which,
                nick=report.reported_nick,
                id=report.reported_member_id,
                reason=report.reason,
            )
        )
        lines.append(_("The message: {text}").format(text=report.text))
        lines.extend(_("Before it: {text}").format(text=c) for c in report.context)
    await s.show_output(lines)
    s.console.notice(_("/dismiss <n> takes a report you have dealt with off the list."))


@handles("peertui.dismiss")
async def dismiss(s: PlainSession, argument: str) -> None:
    group_id = s.group()
    number, report = commands.numbered_report(argument, s.engine.reports(group_id))
    s.engine.dismiss_report(group_id, report.report_id)
    s.console.notice(wording.report_dismissed(number, report))
