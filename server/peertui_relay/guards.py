"""The shared-guards seam: replayed-nonce refusal, token buckets, slow-mode clocks, stream caps.

`LocalGuards` keeps them in this process's memory (the embedded relay, and each test of the
primitives in `limits`). `peertui_relay.pg.PgGuards` keeps nonces, buckets and slow-mode clocks
in PostgreSQL, so a request replayed to another relay process, or a key spreading its requests
over several, is refused there too. Stream caps stay per process in both: a stream is a
connection to one process, and counting it elsewhere would outlive a process killed with -9.
"""

from __future__ import annotations

import enum
import time
from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from peertui_relay.config import RelayConfig
from peertui_relay.limits import NonceCache, TokenBuckets
from peertui_relay.sessions import LocalSessions, Session
from peertui_wire.auth import MAX_CLOCK_SKEW_MS


class Bucket(enum.Enum):
    KEY = "key"  # per signing key a group knows
    UNKNOWN = "unknown"  # per client address, for keys no group knows (paid before checking)
    CREATION = "creation"  # per client address, for new groups in the "open" policy


def bucket_rates(config: RelayConfig) -> dict[Bucket, tuple[float, int]]:
    """(tokens per second, burst) of each bucket."""
    return {
        Bucket.KEY: (config.rate_per_second, config.rate_burst),
        Bucket.UNKNOWN: (config.unknown_key_rate, 50),
        Bucket.CREATION: (config.creations_per_hour / 3600, max(config.creations_per_hour, 1)),
    }


@dataclass(frozen=True)
class PostClaim:
    """A slow-mode decision: `wait` > 0 refuses the post; otherwise the poster's clock was
    restarted, and `previous` is what it was (so a retry that stored nothing can undo it)."""

    wait: float = 0.0
    claimed: bool = False
    previous: float | None = None


class Guards(Protocol):
    # Requests signed before this moment are refused: where nonces are kept in memory only, a
    # request captured before a restart could otherwise be replayed after it.
    floor_ms: int

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def take(self, bucket: Bucket, who: bytes) -> float:
        """Spend one token; 0.0 if allowed, else seconds until one is available."""
        ...

    async def remember_nonce(self, nonce: str, ts: int, now_ms: int, *, known: bool) -> str | None:
        """None if fresh (and now remembered), else why the request is refused."""
        ...

    async def claim_post(self, group_id: str, key: bytes, seconds: float) -> PostClaim:
        """Slow mode: restart `key`'s clock if it may post now, else say how long to wait.
        `seconds` is 0 when slow mode is off or the poster is a moderator."""
        ...

    async def undo_claim(self, group_id: str, key: bytes, claim: PostClaim) -> None:
        """Put the clock back: the post was a retry of one already stored."""
        ...

    async def expire(self, now_ms: int) -> None: ...

    async def add_session(self, session: Session) -> None:
        """Keep a session opened by a handshake (a member's oldest beyond the cap ends)."""
        ...

    async def find_session(self, session_id: bytes) -> Session | None: ...

    async def count_session_use(self, session: Session) -> int | None:
        """Count one request the session authenticated: the uses so far (this one included),
        or None if the session has ended meanwhile."""
        ...

    async def end_sessions(self, group_id: str, member_key: bytes) -> None:
        """End every session of `member_key` in the group (removed, banned, left)."""
        ...

    async def end_session(self, session_id: bytes) -> None: ...

    def open_stream(self, address: str) -> bool:
        """Count one more stream from `address`; False (and nothing counted) over the cap."""
        ...

    def close_stream(self, address: str) -> None: ...


class StreamCaps:
    """Open event streams per client address, in this process."""

    def __init__(self, max_per_address: int) -> None:
        self.max_per_address = max_per_address
        self.by_address: Counter[str] = Counter()

    def open_stream(self, address: str) -> bool:
        if self.by_address[address] >= self.max_per_address:
            return False
        self.by_address[address] += 1
        return True

    def close_stream(self, address: str) -> None:
        self.by_address[address] -= 1
        if self.by_address[address] <= 0:
            del self.by_address[address]


class LocalGuards(StreamCaps):
    def __init__(self, config: RelayConfig) -> None:
        super().__init__(config.max_streams_per_address)
        # Nonces of keys a group knows, kept apart from those of unknown keys: a flood of fresh
        # keys can then only crowd out other unknown keys, never the members.
        self.nonces = NonceCache(MAX_CLOCK_SKEW_MS)
        self.unknown_nonces = NonceCache(MAX_CLOCK_SKEW_MS, max_entries=50_000)
        self.buckets = {
            bucket: TokenBuckets(rate, burst)
            for bucket, (rate, burst) in bucket_rates(config).items()
        }
        self.last_post: dict[tuple[str, bytes], float] = {}
        self.sessions = LocalSessions()
        self.floor_ms = int(time.time() * 1000)

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def take(self, bucket: Bucket, who: bytes) -> float:
        return self.buckets[bucket].take(who)

    async def remember_nonce(self, nonce: str, ts: int, now_ms: int, *, known: bool) -> str | None:
        cache = self.nonces if known else self.unknown_nonces
        return cache.check_and_add(nonce, ts, now_ms)

    async def claim_post(self, group_id: str, key: bytes, seconds: float) -> PostClaim:
        now = time.monotonic()
        last = self.last_post.get((group_id, key))
        if seconds and last is not None:
            wait = seconds - (now - last)
            if wait > 0:
                return PostClaim(wait=wait)
        # Noted even with slow mode off, so turning it on counts from the last post.
        self.last_post[(group_id, key)] = now
        return PostClaim(claimed=True, previous=last)

    async def undo_claim(self, group_id: str, key: bytes, claim: PostClaim) -> None:
        if not claim.claimed:
            return
        if claim.previous is None:
            self.last_post.pop((group_id, key), None)
        else:
            self.last_post[(group_id, key)] = claim.previous

    async def expire(self, now_ms: int) -> None:
        self.sessions.expire(now_ms)

    async def add_session(self, session: Session) -> None:
        self.sessions.add(session)

    async def find_session(self, session_id: bytes) -> Session | None:
        return self.sessions.find(session_id)

    async def count_session_use(self, session: Session) -> int | None:
        return self.sessions.count_use(session)

    async def end_sessions(self, group_id: str, member_key: bytes) -> None:
        self.sessions.end_member(group_id, member_key)

    async def end_session(self, session_id: bytes) -> None:
        self.sessions.end(session_id)
