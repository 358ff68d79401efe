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

__all__ = ["N_", "_", "ngettext", "pgettext"]  # the front-ends take the hook from here

if TYPE_CHECKING:
    from peertui.core.models import JoinRequest, Member, ModLogEntry
    from peertui.core.store import Message


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
    return _("a member (id {member_id})").format(member_id=entry.target_id)


def mod_action(entry: ModLogEntry, members: Sequence[Member] = ()) -> str:
    """A moderation action as a live notice or a line in the conversation (no number, no
    date: the conversation is already in time order)."""
    return _("Moderation: {line}.").format(
        line=modlog_line(entry, members, dated=False).rstrip(".")
    )


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
        case ev.JoinApproved(guidelines=guidelines, language=language):
            return [
                notice(_("You are now a member of {name}.").format(name=name)),
                *([output(group_language_line(language))] if language else []),
                *guideline_lines(guidelines),
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
            return [
                notice(
                    _(
                        "New report about {nick}'s message: {reason}. /reports lists reports."
                    ).format(nick=display_name(report.reported_nick, members), reason=report.reason)
                )
            ]
        case ev.ErrorOccurred(text=text):
            return [error(text)]
        case ev.ReceivingPaused(problem=cause):
            return [error(problems.receiving_paused(cause))]
        case ev.RelayRewound(restored=restored, log_end=end, already_read=read):
            return [error(problems.relay_rewound(restored, end, read))]
        case ev.SendingWaits(slow_mode=slow, seconds=seconds, ahead=ahead):
            return [notice(problems.sending_waits(slow, seconds, ahead))]
        case ev.RosterWarning(text=text) | ev.MessagesMissing(text=text):
            return [error(text)]  # protocol v2: a fork, a split view, withheld changes, a gap
        case ev.Notice(text=text):
            return [notice(text)]
    return []


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

    def line(self, group_id: str, state: str, detail: str, name: str) -> Line | None:
        from peertui.core.models import CONNECTED

        before = self._state.get(group_id)
        if state == before or state == "connecting":
            return None
        self._state[group_id] = state
        if state == CONNECTED and before is None:
            return notice(detail or _("Connected to the relay of {name}.").format(name=name))
        if state == CONNECTED:
            return notice(_("Connected to the relay of {name} again.").format(name=name))
        return notice(
            _("The relay of {name} is not reachable; peertui keeps trying by itself.").format(
                name=name
            )
        )


def queued_offline(number: int) -> str:
    return _(
        "Not connected: message #{n} is saved and will be sent when the relay is reachable."
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
    """Said after a report: which message (number and author) went to the moderators."""
    return _(
        "Reported message #{n} by {nick} to the moderators. Its author is not told who reported it."
    ).format(n=number, nick=nick)
