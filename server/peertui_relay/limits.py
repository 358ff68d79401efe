"""In-memory guards: replayed-nonce refusal and per-key token-bucket rate limiting."""

from __future__ import annotations

import time
from collections import OrderedDict


class NonceCache:
    """Remembers nonces for the clock-skew window, with a hard size bound.

    When the bound forces out a nonce that is still inside the window, every request at or
    before that nonce's timestamp is refused as stale from then on, so eviction can never
    reopen a replay.
    """

    def __init__(self, window_ms: int, max_entries: int = 200_000) -> None:
        self._window_ms = window_ms
        self._max_entries = max_entries
        self._seen: OrderedDict[str, int] = OrderedDict()
        self._floor_ts = 0

    def check_and_add(self, nonce: str, ts: int, now_ms: int) -> str | None:
        """None if fresh (and now remembered), else why the request is refused."""
        self._expire(now_ms)
        if ts <= self._floor_ts:
            return "This request is too old for the relay to check for replays; send it again."
        if nonce in self._seen:
            return "This request was already received once (replayed nonce); it was ignored."
        self._seen[nonce] = ts
        while len(self._seen) > self._max_entries:
            _, evicted_ts = self._seen.popitem(last=False)
            self._floor_ts = max(self._floor_ts, evicted_ts)
        return None

    def _expire(self, now_ms: int) -> None:
        # Insertion order is close to timestamp order; a late-arriving old nonce only stays a
        # little longer than needed, which is harmless.
        horizon = now_ms - 2 * self._window_ms
        while self._seen:
            nonce, ts = next(iter(self._seen.items()))
            if ts >= horizon:
                break
            del self._seen[nonce]

    def __len__(self) -> int:
        return len(self._seen)


class TokenBuckets:
    """One bucket per key: `rate` tokens per second, at most `burst` saved up."""

    def __init__(self, rate: float, burst: int, max_keys: int = 100_000) -> None:
        self._rate, self._burst, self._max_keys = rate, float(burst), max_keys
        self._buckets: OrderedDict[bytes, tuple[float, float]] = OrderedDict()

    def take(self, key: bytes, now: float | None = None) -> float:
        """Spend one token; 0.0 if allowed, else seconds until one is available."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (1.0 - tokens) / self._rate
        while len(self._buckets) > self._max_keys:
            # The least recently active key forgets its debt; a full bucket is the default.
            self._buckets.popitem(last=False)
        return wait
