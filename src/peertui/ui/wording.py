"""Every sentence peertui shows about what happens: events, message lines, the moderation log.

Both front-ends take their words from here, so a moderation action, a join or a removed message
reads the same in the TUI and in plain mode, and each event is announced once. Every string
passes through `_()`, the message catalogue (`peertui.i18n`); dates and lists follow the
interface language through Babel.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from peertui.core import events as ev
from peertui.i18n import (
    N_,
    NP_,
    _,
    current_language,
    current_locale,
    language_name,
    ngettext,
    pgettext,
)
from peertui.ui import ordering, problems
from peertui.ui.received import messages_missing, receive_notice, roster_warning
from peertui.ui.relay_words import relay_said

__all__ = ["N_", "_", "ngettext", "pgettext"]  # the front-ends take the hook from here

if TYPE_CHECKING:
    from peertui.core.models import GroupInfo, JoinRequest, Member, ModLogEntry, Report
    from peertui.core.store import ExportWords, Message


LineKind = Literal["notice", "error", "output", "question", "message", "raw"]


@dataclass(frozen=True)
class Line:
    """One thing to tell the person; front-ends choose how each kind looks."""

    kind: LineKind
    text: str


def notice(text: str) -> Line:
    return Line("notice", text)


def error(text: str) -> Line:
    return Line("error", text)


def output(text: str) -> Line:
    return Line("output", text)


# ----------------------------------------------------------------------------- names

FALLBACK_NICK_PREFIX = "member-"


def group_name(name: str, *, state_said: bool = False) -> str:
    """A group's name as people read it: a group joined but not yet approved has none until
    its welcome arrives, and is called so in the person's language. Where the words next to
    the name already say "waiting for approval" (`state_said`), the name does not say it again."""
    if not name:
        if state_said:
            return _("unnamed group")
        return _("unnamed group (waiting for approval)")
    return name


def display_name(nick: str, members: Sequence[Member] = ()) -> str:
    """A member as people should read them: the nickname, never a raw member id when the
    nickname is known, and the member id added only where two nicknames look alike."""
    from peertui.core.payloads import nick_skeleton

    known = _known_nick(nick, members)
    if known is not None:
        nick = known.nick
    else:
        known = next((m for m in members if m.nick == nick), None)
    if known is None:
        return nick
    skeleton = nick_skeleton(known.nick)
    alike = [m for m in members if m.key != known.key and nick_skeleton(m.nick) == skeleton]
    return f"{known.nick} ({known.member_id})" if alike else known.nick


def _known_nick(nick: str, members: Sequence[Member]) -> Member | None:
    """The member behind a `member-<id>` placeholder, once their nickname has arrived."""
    if not nick.startswith(FALLBACK_NICK_PREFIX):
        return None
    member_id = nick.removeprefix(FALLBACK_NICK_PREFIX)
    for member in members:
        if member.member_id == member_id and not member.nick.startswith(FALLBACK_NICK_PREFIX):
            return member
    return None


# ----------------------------------------------------------------------------- states

# TRANSLATORS: (context "state") one word for a group's state, its connection or a role, as
# shown in the group list: "Tuesday circle - active, owner, connected".
# Written out one by one: the extractor finds only literal strings.
_STATE_WORDS = {
    "pending": NP_("state", "pending"),
    "active": NP_("state", "active"),
    "denied": NP_("state", "denied"),
    "removed": NP_("state", "removed"),
    "banned": NP_("state", "banned"),
    "left": NP_("state", "left"),
    "connecting": NP_("state", "connecting"),
    "connected": NP_("state", "connected"),
    "offline": NP_("state", "offline"),
    "owner": NP_("state", "owner"),
    "moderator": NP_("state", "moderator"),
    "member": NP_("state", "member"),
    "muted": NP_("state", "muted"),
}


def state_word(word: str) -> str:
    """A state, connection or role word in the interface language (unknown words as they are)."""
    return pgettext("state", word) if word in _STATE_WORDS else word


# ----------------------------------------------------------------------------- times


def utc_time(ms: int, *, date: bool = True) -> str:
    """One form for every time peertui shows: in UTC, said so, in the interface language.

    English, the source language, keeps ISO 8601 ("2026-12-01 09:12 UTC": CLDR's "en" is the
    US order, ambiguous to most readers of English); every other language takes its CLDR
    numeric date and 24-hour time from Babel ("1/12/2026 9:12 UTC" in Spanish).
    """
    from datetime import UTC, datetime

    from babel.dates import format_skeleton

    moment = datetime.fromtimestamp(ms / 1000, UTC)
    if current_language() == "en":
        return moment.strftime("%Y-%m-%d %H:%M UTC" if date else "%H:%M UTC")
    locale = current_locale()
    clock = format_skeleton("Hm", moment, tzinfo=UTC, locale=locale)
    if not date:
        return f"{clock} UTC"
    return f"{format_skeleton('yMMdd', moment, tzinfo=UTC, locale=locale)} {clock} UTC"


def number(n: float) -> str:
    """A count or amount with the interface language's digit grouping ("12,500", "12.500")."""
    from babel.numbers import format_decimal

    return format_decimal(n, locale=current_locale())


# ----------------------------------------------------------------------------- moderation log

_ACTION_WORDS = {
    "admit": N_("admitted"),
    "remove": N_("removed"),
    "ban": N_("banned"),
    "unban": N_("unbanned"),
    "mute": N_("muted"),
    "unmute": N_("unmuted"),
    "role": N_("changed the role of"),
    "slowmode": N_("set slow mode"),
    "readonly": N_("set read-only"),
    "delete": N_("removed a message"),
    "guidelines": N_("changed the guidelines"),
    "warn": N_("warned"),
    "leave": N_("left"),
}


def modlog_line(entry: ModLogEntry, members: Sequence[Member] = (), *, dated: bool = True) -> str:
    """One log entry: `#3 2026-12-01 09:12 UTC sam (owner) muted robin until ...: reason`.

    `dated=False` is the same sentence as a live notice, where the moment is now anyway.
    """
    who = f"{display_name(entry.actor_nick, members)} ({role_word(entry.actor_role)})"
    verb = _(_ACTION_WORDS[entry.action]) if entry.action in _ACTION_WORDS else entry.action
    if entry.action == "guidelines" and not entry.value:
        verb = _("set the guidelines")  # the group's first: nothing was changed
    line = f"#{entry.index} {utc_time(entry.ts)} {who} {verb}" if dated else f"{who} {verb}"
    target = _target_name(entry, members)
    if target:
        line += f" {target}"
    setting = _setting_words(entry)
    if setting:
        line += f" {setting}"
    if entry.until:
        line += " " + _("until {when}").format(when=utc_time(entry.until, date=dated))
    if entry.reason:
        line += f": {entry.reason}"
    elif entry.action == "warn":
        line += " " + _("(the reason went to them privately)")
    return line


_ROLE_WORDS = {"owner": N_("owner"), "moderator": N_("moderator"), "member": N_("member")}


def role_word(role: str) -> str:
    """A group role in the reader's language (core and the relay say it as a fixed word)."""
    return _(_ROLE_WORDS[role]) if role in _ROLE_WORDS else role


def _setting_words(entry: ModLogEntry) -> str:
    """What a moderator set, in the reader's language (core gives only the typed value)."""
    if entry.action == "slowmode":
        if not entry.value:
            return pgettext("slow mode", "off")
        return ngettext("to {n} second", "to {n} seconds", entry.value).format(n=entry.value)
    if entry.action == "readonly":
        return pgettext("read-only", "on") if entry.value else pgettext("read-only", "off")
    if entry.action == "role" and entry.role:
        return _("to {role}").format(role=role_word(entry.role))
    return ""


def _target_name(entry: ModLogEntry, members: Sequence[Member]) -> str:
    """Who an action was about: their nickname, or words for someone whose nickname has not
    arrived yet — never a raw member id where a name can be known."""
    if entry.target_nick:
        return display_name(entry.target_nick, members)
    if not entry.target_id:
        return ""
    known = next((m for m in members if m.member_id == entry.target_id), None)
    if known is not None and not known.nick.startswith(FALLBACK_NICK_PREFIX):
        return display_name(known.nick, members)
    if entry.action == "admit":
        return _("a new member")
    if not entry.target_was_member:
        # Banned while only asking to join: their requested nickname was never a member's.
        return _("someone who asked to join")
    return _("a member (id {member_id})").format(member_id=entry.target_id)


def mod_action(entry: ModLogEntry, members: Sequence[Member] = ()) -> str:
    """A moderation action as a live notice or a line in the conversation (no number, no
    date: the conversation is already in time order)."""
    return _("Moderation: {line}.").format(
        line=modlog_line(entry, members, dated=False).rstrip(".")
    )


SAFETY_STILL_WORKS = N_(
    "Crisis lines ({crisis}), grounding ({ground}) and your safety plan ({plan}) still work."
)


@dataclass(frozen=True)
class HelpKeys:
    """How a front-end reaches the safety features and the log: plain mode's commands here;
    the TUI passes its keys ("F1", ...), so both say the same sentence."""

    crisis: str = "/crisis"
    ground: str = "/ground"
    plan: str = "/plan"
    modlog: str = "/modlog"


def sanction_help(entry: ModLogEntry, group_name: str, keys: HelpKeys = HelpKeys()) -> str:
    """Said to the member a mute is about, after its log line: what it means, until when,
    where the log is, and that help outside the group still works ("" for any other action:
    a removal or a ban is said by the engine's notice that follows, `told`, so once)."""
    if entry.action != "mute":
        return ""
    what = _(
        "You are muted in {name} until {when}: you can read but not post, and it ends by itself."
    ).format(name=group_name, when=utc_time(entry.until))
    return f"{what} {_where_help_is(keys)}"


def membership_lost(banned: bool, group_name: str, keys: HelpKeys = HelpKeys()) -> str:
    """Told to a member removed or banned (from the log's entry or the relay's word): what it
    means, where the log is, and that help outside the group still works."""
    if banned:
        what = _(
            "You were banned from {name}: you can no longer read or post there, or ask to "
            "join again."
        ).format(name=group_name)
    else:
        what = _(
            "You were removed from {name}: you can no longer read or post there; a new invite "
            "lets you ask to join again."
        ).format(name=group_name)
    return f"{what} {_where_help_is(keys)}"


def _where_help_is(keys: HelpKeys) -> str:
    log = _("The moderation log ({modlog}) shows who did it and why.").format(modlog=keys.modlog)
    safety = _(SAFETY_STILL_WORKS).format(crisis=keys.crisis, ground=keys.ground, plan=keys.plan)
    return f"{log} {safety}"


def report_before_acting(nick: str, number: int | None, reason: str, report_index: int) -> str:
    """Told to a moderator who warns, mutes, removes or bans someone whose last reported
    message is still on the reports list: which message it was, and how to deal with it."""
    which = _("message #{n}").format(n=number) if number else _("a message")
    return _(
        "{nick}'s {which} was flagged in a report: {reason}. /delete {n} <reason> removes it "
        "for everyone; /dismiss {report} takes the report off the list."
    ).format(nick=nick, which=which, reason=reason, n=number or "<n>", report=report_index)


def report_dismissed(number: int, report: Report) -> str:
    """Said after /dismiss <n>, in both front-ends: which report left the list."""
    return _(
        "Dismissed report {n} (about {nick}'s message: {reason}); the other reports are renumbered."
    ).format(n=number, nick=report.reported_nick, reason=report.reason)


def posting_status(info: GroupInfo, me: Member | None, now_ms: int) -> str:
    """Whether I can post in a group now, and if not why and until when ("muted until 09:36
    UTC"): /status in plain mode, the status line in the TUI."""
    if info.state == "pending":
        return _("You cannot post yet: your request to join is waiting for a moderator.")
    if info.state != "active":
        return _("You cannot post here any more.")
    if me is not None and me.muted_until > now_ms:
        return _("You are muted until {when}: you can read but not post.").format(
            when=utc_time(me.muted_until, date=me.muted_until - now_ms > 20 * 3600 * 1000)
        )
    if info.readonly and (me is None or me.role not in ("owner", "moderator")):
        return _("The group is read-only: only moderators may post.")
    if not info.guidelines_accepted:
        return _("Accept the group's guidelines before posting (/guidelines, then /accept).")
    if info.slowmode_seconds:
        return ngettext(
            "You can post (slow mode: one message every {n} second).",
            "You can post (slow mode: one message every {n} seconds).",
            info.slowmode_seconds,
        ).format(n=info.slowmode_seconds)
    return _("You can post.")


def status_lines(info: GroupInfo, me: Member | None, now_ms: int) -> list[str]:
    """/status in both front-ends: the current group, who I am there, its relay, and
    `posting_status`."""
    from peertui.core.models import CONNECTED

    role = role_word(info.role) if info.role else _("waiting for approval")
    relay = (
        _("the relay is connected")
        if info.connection == CONNECTED
        else _("the relay is not reachable now; messages you write wait until it is back")
    )
    return [
        _("Current group: {name} (you are {nick}, {role}); {relay}.").format(
            name=group_name(info.name, state_said=not info.role),
            nick=info.nick,
            role=role,
            relay=relay,
        ),
        posting_status(info, me, now_ms),
    ]


def private_warning(reason: str) -> str:
    return _("A moderator warned you privately: {reason}").format(reason=reason)


# ----------------------------------------------------------------------------- messages

MessageState = Literal["shown", "removed", "hidden", "folded", "warning"]


@dataclass(frozen=True)
class MessageParts:
    """What a message line says, before a front-end adds its number, styles or open hint.

    `label` explains a message that is not shown in full (removed, hidden, folded, content
    warning); `text` is the message itself and is empty unless it may be shown.
    """

    nick: str
    state: MessageState
    label: str = ""
    cw: str = ""
    text: str = ""
    waiting: bool = False  # not yet accepted by the relay
    late_before: int = 0  # arrived after messages written later: the number it comes before

    @property
    def closed(self) -> bool:
        """True when the person chooses to open it (a hint to open it belongs after it)."""
        return self.state in ("hidden", "folded", "warning")


def message_parts(
    message: Message,
    *,
    hidden_because: str = "",
    opened: bool = False,
    members: Sequence[Member] = (),
) -> MessageParts:
    """A message as it may be shown on this device: removed, hidden or folded in words."""
    nick = display_name(message.nick, members)
    late = ordering.late_before(message)
    if message.removed_reason is not None:
        label = _("removed by moderators: {reason}").format(reason=message.removed_reason)
        return MessageParts(nick, "removed", label, late_before=late)
    waiting = message.seq <= 0
    if not opened:
        if hidden_because:
            label = _("hidden: {why}").format(why=hidden_because)
            return MessageParts(nick, "hidden", label, late_before=late)
        fold = message.extra.get("fold", "") if isinstance(message.extra, dict) else ""
        if fold:
            label = _("folded: {why}").format(why=fold)
            return MessageParts(nick, "folded", label, message.cw, late_before=late)
        if message.cw:
            label = _("content warning: {topic}").format(topic=message.cw)
            return MessageParts(nick, "warning", label, message.cw, late_before=late)
    label = _("content warning: {topic}").format(topic=message.cw) if message.cw else ""
    return MessageParts(nick, "shown", label, message.cw, message.text, waiting, late)


def late_arrivals(late: Sequence[Message]) -> str:
    """Said once for the late messages of one update, by a view that puts them at their place
    above the newest line (the TUI)."""
    first = late[0]
    if len(late) == 1:
        return _(
            "A message from {nick} arrived late; it is shown above, at its place: #{n}, before "
            "#{before}."
        ).format(nick=first.nick, n=first.number, before=ordering.late_before(first))
    return ngettext(
        "{count} message arrived late; it is shown above, at its place (from #{n}, before "
        "#{before}).",
        "{count} messages arrived late; they are shown above, at their places (the first "
        "#{n}, before #{before}).",
        len(late),
    ).format(count=len(late), n=first.number, before=ordering.late_before(first))


def late_note(before: int) -> str:
    """Said with a message that arrived after messages written later than it (see
    `peertui.ui.ordering`): why its number is higher than the ones after it."""
    return _("(arrived late: its place is before #{n})").format(n=before)


# ----------------------------------------------------------------------------- events


@dataclass(frozen=True)
class EventContext:
    """What the words for an event need to know about the group it happened in."""

    group_name: str
    members: Sequence[Member] = ()
    message_number: int | None = None  # the number the person saw for an event's message


def event_lines(event: ev.Event, context: EventContext) -> list[Line]:
    """The sentences for one engine event (messages and connection changes excepted: they
    need the front-end's own numbering and memory, see `message_parts` and `ConnectionNews`)."""
    name = context.group_name
    members = context.members
    match event:
        case ev.MessageRemoved(reason=reason):
            which = (
                _("Message #{n}").format(n=context.message_number)
                if context.message_number
                else _("A message")
            )
            return [
                notice(
                    _("{which} was removed by moderators: {reason}").format(
                        which=which, reason=reason
                    )
                )
            ]
        case ev.MemberJoined(member=member):
            return [notice(_("{nick} joined.").format(nick=display_name(member.nick, members)))]
        case ev.MemberLeft(member=member, how=how):
            # Removals and bans are announced by their moderation-log line: said once.
            if how in ("removed", "banned"):
                return []
            return [notice(_("{nick} left.").format(nick=display_name(member.nick, members)))]
        case ev.JoinRequested(request=request):
            return request_lines(request)
        case ev.JoinApproved(language=language):
            return [
                notice(_("You are now a member of {name}.").format(name=name)),
                *([output(group_language_line(language))] if language else []),
                # The guidelines follow only when they still need accepting: the rule is
                # `peertui.ui.flows.approval_lines`, for both front-ends.
            ]
        case ev.GroupLanguageChanged(language=language, by=by):
            who = display_name(by, members)
            if not language:
                return [
                    notice(_("{nick} took away the group's declared language.").format(nick=who))
                ]
            return [
                notice(
                    _("{nick} declared the group's language: {language}.").format(
                        nick=who, language=language_name(language)
                    )
                )
            ]
        case ev.JoinDenied(reason=reason):
            if reason:
                text = _("Your request to join {name} was declined: {reason}")
            else:
                text = _("Your request to join {name} was declined.")
            return [notice(text.format(name=name, reason=reason))]
        case ev.GapDetected(missed_from=first, missed_to=last):
            return [
                notice(
                    _(
                        "Some messages (relay numbers {first} to {last}) expired on the relay "
                        "before this computer could fetch them."
                    ).format(first=first, last=last)
                )
            ]
        case ev.Warned(reason=reason):
            return [notice(private_warning(reason))]
        case ev.ModAction(entry=entry):
            return [notice(mod_action(entry, members))]
        case ev.ReportReceived(report=report):
            if any(m.is_me and m.member_id == report.reported_member_id for m in members):
                # A moderator reported for their own message reads it as theirs, not by name.
                said = _("New report about your message: {reason}. /reports lists reports.")
                return [notice(said.format(reason=report.reason))]
            return [
                notice(
                    _(
                        "New report about {nick}'s message: {reason}. /reports lists reports."
                    ).format(nick=display_name(report.reported_nick, members), reason=report.reason)
                )
            ]
        case ev.ErrorOccurred():
            return [error(told(event, name))]
        case ev.ReceivingPaused(problem=cause):
            return [error(problems.receiving_paused(cause))]
        case ev.RelayRewound(restored=restored, log_end=end, already_read=read):
            return [error(problems.relay_rewound(restored, end, read))]
        case ev.SendingWaits(slow_mode=slow, seconds=seconds, ahead=ahead):
            return [notice(problems.sending_waits(slow, seconds, ahead))]
        case ev.RosterWarning():
            return [error(roster_warning(event))]  # a fork, a split view, a copied key
        case ev.MessagesMissing():
            return [error(messages_missing(event))]  # protocol v2: a gap
        case ev.Notice():
            return [notice(told(event, name))]
    return []


def told(event: ev.Notice | ev.ErrorOccurred, group: str, keys: HelpKeys = HelpKeys()) -> str:
    """The sentence for a notice or an error the engine reported; `group` is the group's name
    as shown (`group_name`), `keys` how this front-end reaches help and the log."""
    said = event.said
    detail = relay_said(event.cause) if event.cause is not None else event.detail
    if (received := receive_notice(event)) is not None:
        return received
    match said:
        case None:
            return event.text
        case ev.Said.LEFT:
            return _("You left {name}.").format(name=group)
        case ev.Said.REMOVED:
            return membership_lost(False, group, keys)
        case ev.Said.BANNED:
            return membership_lost(True, group, keys)
        case ev.Said.NOW_MODERATOR:
            return _("You are now a moderator of this group.")
        case ev.Said.GUIDELINES_CHANGED:
            return _("The group's guidelines changed: read them again with /guidelines.")
        case ev.Said.WELCOME_GUIDELINES_DIFFER:
            return _(
                "The guidelines you were welcomed with are not the ones the group's signed "
                "roster names; ask a moderator about it."
            )
        case ev.Said.RECEIVING_RESUMED:
            return _("There is space again: receiving resumed.")
        case ev.Said.FOREIGN_SHARE_IGNORED:
            return _("Ignored a session key from someone not in the group.")
        case ev.Said.UNREADABLE_JOIN_REQUEST:
            return _(
                "A join request arrived that this device cannot read (its invite was made on "
                "another device)."
            )
        case ev.Said.JOIN_KEY_ALTERED:
            return _("Ignored a join request whose key was altered in transit.")
        case ev.Said.JOIN_REPLY_DAMAGED:
            return _("Ignored a join request with a damaged reply key.")
        case ev.Said.CONNECTION_PROBLEM:
            return _("The connection hit a problem ({exc}); reconnecting.").format(exc=detail)
        case ev.Said.EVENT_SKIPPED:
            return _("Skipped an event that could not be processed: {exc}").format(exc=detail)
        case ev.Said.STREAM_REFUSED:
            return _("The relay refused this group's stream: {detail}").format(detail=detail)
    if isinstance(event, ev.Notice):
        if said is ev.Said.REQUEST_CLOSED:
            return _("Another moderator declined {nick}'s request to join.").format(nick=event.nick)
        if said is ev.Said.SENDING_HELD:
            return ngettext(
                "Could not send yet: {why} {waiting} waiting message stays queued and goes "
                "out by itself.",
                "Could not send yet: {why} {waiting} waiting messages stay queued and go out "
                "by themselves.",
                event.count,
            ).format(why=detail, waiting=event.count)
    return event.text or said.value


def group_language_line(language: str) -> str:
    """The group's declared language, named in its own words ("Español")."""
    return _("This group's language: {language}.").format(language=language_name(language))


def request_lines(request: JoinRequest) -> list[Line]:
    pronouns = f" ({request.pronouns})" if request.pronouns else ""
    lines = [
        notice(
            _(
                "{nick}{pronouns} asks to join. Type /approve {nick} to let them in, or "
                "/deny {nick} [reason] to decline."
            ).format(nick=request.nick, pronouns=pronouns)
        )
    ]
    if request.intro:
        lines.append(output(_("Their introduction: {intro}").format(intro=request.intro)))
    return lines


ACCEPT_BEFORE_POSTING = N_(
    "Before your first message, accept this group's guidelines: type /accept (/guidelines "
    "shows them again). If you write first, you are asked then, and your words are kept."
)


def guideline_lines(guidelines: str, heading: str = "") -> list[Line]:
    items = [line for line in guidelines.splitlines() if line.strip()]
    if not items:
        return []
    return [output(heading or _("Group guidelines:")), *(output(item) for item in items)]


class ConnectionNews:
    """One line when a group goes offline and one when it is back; retries are not news."""

    def __init__(self) -> None:
        self._state: dict[str, str] = {}

    def line(self, group_id: str, state: str, name: str) -> Line | None:
        """`name` is the group's own name, "" while a request to join it waits for approval
        (the name arrives with the welcome): that state is said in words of its own."""
        from peertui.core.models import CONNECTED

        before = self._state.get(group_id)
        if state == before or state == "connecting":
            return None
        self._state[group_id] = state
        if not name:
            return notice(self._waiting(state, again=before is not None))
        if state == CONNECTED and before is None:
            return notice(_("Connected to the relay of {name}.").format(name=name))
        if state == CONNECTED:
            return notice(_("Connected to the relay of {name} again.").format(name=name))
        return notice(
            _(
                "The relay of {name} is not reachable; peertui keeps trying by itself, and "
                "messages you write wait until it is back."
            ).format(name=name)
        )

    @staticmethod
    def _waiting(state: str, *, again: bool) -> str:
        from peertui.core.models import CONNECTED

        if state == CONNECTED and not again:
            return _(
                "Connected to the relay. Your request to join is waiting for a moderator's "
                "approval."
            )
        if state == CONNECTED:
            return _(
                "Connected to the relay again. Your request to join is still waiting for a "
                "moderator's approval."
            )
        return _(
            "The relay is not reachable; peertui keeps trying by itself, and your request to "
            "join still waits for a moderator's approval."
        )


def queued_offline(number: int) -> str:
    """Said once for each message written while the relay is away; its own line `#N nick:
    text` is printed only when the relay has taken it."""
    return _(
        "Not connected: message #{n} is saved, queued, and sent when the relay is back."
    ).format(n=number)


def join_waiting(nick: str) -> str:
    return _(
        "Asked to join as '{nick}'. A moderator has to approve you; you will see a line here "
        "when they do."
    ).format(nick=nick)


def not_sent(text: str, why: str = "") -> str:
    """Words given back when a message could not go out: nothing typed is lost."""
    if why:
        return _("Not sent ({why}); your words: {text}").format(why=why, text=text)
    return _("Not sent; your words: {text}").format(text=text)


def unsent_after_removal(name: str, text: str) -> str:
    """Said when the moderators remove or ban someone who had words not yet sent there (the
    TUI's message box, a kept draft, a line typed as it happened): the words whole, to copy,
    since that group can no longer take them."""
    return _("Not sent: {name} no longer takes your messages. Your words, to copy: {text}").format(
        name=name, text=text
    )


def message_returned(reason: str, text: str, kept: str) -> str:
    """A waiting message the relay will never take (`ev.MessageReturned`): why, where its words
    are kept (`kept`, one of the `KEPT_*` sentences or `kept_in_draft_of`), and the words."""
    why = reason.strip().rstrip(".") or _("the relay refused it")
    return _("Could not send a waiting message: {why}. {kept} Your words: {text}").format(
        why=why, kept=kept, text=text
    )


# Marked here, translated where said: `_(KEPT_AS_DRAFT)`.
KEPT_AS_DRAFT = N_("It is kept as your draft: /draft shows it, /draft send sends it.")
KEPT_IN_COMPOSER = N_("It is back in the message box.")
KEPT_AFTER_TYPING = N_("It is back in the message box, after what you were typing.")


def kept_in_draft_of(name: str) -> str:
    return _("It is kept as the draft of {name}: it is back in the box when you open it.").format(
        name=name
    )


def export_words() -> ExportWords:
    """The headings and labels of a history export, in the interface language."""
    from peertui.core.store import ExportWords

    return ExportWords(
        # TRANSLATORS: the first line of a history export file; {name} is the group's name.
        title=_('peertui export of the group "{name}"'),
        written=_(
            "Written {when}. This file is NOT encrypted: anyone who can read it can read this "
            "conversation."
        ),
        # TRANSLATORS: in a history export, in brackets where a removed message was.
        removed=_("removed by moderators: {reason}"),
        # TRANSLATORS: in a history export, in square brackets before a message's text.
        content_warning=_("content warning: {cw}"),
    )


def join_list(words: Iterable[str], last: Literal["or", "and"] = "or") -> str:
    """'a', 'a or b', 'a, b or c' — how choices are named in a question.

    English keeps its form without the serial comma (docs/PLAIN_MODE.md quotes it); other
    languages take CLDR's list patterns from Babel ("a, b o c", "a, b ou c").
    """
    from babel.lists import format_list

    items = list(words)
    if len(items) <= 1:
        return "".join(items)
    if current_language() == "en":
        return f"{', '.join(items[:-1])} {last} {items[-1]}"
    return format_list(items, style="or" if last == "or" else "standard", locale=current_locale())


def thanked(number: int, nick: str) -> str:
    """Said after /thanks (or t): who was thanked, for which message."""
    return _("Thanked {nick} for message #{n}.").format(nick=nick, n=number)


def reported(number: int, nick: str) -> str:
    """Said after a report: which message (number and author) went to the moderators. "You"
    leads, so the author's name cannot be heard as the one who reported."""
    return _(
        "You reported message #{n} (by {nick}) to the moderators. {nick} is not told who "
        "reported it."
    ).format(n=number, nick=nick)
