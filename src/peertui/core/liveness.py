"""Whether a group is connected to its relay, from every exchange with it.

The event stream alone used to decide: a relay that was back and had just taken a post still
counted as away until the stream had reconnected (seconds later, after its backoff), so the
member was told "not connected" about a message the relay was taking, and the "connected
again" line came late or, if they quit first, never. Now any answer from the relay (a post
accepted, the stream open, a membership look-up) means connected, and a stream attempt that
fails is news only if nothing has answered since that attempt began: it is older than the
answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from peertui.core.models import CONNECTED, CONNECTING, OFFLINE


class Liveness:
    """The connection state of one group; `changed(state, cause)` is told each real change."""

    def __init__(self, state: str, changed: Callable[[str, BaseException | None], None]) -> None:
        self.state = state
        # Whether the event stream is open right now (apart from the state: posts may work
        # while the stream is still reconnecting, and a member's action should wake it).
        self.streaming = False
        self._changed = changed
        self._answered_at = float("-inf")
        self._stream_tried_at = 0.0
        self._stream_opened = False

    def _set(self, state: str, cause: BaseException | None) -> None:
        if state != self.state:
            self.state = state
            self._changed(state, cause)

    def answered(self) -> None:
        """The relay answered an exchange (a post accepted, a look-up answered)."""
        self._answered_at = time.monotonic()
        self._set(CONNECTED, None)

    def unreachable(self, cause: BaseException | None) -> None:
        """An exchange found the relay unreachable (or the group cannot follow it now)."""
        self.streaming = False
        self._set(OFFLINE, cause)

    def stopped(self) -> None:
        self.streaming = False
        self.state = OFFLINE

    def stream(self, state: str, cause: BaseException | None) -> None:
        """What the follow loop reports about each stream attempt (`follow`'s on_state)."""
        if state == CONNECTING:
            # Each attempt is not news: the first state is "connecting" already, and a retry
            # while offline (or while posts go through) changes nothing the member sees.
            self._stream_tried_at = time.monotonic()
            self._stream_opened = False
            return
        if state == CONNECTED:
            self.streaming = self._stream_opened = True
            self.answered()
            return
        self.streaming = False
        if not self._stream_opened and self._answered_at >= self._stream_tried_at:
            # This attempt began before the relay last answered (it was made while the relay
            # was down, or hung meanwhile): the answer is the newer news. The next attempt,
            # made after it, tells if the relay is gone again.
            return
        self._set(OFFLINE, cause)
