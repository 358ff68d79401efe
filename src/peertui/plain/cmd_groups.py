"""Plain handlers for groups: hosting, invites, joining, switching, members, guidelines,
join requests and leaving."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peertui.core.models import PENDING
from peertui.i18n import language_name
from peertui.plain.registry import handles
from peertui.ui import actions, commands, flows, wording
from peertui.ui.wording import _, utc_time

if TYPE_CHECKING:
    from peertui.plain.session import PlainSession


@handles("peertui.host")
async def host(s: PlainSession, argument: str) -> None:
    name, relay_url = commands.host_arguments(
        commands.need(argument, actions.by_id("peertui.host"))
    )
    where = relay_url or _("a relay inside this program (reachable while peertui runs)")
    s.console.notice(_("Starting {name} on {where}...").format(name=name, where=where))
    group = await s.engine.host_group(name, relay_url)
    s.current = group.group_id
    s.console.notice(
        _(
            "{name} is ready and is now your current group; you are '{nick}' (/nick changes "
            "it). /invite makes an invite."
        ).format(name=wording.group_name(group.name), nick=group.nick)
    )


@handles("peertui.invite")
async def invite(s: PlainSession, argument: str) -> None:
    commands.nothing_after_invite(argument)
    group_id = s.group()
    token = await s.engine.create_invite(group_id)
    s.console.notice(
        _(
            "Invite for {name}, valid for 7 days and 10 uses. Share it privately; you approve "
            "each person who uses it:"
        ).format(name=s.name(group_id))
    )
    s.console.raw(token)
    language = s.engine.group(group_id).language
    if language:
        # The invite itself does not carry it: tell the person along with the invite.
        s.console.notice(wording.group_language_line(language))


@handles("peertui.join")
async def join(s: PlainSession, argument: str) -> None:
    token, nick = commands.invite_and_nick(commands.need(argument, actions.by_id("peertui.join")))
    group_id = await flows.JoinFlow(s.engine, token, nick).run(s)
    if group_id is not None:
        # The pending group becomes current, so what is typed next is kept, not lost.
        s.current = group_id


@handles("peertui.groups")
async def groups(s: PlainSession, argument: str) -> None:
    mine = s.engine.groups()
    if not mine:
        s.console.output(
            _("You are not in a group yet: /host <name> starts one, /join <invite> joins one.")
        )
        return
    lines = []
    for number, group in enumerate(mine, start=1):
        current = ", " + _("current") if group.group_id == s.current else ""
        role = f", {wording.state_word(group.role)}" if group.role else ""
        unread = ", " + _("{n} unread").format(n=group.unread) if group.unread else ""
        language = f", {language_name(group.language)}" if group.language else ""
        # A group waiting for approval is said so in the words the TUI's list uses, once.
        state = (
            _("waiting for approval") if group.state == PENDING else wording.state_word(group.state)
        )
        connection = wording.state_word(group.connection)
        name = wording.group_name(group.name, state_said=True)
        lines.append(f"{number}. {name} - {state}{role}, {connection}{unread}{language}{current}")
    await s.show_output(lines)


@handles("peertui.switch")
async def switch(s: PlainSession, argument: str) -> None:
    wanted = commands.need(argument, actions.by_id("peertui.switch"))
    mine = s.engine.groups()
    if wanted.isdigit() and 1 <= int(wanted) <= len(mine):
        chosen = [mine[int(wanted) - 1]]
    else:
        exact = [g for g in mine if g.name.casefold() == wanted.casefold()]
        chosen = exact or [g for g in mine if g.name.casefold().startswith(wanted.casefold())]
    if len(chosen) != 1:
        problem = _("Several groups match") if chosen else _("No group matches")
        raise commands.UsageError(
            _("{problem} '{wanted}'; /groups lists them with numbers.").format(
                problem=problem, wanted=wanted
            )
        )
    s.current = chosen[0].group_id
    s.console.notice(_("Current group: {name}.").format(name=wording.group_name(chosen[0].name)))


@handles("peertui.members")
async def members(s: PlainSession, argument: str) -> None:
    everyone = s.engine.members(s.group())
    lines = []
    for member in everyone:
        parts = [wording.state_word(member.role)]
        if member.pronouns:
            parts.append(member.pronouns)
        if member.muted_until:
            parts.append(
                _("muted until {when}").format(when=utc_time(member.muted_until, date=False))
            )
        if member.is_me:
            parts.append(_("you"))
        about = f" - {member.intro}" if member.intro else ""
        member_id = _("id {member_id}").format(member_id=member.member_id)
        lines.append(f"{member.nick} ({', '.join(parts)}) {member_id}{about}")
    await s.show_output(lines)


@handles("peertui.nick")
async def nick(s: PlainSession, argument: str) -> None:
    new = commands.need(argument, actions.by_id("peertui.nick"))
    group_id = s.group()
    await s.engine.set_nick(group_id, new)
    s.console.notice(_("You are now '{nick}' in {name}.").format(nick=new, name=s.name(group_id)))


@handles("peertui.profile")
async def profile(s: PlainSession, argument: str) -> None:
    pronouns, _sep, intro = commands.need(argument, actions.by_id("peertui.profile")).partition("|")
    group_id = s.group()
    await s.engine.set_profile(group_id, pronouns.strip(), intro.strip())
    s.console.notice(
        _("Your profile in {name} is updated; /members shows it.").format(name=s.name(group_id))
    )


@handles("peertui.guidelines")
async def guidelines(s: PlainSession, argument: str) -> None:
    group_id = s.group()
    text = s.engine.group(group_id).guidelines
    heading = _("Guidelines of {name}:").format(name=s.name(group_id))
    lines = wording.guideline_lines(text, heading) or [
        wording.output(_("{name} has no guidelines of its own.").format(name=s.name(group_id)))
    ]
    await s.show(lines)
    s.console.notice(_("/accept accepts them; you need to before posting when they change."))


@handles("peertui.accept")
async def accept(s: PlainSession, argument: str) -> None:
    s.say(flows.accept_now(s.engine, s.group()))


@handles("peertui.guidelines_edit")
async def guidelines_edit(s: PlainSession, argument: str) -> None:
    await flows.edit_guidelines(s, s.engine, s.group())


@handles("peertui.group_language")
async def group_language(s: PlainSession, argument: str) -> None:
    action = actions.by_id("peertui.group_language")
    typed = commands.need(argument, action).strip()
    group_id = s.group()
    language = await s.engine.set_group_language(group_id, "" if typed == "-" else typed)
    if language:
        s.console.notice(wording.group_language_line(language))
    else:
        s.console.notice(_("{name} declares no language now.").format(name=s.name(group_id)))


@handles("peertui.leave")
async def leave(s: PlainSession, argument: str) -> None:
    group_id = s.group()
    if not await flows.leave(s, s.engine, group_id):
        return
    others = [g for g in s.engine.groups() if g.group_id != group_id and g.state == "active"]
    s.current = others[0].group_id if others else None
    if others:
        s.console.notice(
            _("Current group: {name}.").format(name=wording.group_name(others[0].name))
        )


# ----------------------------------------------------------------------- join requests


def _group_with_request(s: PlainSession, who: str) -> str:
    """The current group, or the one other group you moderate where `who` asked to join."""
    wanted = who.casefold()

    def waiting_in(group_id: str) -> bool:
        return any(
            r.nick.casefold() == wanted or r.member_id.startswith(wanted)
            for r in s.pending_requests(group_id)
        )

    if s.current is None or waiting_in(s.current):
        return s.group()
    elsewhere = [g for g in s.moderated_groups() if g != s.current and waiting_in(g)]
    return elsewhere[0] if len(elsewhere) == 1 else s.group()


@handles("peertui.approve")
async def approve(s: PlainSession, argument: str) -> None:
    who = commands.need(argument, actions.by_id("peertui.approve"))
    # The moderation log's "admitted" line (an engine event) is the one line about it.
    await s.engine.approve(_group_with_request(s, who), who)


@handles("peertui.deny")
async def deny(s: PlainSession, argument: str) -> None:
    who, _sep, reason = commands.need(argument, actions.by_id("peertui.deny")).partition(" ")
    group_id = _group_with_request(s, who)
    await s.engine.deny(group_id, who, reason.strip())
    s.console.notice(
        _("Declined {who}'s request to join {name}.").format(who=who, name=s.name(group_id))
    )


@handles("peertui.requests")
async def requests(s: PlainSession, argument: str) -> None:
    moderated = s.moderated_groups()
    if not moderated:
        raise commands.UsageError(_("Only the group's owner and moderators see join requests."))
    waiting = [(g, r) for g in moderated for r in s.pending_requests(g)]
    if not waiting:
        s.console.notice(_("No one is waiting to join."))
    lines = []
    for group_id, request in waiting:
        pronouns = f" ({request.pronouns})" if request.pronouns else ""
        intro = f": {request.intro}" if request.intro else ", " + _("no introduction")
        lines.append(
            f"{s.where(group_id)}{request.nick}{pronouns}, id {request.member_id}, "
            + _("asked {when}").format(when=utc_time(request.ts))
            + intro
        )
    await s.show_output(lines)


@handles("peertui.status")
async def status(s: PlainSession, argument: str) -> None:
    import time

    group_id = s.group()
    mine = s.engine.my_member_id(group_id)
    me = next((m for m in s.members_of(group_id) if m.member_id == mine), None)
    for line in wording.status_lines(s.engine.group(group_id), me, int(time.time() * 1000)):
        s.console.notice(line)
