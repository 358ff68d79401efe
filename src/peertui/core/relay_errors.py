"""What can go wrong talking to a relay, as typed errors (contract §2).

`peertui.ui.relay_words.relay_said` words each for people; `str()` is the relay's own sentence
or the fault's name, for logs, never a message body or a key.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from typing import Any

import httpx


class RelayFault(Enum):
    """What this client itself found wrong with a relay or its answer (`RelayError.fault`);
    worded with the error's `relay` and `facts` by `peertui.ui.relay_words.relay_said`."""

    NO_SEQ = "no_seq"  # a write answered without saying where it was stored
    STALLED = "stalled"  # no event or keepalive in time
    EVENT_TOO_LARGE = "event_too_large"  # size (KiB)
    EVENT_UNREADABLE = "event_unreadable"  # detail: what was wrong ("" when not said)
    TIMEOUT = "timeout"  # timeout (seconds)
    UNREACHABLE = "unreachable"
    ANSWER_UNREADABLE = "answer_unreadable"
    HTTP_REFUSED = "http_refused"  # status: a refusal without the relay's own words
    REDIRECT = "redirect"  # status
    SERVER_PROBLEM = "server_problem"  # status
    OLD_PROTOCOL = "old_protocol"  # spoken, version
    PREKEYS_UNREADABLE = "prekeys_unreadable"  # detail
    LIST_MISSING = "list_missing"  # name
    JOIN_NOT_CONFIRMED = "join_not_confirmed"
    NO_MEMBERSHIP = "no_membership"
    LOG_UNREADABLE = "log_unreadable"
    NOT_AN_EVENT_STREAM = "not_an_event_stream"
    CLOSED = "closed"  # the relay ended the event stream; reconnecting


class RelayError(Exception):
    """Base: the relay could not do what was asked. `message` is the relay's own sentence
    (from its answer); or `fault` says what this client found, with `relay` (its address)
    and `facts`. Worded for people by `peertui.ui.relay_words.relay_said`; `str()` is the
    relay's sentence or the fault's name, for logs."""

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        code: str = "",
        fault: RelayFault | None = None,
        relay: str = "",
        **facts: object,
    ) -> None:
        # str(): the relay's own sentence, or the fault (and HTTP status) for logs.
        said = f"relay: {fault.value}" if fault else ""
        if said and status is not None:
            said += f" (HTTP {status})"
        super().__init__(message or said)
        self.status, self.code = status, code
        self.fault, self.relay = fault, relay
        self.facts: Mapping[str, object] = MappingProxyType(dict(facts))


class RelayUnavailable(RelayError):
    """Could not connect, timed out, the stream dropped, or the answer could not be read.

    Always temporary from the client's side: whatever was being sent is kept and tried again.
    """

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        code: str = "",
        retry_after: float = 0.0,
        fault: RelayFault | None = None,
        relay: str = "",
        **facts: object,
    ) -> None:
        super().__init__(message, status=status, code=code, fault=fault, relay=relay, **facts)
        self.retry_after = retry_after


class RelayBusy(RelayUnavailable):
    """The relay answered, but not with a decision: a 5xx, a 408, a redirect, or an answer
    without the fields it must carry. The request may be repeated unchanged."""


class RelayRefused(RelayError):
    """The relay answered with an error status, its code and its message."""


class RateLimited(RelayRefused):
    def __init__(
        self,
        message: str,
        *,
        status: int | None = 429,
        code: str = "rate_limited",
        retry_after: float = 1.0,
        fault: RelayFault | None = None,
        relay: str = "",
    ) -> None:
        super().__init__(message, status=status, code=code, fault=fault, relay=relay)
        self.retry_after = retry_after


# 4xx answers that are not a decision about the request itself: retry after a while.
_RETRYABLE_4XX = frozenset({401, 408, 425, 429})


def is_definite_refusal(exc: BaseException) -> bool:
    """True only for a 4xx the relay will give again for the same request (read-only, muted,
    banned, too large, invalid...): the one case where something waiting may be given up."""
    return (
        isinstance(exc, RelayRefused)
        and exc.status is not None
        and 400 <= exc.status < 500
        and exc.status not in _RETRYABLE_4XX
    )


def retry_after(headers: httpx.Headers, error: dict[str, Any], default: float) -> float:
    raw = error.get("retry_after") or headers.get("Retry-After") or default
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        return default
    return min(max(seconds, 0.0), 3600.0) if seconds == seconds else default


class StreamStalled(RelayUnavailable):
    """No complete event or keepalive within twice the keepalive interval."""


class EventTooLarge(RelayUnavailable):
    """One event grew past MAX_EVENT_BYTES: not read further, the stream is reopened."""
