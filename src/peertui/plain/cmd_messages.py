"""Plain handlers for messages: sending, content warnings, history, search, reports, hiding,
drafts, the moderation log and exports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from peertui.core.errors import PeertuiError
from peertui.core.models import BANNED, LEFT, REMOVED
from peertui.core.store import StoreError
from peertui.plain.registry import handles
from peertui.plain.session import NOT_IN_A_GROUP
from peertui.ui import actions, commands, flows, wording
from peertui.ui.problems import message_not_saved
from peertui.ui.problems import problem as worded
from peertui.ui.received import hidden_reason
from peertui.ui.wording import _, ngettext, utc_time

if TYPE_CHECKING:
    from peertui.core.models import Member
    from peertui.core.store import Message
    from peertui.plain.session import PlainSession


async def send(s: PlainSession, text: str, cw: str = "") -> bool:
    """Send through the personal-details check; whatever is not sent is kept as the draft."""
    if s.current is None:
        # Nowhere to keep it either: the words are printed back.
        s.console.error(_(NOT_IN_A_GROUP))
        s.console.output(wording.not_sent(text))
        return False
    group_id = s.current
    flow = flows.SendFlow(s.engine, group_id, text, cw)
    try:
        sent = await flow.run(s)
    except PeertuiError as problem:
        # Muted, read-only, waiting for approval...: say why, and keep the words.
        s.console.error(worded(problem))
        s.keep_draft(flow.kept or text)
        if s.engine.group(group_id).state in (REMOVED, BANNED, LEFT):
            # Removed while typing: /draft send can never send it there; printed to copy.
            s.console.output(wording.unsent_after_removal(s.name(group_id), flow.kept or text))
            return False
        s.console.output(
            _("Not sent; kept as your draft (/draft send sends it later): {text}").format(
                text=flow.kept or text
            )
        )
        return False
    except StoreError as problem:
        # Usually a full disk: the message could not be saved to go out. Said once, with the
        # words kept as the draft (in memory if the disk cannot take even that).
        kept = flow.kept or text
        s.keep_draft(kept)
        s.console.error(message_not_saved(problem, "plain", s.engine.draft_on_disk(group_id)))
        s.console.output(_("Kept as your draft, not sent: {text}").format(text=kept))
        return False
    if sent is None:
        s.keep_draft(flow.kept)
        return False
    return True


@handles("peertui.content_warning")
async def content_warning(s: PlainSession, argument: str) -> None:
    topic, bar, text = argument.partition("|")
    if not bar or not topic.strip() or not text.strip():
        raise commands.usage(
            actions.by_id("peertui.content_warning"),
            _("Write the topic, a |, then the message, for example /cw loss | my dog died today."),
        )
    await send(s, text.strip(), cw=topic.strip())


@handles("peertui.open_warning")
async def open_warning(s: PlainSession, argument: str) -> None:
    action = actions.by_id("peertui.open_warning")
    group_id, msg_id = s.message_by_number(commands.need(argument, action), action)
    message = s.engine.message(group_id, msg_id)
    s.book.open(message.number)
    s.console.message(s.book.line(message, s.label(group_id), members=s.members_of(group_id)))


@handles("peertui.older")
async def older(s: PlainSession, argument: str) -> None:
    action = actions.by_id("peertui.older")
    limit = commands.whole_number(argument, action, _("n")) if argument else 20
    if limit < 1:
        raise commands.usage(action, _("Ask for 1 message or more."))
    group_id = s.group()
    messages = s.engine.history(group_id, limit=limit)
    if not messages:
        s.console.notice(_("No messages yet."))
    await s.show(_message_lines(s, messages))
    s.engine.mark_read(group_id)


def _message_lines(s: PlainSession, messages: list[Message]) -> list[wording.Line]:
    members: dict[str, list[Member]] = {}
    lines = []
    for message in messages:
        if message.group_id not in members:
            members[message.group_id] = s.members_of(message.group_id)
        text = s.book.line(
            message,
            s.label(message.group_id),
            hidden_reason(s.engine.why_hidden(message)),
            members[message.group_id],
        )
        lines.append(wording.Line("message", text))
    return lines


@handles("peertui.search")
async def search(s: PlainSession, argument: str) -> None:
    found = s.engine.search(commands.need(argument, actions.by_id("peertui.search")))
    if not found:
        # The app's words for it ("0 messages found" read as a count of nothing).
        s.console.notice(_("Nothing found in your history."))
        return
    s.console.notice(
        ngettext("{n} message found.", "{n} messages found.", len(found)).format(n=len(found))
    )
    await s.show(_message_lines(s, found))


@handles("peertui.thank")
async def thank(s: PlainSession, argument: str) -> None:
    action = actions.by_id("peertui.thank")
    group_id, msg_id = s.message_by_number(commands.need(argument, action), action)
    await s.engine.thank(group_id, msg_id)
    thanked = s.engine.message(group_id, msg_id)
    s.console.notice(wording.thanked(thanked.number, thanked.nick))


@handles("peertui.report")
async def report(s: PlainSession, argument: str) -> None:
    action = actions.by_id("peertui.report")
    number, _sep, reason = argument.partition(" ")
    group_id, msg_id = s.message_by_number(commands.need(number, action), action)
    # A possible cry for help needs no reason typed: its note says /report N is enough.
    reason = reason.strip() or flows.default_report_reason(s.engine.message(group_id, msg_id))
    if not reason:
        raise commands.usage(action, _("The reason helps the moderators."))
    await s.engine.report(group_id, msg_id, reason)
    reported = s.engine.message(group_id, msg_id)
    # Named back (number and author) so the person hears which message went to the moderators.
    s.console.notice(wording.reported(reported.number, reported.nick))


@handles("peertui.hide")
async def hide(s: PlainSession, argument: str) -> None:
    action = actions.by_id("peertui.hide")
    group_id, msg_id = s.message_by_number(commands.need(argument, action), action)
    s.engine.hide_message(group_id, msg_id)
    number = s.engine.message(group_id, msg_id).number
    s.console.notice(_("Message #{n} is hidden for you only; /open {n} shows it.").format(n=number))


@handles("peertui.ignore")
async def ignore(s: PlainSession, argument: str) -> None:
    who = commands.need(argument, actions.by_id("peertui.ignore"))
    member = s.engine.ignore_member(s.group(), who)
    s.console.notice(
        _("You hid {nick}'s messages (for you only); /unignore {nick} shows them again.").format(
            nick=member.nick
        )
    )


@handles("peertui.ignore_keyword")
async def ignore_keyword(s: PlainSession, argument: str) -> None:
    word = commands.need(argument, actions.by_id("peertui.ignore_keyword"))
    s.engine.ignore_word(word)
    s.console.notice(
        _(
            "You hid messages containing '{word}' (for you only); /unignore word {word} shows "
            "them again."
        ).format(word=word)
    )


@handles("peertui.unhide")
async def unhide(s: PlainSession, argument: str) -> None:
    action = actions.by_id("peertui.unhide")
    kind, _sep, word = commands.need(argument, action).partition(" ")
    hidden_members, hidden_words = s.engine.hidden(s.group())
    if kind.lower() == "word" and word.strip():
        if word.strip().casefold() not in hidden_words:
            raise commands.UsageError(_("'{word}' is not a hidden word.").format(word=word.strip()))
        s.engine.unignore(word.strip())
        s.console.notice(
            _("Messages containing '{word}' are shown again.").format(word=word.strip())
        )
        return
    wanted = argument.strip().casefold()
    matches = [
        m for m in hidden_members if m.nick.casefold() == wanted or m.member_id.startswith(wanted)
    ]
    if len(matches) != 1:
        raise commands.UsageError(
            _("You have not hidden anyone called '{who}' in this group.").format(who=argument)
        )
    s.engine.unignore(matches[0].key)
    s.console.notice(_("Messages from {nick} are shown again.").format(nick=matches[0].nick))


@handles("peertui.draft")
async def draft(s: PlainSession, argument: str) -> None:
    group_id = s.group()
    kept = [line for line in s.engine.draft(group_id).split("\n") if line.strip()]
    choice = argument.strip().casefold()
    if choice not in ("", "send", "clear"):
        raise commands.usage(actions.by_id("peertui.draft"))
    if not kept:
        s.console.notice(_("No draft is kept for {name}.").format(name=s.name(group_id)))
        return
    if choice == "":
        s.console.notice(
            ngettext("Kept, not sent ({n} line):", "Kept, not sent ({n} lines):", len(kept)).format(
                n=len(kept)
            )
        )
        await s.show_output(kept)
        s.console.notice(_("/draft send sends them; /draft clear forgets them."))
        return
    s.engine.save_draft(group_id, "")
    if choice == "clear":
        s.console.notice(_("The draft is forgotten."))
        return
    for index, text in enumerate(kept):
        if not await send(s, text):
            # The one that failed is kept again by send(); keep the rest behind it.
            for rest in kept[index + 1 :]:
                s.keep_draft(rest)
            return


@handles("peertui.warnings")
async def warnings(s: PlainSession, argument: str) -> None:
    received = s.engine.my_warnings(s.group())
    if not received:
        s.console.notice(_("No moderator has warned you in this group."))
    await s.show_output(
        [
            _("{when} a moderator warned you: {reason}").format(when=utc_time(ts), reason=reason)
            for ts, reason in received
        ]
    )


@handles("peertui.modlog")
async def modlog(s: PlainSession, argument: str) -> None:
    group_id = s.group()
    entries = s.engine.modlog(group_id)
    if not entries:
        s.console.notice(_("The moderation log is empty."))
    members = s.members_of(group_id)
    await s.show_output([wording.modlog_line(entry, members) for entry in entries])


@handles("peertui.export")
async def export(s: PlainSession, argument: str) -> None:
    path = Path(commands.need(argument, actions.by_id("peertui.export"))).expanduser()
    group_id = s.group()
    overwrite = await flows.may_replace(s, path, _("this group's history"))
    if overwrite is None:
        return
    written, count = s.engine.export(group_id, path, wording.export_words(), overwrite=overwrite)
    s.console.notice(
        ngettext(
            "Wrote {n} message to {path}. That file is not encrypted.",
            "Wrote {n} messages to {path}. That file is not encrypted.",
            count,
        ).format(n=count, path=written)
    )
