"""What the receive path tells, in words: messages not shown and why, renames, thanks, gaps in
a sender's numbering, and rosters that disagree. Core (`peertui.core.group`,
`peertui.core.receive_rules`) emits the facts; both front-ends show these sentences. Each msgid
is the one core used to word itself, so its translations carry over."""

from __future__ import annotations

from peertui.core import events as ev
from peertui.core.models import Hidden
from peertui.core.receive_rules import NotShown
from peertui.i18n import N_, _, ngettext

# Written out one by one: the extractor finds only literal strings.
_NOT_SHOWN = {
    NotShown.NOT_MEMBER: N_("its sender is not a member of the group"),
    NotShown.MUTED: N_("its sender was muted by the moderators when it was sent"),
    NotShown.READ_ONLY: N_("the group is read-only: only moderators may post"),
    NotShown.KEYS_BEFORE_REMOVAL: N_(
        "it uses keys from before a removal; the sender may not be seeing the group's latest roster"
    ),
}


_HIDDEN = {
    Hidden.MEMBER: N_("you hid this member"),
    Hidden.MESSAGE: N_("you hid this message"),
    Hidden.WORD: N_("you hid a word in it"),
}


def hidden_reason(why: Hidden | None) -> str:
    """Why this device hides a message, or "" when it is shown."""
    return _(_HIDDEN[why]) if why is not None else ""


def not_shown(why: NotShown) -> str:
    """Why a message was not shown, as the end of "A message from ... was not shown: ..."."""
    return _(_NOT_SHOWN[why])


def receive_notice(event: ev.Notice | ev.ErrorOccurred) -> str | None:
    """The sentence for a notice the receive path reported, or None for any other."""
    match event.said:
        case ev.Said.MESSAGE_NOT_SHOWN:
            return _("A message from {nick} was not shown: {why}.").format(
                nick=getattr(event, "nick", ""), why=not_shown(NotShown(event.detail))
            )
        case ev.Said.NICK_CHANGED:
            return _("{old_nick} is now known as {nick}.").format(
                old_nick=event.detail, nick=getattr(event, "nick", "")
            )
        case ev.Said.THANKED | ev.Said.THANKED_YOU:
            return _thanked(event)
        case ev.Said.FORGED_GAP:
            return _(
                "The relay announced that events up to {last} were deleted, past its own newest "
                "event; that cannot be true, so peertui ignored it and keeps receiving."
            ).format(last=event.count)
    return None


def _thanked(event: ev.Notice | ev.ErrorOccurred) -> str:
    """Who was thanked ("you" for one's own message) and for which message; a message still
    held back from the history has no number yet (`count` 0)."""
    sender = getattr(event, "nick", "")
    if event.said is ev.Said.THANKED_YOU:
        if event.count:
            return _("{sender} thanked you for message #{n}.").format(sender=sender, n=event.count)
        return _("{sender} thanked you for a message.").format(sender=sender)
    if event.count:
        return _("{sender} thanked {nick} for message #{n}.").format(
            sender=sender, nick=event.detail, n=event.count
        )
    return _("{sender} thanked {nick} for a message.").format(sender=sender, nick=event.detail)


def messages_missing(event: ev.MessagesMissing) -> str:
    """A sender's numbering skipped: messages the relay did not deliver."""
    return ngettext(
        "{n} message from {nick} is missing: the relay did not deliver it.",
        "{n} messages from {nick} are missing: the relay did not deliver them.",
        event.count,
    ).format(n=event.count, nick=event.sender_nick)


def roster_warning(event: ev.RosterWarning) -> str:
    """A roster or key that disagrees with what this device holds, in words."""
    match event.kind:
        case "key":
            return _(
                "Someone published a key in your name in this group: your group key "
                "may have been copied. Ask a moderator to remove this membership and "
                "join again with a new invite."
            )
        case "copied":
            return _(
                "Someone posted in this group with your group key from another device: "
                "your key or a copy of this peertui home is in someone else's hands. Ask "
                "a moderator to remove this membership and join again with a new invite."
            )
        case "fork":
            return _(
                "Warning: this group's roster has two different versions of entry {index}. A "
                "moderator signed conflicting changes, or the relay is showing members "
                "different rosters. Compare with other members before trusting who is in the "
                "group."
            ).format(index=event.index)
        case "split":
            return _(
                "Warning: {nick} and you are being shown different versions of this "
                "group's roster (entry {index}). Compare with other members before "
                "trusting who is in the group."
            ).format(nick=event.nick, index=event.index)
        case "withheld":
            return _(
                "{nick} has seen roster changes that the relay does not show you; the "
                "relay may be hiding a removal. Your messages wait until this device "
                "sees them too."
            ).format(nick=event.nick)
    return event.kind
