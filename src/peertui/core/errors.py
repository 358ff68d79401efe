"""Errors the engine raises to front-ends. `str(error)` is always a sentence a person can act on."""

from __future__ import annotations


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
