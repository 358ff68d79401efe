"""Errors the engine raises to front-ends.

Most carry a sentence in `str(error)`; the typed ones below carry facts instead, worded for the
person by `peertui.ui.wording.problem` (their `str()` is a short English line for logs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peertui.core.crypto.invite import InviteFault
    from peertui.core.keys import StoreError


class PeertuiError(Exception):
    """Base class: something the user asked for could not be done, and why."""


class NotFound(PeertuiError):
    """A group, member or message named by the user does not exist (or is ambiguous)."""


class NotAllowed(PeertuiError):
    """The user's role or state does not permit this action."""


class GuidelinesNotAccepted(NotAllowed):
    """The group's guidelines (new, or changed since) must be accepted before posting; front-ends
    show them and ask, rather than matching the sentence's words."""


class InvalidInput(PeertuiError):
    """The user typed something malformed (an invite, a duration, an empty message)."""


class RelayProblem(PeertuiError):
    """The relay refused or could not be reached; the message says which and what to do."""


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
