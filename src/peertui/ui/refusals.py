"""The sentences of the engine's typed refusals (`peertui.core.errors.refused`): core says
which refusal and its facts, these words say it, the same for the TUI and plain mode. Each
msgid is the one core used to word itself, so its translations carry over."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from peertui.core.errors import PeertuiError, Why
from peertui.i18n import N_, _

# Written out one by one: the extractor finds only literal strings.
SENTENCES: dict[Why, str] = {
    Why.NICK_EMPTY: N_("A nickname needs at least one letter or digit."),
    Why.NICK_SPACES: N_("A nickname is one word (no spaces); try joining the words with - or _."),
    Why.NICK_CHARACTERS: N_("A nickname may use letters, digits and - _ . ' only."),
    Why.NICK_TOO_LONG: N_("A nickname can be at most {MAX_NICK} characters."),
    Why.NICK_MIXED_SCRIPTS: N_(
        "A nickname uses letters from one alphabet only, so it cannot imitate another."
    ),
    Why.MESSAGE_EMPTY: N_("Type something to send: the message is empty."),
    Why.MESSAGE_TOO_LONG: N_("A message can be at most {MAX_TEXT} characters; this one has {len}."),
    Why.MESSAGE_NUMBER_GONE: N_(
        "Message #{n} is no longer on this device: old history is deleted after the retention time, a left group's history goes with it, and a message that was never sent went back to its draft. Numbers are never given to another message."
    ),
    Why.GROUP_NAME_MISSING: N_("Give the group a name."),
    Why.RELAY_URL_SCHEME: N_("A relay address starts with http:// or https://."),
    Why.INVITE_USES_RANGE: N_("An invite can be used between 1 and 1000 times."),
    Why.ALREADY_IN_GROUP: N_("You are already in (or waiting to join) this group."),
    Why.JOIN_REQUEST_TOO_LONG: N_("The nickname, pronouns and introduction are too long together."),
    Why.MESSAGE_NOT_IN_HISTORY: N_("That message is not in your history."),
    Why.THANKS_FOR_OWN_MESSAGE: N_(
        "That is your own message; thanks are for what someone else wrote."
    ),
    Why.MESSAGE_STILL_WAITING: N_(
        "Message #{n} is still waiting to be sent, so it cannot be used yet."
    ),
    Why.NICK_LOOKS_TAKEN: N_(
        "Someone in this group is already called {nick}, which looks the same; pick another nickname."
    ),
    Why.LEAVE_BEFORE_FORGETTING: N_(
        "Leave the group before deleting its history from this device."
    ),
    Why.MESSAGE_NOT_ON_RELAY_YET: N_(
        "That message has not reached the relay yet, so there is nothing to remove there."
    ),
    Why.MESSAGE_TOO_OLD_TO_REMOVE: N_(
        "That message cannot be removed: it came from an older version."
    ),
    Why.GUIDELINES_TOO_LONG: N_("Guidelines can be at most 8000 characters."),
    Why.NOT_A_LANGUAGE: N_(
        'A group language is a language code such as "es" or "pt_BR", not "{value}".'
    ),
    Why.REPORT_OWN_MESSAGE: N_("You cannot report your own message."),
    Why.ALREADY_REMOVED: N_(
        "That message was already removed by the moderators ({reason}), so there is nothing left to report."
    ),
    Why.REPORT_NOT_IN_QUEUE: N_("That report is not in the queue."),
    Why.HIDE_YOURSELF: N_("You cannot hide yourself."),
    Why.HIDE_NO_WORD: N_("Give a word to hide."),
    Why.NO_SUCH_GROUP: N_("No group called {group_id!r}. /groups lists yours."),
    Why.OWNER_CANNOT_LEAVE: N_(
        "As the owner you cannot leave your own group; it lives on the relay for its members."
    ),
    Why.NOBODY_CALLED: N_(
        "Nobody called {who!r} is in this group or asking to join. /members lists everyone, /requests the people asking."
    ),
    Why.NO_REQUEST_FROM: N_("Nobody called {who!r} is asking to join. /requests lists who is."),
    Why.NO_LONGER_IN_GROUP: N_(
        "{who} is no longer in this group, so there is nobody to ban now. If they ask to join again, /ban with the name they ask under denies and bans them."
    ),
    Why.NO_MESSAGE_NUMBER_YET: N_("There is no message #{n}: the newest message here is #{last}."),
    Why.NO_MESSAGE_SHOWN_YET: N_("There is no message #{n}: no message has been shown here yet."),
    Why.NO_MEMBER_CALLED: N_("Nobody called {who!r} is in this group. /members lists everyone."),
    Why.NAME_A_MEMBER: N_("Name a member: their nickname or member id."),
    Why.MEMBER_AMBIGUOUS: N_("{who!r} could mean {names}. Type more of the name."),
    Why.SEVERAL_MEMBERS_CALLED: N_(
        "More than one member is called {who!r}: {ids}. Use the member id."
    ),
    Why.ROSTER_KEPT_CHANGING: N_(
        "The group's roster kept changing while this action was sent; try again."
    ),
    Why.REQUEST_STILL_WAITING: N_(
        "Your request to join is still waiting for a moderator's approval."
    ),
    Why.ACCEPT_GUIDELINES_FIRST: N_(
        "Read and accept this group's guidelines before your first message (/guidelines, then /accept)."
    ),
    Why.NOT_A_MODERATOR: N_("Only the group's owner and moderators can do that."),
    Why.NO_MODERATOR_FOR_REPORT: N_("This group has no other moderator to receive a report."),
    Why.REQUEST_ALREADY_ANSWERED: N_("{nick}'s request was already answered by another moderator."),
    Why.NO_JOIN_REQUESTS: N_("There are no join requests waiting."),
    Why.NO_LONGER_POST_REMOVED: N_(
        "You can no longer post in this group: you were removed from it."
    ),
    Why.NO_LONGER_POST_BANNED: N_("You can no longer post in this group: you were banned from it."),
    Why.NO_LONGER_POST_LEFT: N_("You can no longer post in this group: you left it."),
    Why.POST_BANNED: N_("You cannot post: you are banned from this group."),
    Why.POST_NOT_MEMBER: N_("You cannot post: you are not a member of this group."),
    Why.POST_MUTED: N_("You cannot post: muted by the moderators until {when}."),
    Why.POST_READ_ONLY: N_("You cannot post: the group is read-only: only moderators may post."),
    Why.ACTION_NOT_ALLOWED: N_("That action is not allowed: {exc}."),
    Why.EXPORT_TARGET_EXISTS: N_(
        "{target} already exists; choose another name or confirm replacing it."
    ),
    Why.EXPORT_NO_FOLDER: N_("The folder {parent} does not exist."),
    Why.EXPORT_NOT_WRITTEN: N_("Could not write {target}: {why}."),
}


def _mute_end(facts: Mapping[str, object]) -> dict[str, object]:
    """A mute's end as the refusal has always said it: the date and the minute, in UTC."""
    until_ms = facts["until_ms"]
    assert isinstance(until_ms, int | float)
    return {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(until_ms / 1000))}


def _system_reason(facts: Mapping[str, object]) -> dict[str, object]:
    """The system's reason under the name its sentence has always used (`refused` takes
    `why` itself)."""
    return {"target": facts["target"], "why": facts["reason"]}


# Facts a sentence says in another form than they are carried in.
_SAID_AS: dict[Why, Callable[[Mapping[str, object]], dict[str, object]]] = {
    Why.POST_MUTED: _mute_end,
    Why.EXPORT_NOT_WRITTEN: _system_reason,
}


def refusal(error: PeertuiError) -> str | None:
    """The sentence for a typed refusal, or None when `error` is not one."""
    if error.why is None:
        return None
    said_as = _SAID_AS.get(error.why)
    facts = said_as(error.facts) if said_as else error.facts
    return _(SENTENCES[error.why]).format(**facts)
