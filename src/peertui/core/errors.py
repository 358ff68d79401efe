"""Errors the engine raises to front-ends.

Most carry a sentence in `str(error)`; the typed ones below carry facts instead, worded for the
person by `peertui.ui.wording.problem` (their `str()` is a short English line for logs)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from peertui.core.crypto.invite import InviteFault
    from peertui.core.keys import StoreError
    from peertui.core.relay_client import RelayError


class PeertuiError(Exception):
    """Base class: something the user asked for could not be done, and why. Raised through
    `refused`, `why` names the refusal as a fact and `facts` holds what its sentence says."""

    why: Why | None = None
    facts: Mapping[str, object] = MappingProxyType({})


class NotFound(PeertuiError):
    """A group, member or message named by the user does not exist (or is ambiguous)."""


class NotAllowed(PeertuiError):
    """The user's role or state does not permit this action."""


class NotOnYourself(NotAllowed):
    """A moderator named themselves (`nick`) for a warning, mute, removal or ban. Worded by
    the front-ends; `str()` names nobody."""

    def __init__(self, nick: str) -> None:
        super().__init__("a moderator cannot act on themselves")
        self.nick = nick


class GroupNotActive(NotAllowed):
    """The group is not active (pending, left, removed, banned, denied): `name` as stored (""
    while waiting for approval) and `status` (a `peertui.core.models` state). Worded by the
    front-ends; `str()` names nothing, so it may be logged."""

    def __init__(self, name: str, status: str) -> None:
        super().__init__(f"the group is {status}, not active")
        self.name = name
        self.status = status


class GuidelinesNotAccepted(NotAllowed):
    """The group's guidelines (new, or changed since) must be accepted before posting; front-ends
    show them and ask, rather than matching the sentence's words."""


class InvalidInput(PeertuiError):
    """The user typed something malformed (an invite, a duration, an empty message)."""


class RelayProblem(PeertuiError):
    """The relay refused or could not be reached; the message says which and what to do.
    `msg_id` names my message being sent when the relay refused it for good ("" otherwise):
    it was shown, waiting, and is not going out."""

    msg_id: str = ""


class RelayAction(Enum):
    """What the relay was asked to do when it refused (`RelayFailed.action`)."""

    CREATE_GROUP = "create_group"
    PUBLISH_KEY = "publish_key"
    REGISTER_INVITE = "register_invite"
    REQUEST_JOIN = "request_join"
    DENY_REQUEST = "deny_request"
    CANCEL_INVITE = "cancel_invite"
    CHECK_REQUEST = "check_request"
    OTHER = "other"  # sending, posting, a moderation action: the refusal says enough


class RelayFailed(RelayProblem):
    """The relay refused `action` (or could not be reached): `cause` is the client's
    `RelayError` (its `code` is the relay's refusal code), `relay` the relay's address where
    the sentence names it. Worded by the front-ends (`peertui.ui.problems.relay_reason`): the
    relay's own sentence is English, so known codes are worded in the person's language.
    `str()` names only the action and the code, so it may be logged."""

    def __init__(self, action: RelayAction, cause: RelayError, relay: str = "") -> None:
        super().__init__(f"relay refused {action.value} ({cause.code or type(cause).__name__})")
        self.action = action
        self.cause = cause
        self.relay = relay


class UnusableInvite(InvalidInput):
    """An invite that cannot be used; `fault` (an `InviteFault`) says which part is wrong and
    `version` the format version an unknown-version invite names. Worded by the front-ends."""

    def __init__(self, fault: InviteFault, version: int = 0) -> None:
        super().__init__(f"unusable invite ({fault.value})")
        self.fault = fault
        self.version = version


class ExportFailed(InvalidInput):
    """An export the person asked for was not written; `problem` holds the store's facts
    (`ExportRefused` or `StorageFull`). Worded by the front-ends."""

    def __init__(self, problem: StoreError) -> None:
        super().__init__(str(problem))
        self.problem = problem


class MemberWithoutKey(RelayProblem):
    """A direct message cannot be sealed yet: `nick`'s member has not published a key to the
    relay (they have not been online since joining). Worded by the front-ends; `str()` names
    nobody, so it may be logged."""

    def __init__(self, nick: str) -> None:
        super().__init__("the member has not published a key yet")
        self.nick = nick


class Why(Enum):
    """Which refusal a `PeertuiError` raised by `refused` is: a fact, worded with the error's
    `facts` (named after each member) by `peertui.ui.refusals` for both front-ends."""

    NICK_EMPTY = "nick_empty"
    NICK_SPACES = "nick_spaces"
    NICK_CHARACTERS = "nick_characters"
    NICK_TOO_LONG = "nick_too_long"  # MAX_NICK
    NICK_MIXED_SCRIPTS = "nick_mixed_scripts"
    MESSAGE_EMPTY = "message_empty"
    MESSAGE_TOO_LONG = "message_too_long"  # MAX_TEXT, len
    MESSAGE_NUMBER_GONE = "message_number_gone"  # n
    GROUP_NAME_MISSING = "group_name_missing"
    RELAY_URL_SCHEME = "relay_url_scheme"
    INVITE_USES_RANGE = "invite_uses_range"
    ALREADY_IN_GROUP = "already_in_group"
    JOIN_REQUEST_TOO_LONG = "join_request_too_long"
    MESSAGE_NOT_IN_HISTORY = "message_not_in_history"
    THANKS_FOR_OWN_MESSAGE = "thanks_for_own_message"
    MESSAGE_STILL_WAITING = "message_still_waiting"  # n
    NICK_LOOKS_TAKEN = "nick_looks_taken"  # nick
    LEAVE_BEFORE_FORGETTING = "leave_before_forgetting"
    MESSAGE_NOT_ON_RELAY_YET = "message_not_on_relay_yet"
    MESSAGE_TOO_OLD_TO_REMOVE = "message_too_old_to_remove"
    GUIDELINES_TOO_LONG = "guidelines_too_long"
    NOT_A_LANGUAGE = "not_a_language"  # value
    REPORT_OWN_MESSAGE = "report_own_message"
    ALREADY_REMOVED = "already_removed"  # reason
    REPORT_NOT_IN_QUEUE = "report_not_in_queue"
    HIDE_YOURSELF = "hide_yourself"
    HIDE_NO_WORD = "hide_no_word"
    NO_SUCH_GROUP = "no_such_group"  # group_id
    OWNER_CANNOT_LEAVE = "owner_cannot_leave"
    NOBODY_CALLED = "nobody_called"  # who
    NO_REQUEST_FROM = "no_request_from"  # who: /approve or /deny of a name nobody asks under
    NO_LONGER_IN_GROUP = "no_longer_in_group"  # who: removed or left, asked to ban
    NO_MESSAGE_NUMBER_YET = "no_message_number_yet"  # n, last
    NO_MESSAGE_SHOWN_YET = "no_message_shown_yet"  # n

    NO_MEMBER_CALLED = "no_member_called"  # who
    NAME_A_MEMBER = "name_a_member"
    MEMBER_AMBIGUOUS = "member_ambiguous"  # who, names
    SEVERAL_MEMBERS_CALLED = "several_members_called"  # who, ids
    ROSTER_KEPT_CHANGING = "roster_kept_changing"
    REQUEST_STILL_WAITING = "request_still_waiting"
    ACCEPT_GUIDELINES_FIRST = "accept_guidelines_first"
    NOT_A_MODERATOR = "not_a_moderator"
    NO_MODERATOR_FOR_REPORT = "no_moderator_for_report"
    REQUEST_ALREADY_ANSWERED = "request_already_answered"  # nick
    NO_JOIN_REQUESTS = "no_join_requests"

    NO_LONGER_POST_REMOVED = "no_longer_post_removed"
    NO_LONGER_POST_BANNED = "no_longer_post_banned"
    NO_LONGER_POST_LEFT = "no_longer_post_left"
    POST_BANNED = "post_banned"
    POST_NOT_MEMBER = "post_not_member"
    POST_MUTED = "post_muted"  # until_ms
    POST_READ_ONLY = "post_read_only"
    ACTION_NOT_ALLOWED = "action_not_allowed"  # exc: the signed roster's own reason
    EXPORT_TARGET_EXISTS = "export_target_exists"  # target
    EXPORT_NO_FOLDER = "export_no_folder"  # parent
    EXPORT_NOT_WRITTEN = "export_not_written"  # target, reason: the system's words


Refusal = TypeVar("Refusal", bound=PeertuiError)


def refused(kind: type[Refusal], why: Why, **facts: object) -> Refusal:
    """A refusal as a typed fact: `kind` is the class the front-ends catch (NotFound,
    NotAllowed, InvalidInput); `str()` is the refusal's name only, so it may be logged (a
    nickname or a message typed is never in it)."""
    error = kind(f"refused: {why.value}")
    error.why = why
    error.facts = MappingProxyType(dict(facts))
    return error
