"""What the relay's handlers share (`Relay`): the event log, the notifier, the guards, the groups
in memory, and how a request is authenticated (a signature or a session MAC)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from starlette.requests import Request

from peertui_relay.config import RelayConfig
from peertui_relay.deadlines import Deadlines
from peertui_relay.errors import ApiError
from peertui_relay.eventlog import (
    EventLog,
    QuotaExceeded,
    SqliteEventLog,
    StorageUnavailable,
)
from peertui_relay.fanout import ClusterFanout, LocalNotifier, Notifier
from peertui_relay.front import Incoming
from peertui_relay.guards import Bucket, Guards, LocalGuards
from peertui_relay.hub import Group
from peertui_relay.logs import QuietLog
from peertui_relay.sessions import session_refusal
from peertui_relay.storage import (
    GroupRecord,
    SqliteStorage,
    StoredEvent,
)
from peertui_wire.auth import (
    MAX_CLOCK_SKEW_MS,
    MAX_FUTURE_SKEW_MS,
    AuthError,
    origin_of,
    public_key_of,
    verify_signed,
)
from peertui_wire.encoding import EncodingError, b64d
from peertui_wire.protocol import PROTOCOL_VERSION
from peertui_wire.request_session import (
    HEADER_MAC,
    HEADER_SESSION,
    MAC_BYTES,
    SESSION_ID_BYTES,
    request_mac,
)
from peertui_wire.roster import VERSION as ROSTER_VERSION

T = TypeVar("T")

MAX_ENVELOPE = 48 * 1024
PAGE = 500
MAX_RETENTION_DAYS = 3650


def now_ms() -> int:
    return int(time.time() * 1000)


class RelayDataTooOld(Exception):
    """The data directory was written by an earlier protocol; `str()` says what to do."""


class Relay:
    """Everything the handlers share: the event log, the notifier, the guards, and the groups
    (a replica of the stored rosters, kept fresh by the notifier in cluster mode)."""

    def __init__(self, config: RelayConfig) -> None:
        self.config = config
        self.deadlines = Deadlines()  # body reads and stream writes: cheaper than asyncio.timeout
        self.groups: dict[str, Group] = {}
        self.log: EventLog
        self.guards: Guards
        self.notifier: Notifier
        if config.database:
            from peertui_relay.pg import PgEventLog, PgGuards, PgNotifier

            pg_log = PgEventLog(
                config.database,
                group_quota_bytes=config.group_quota_bytes,
                max_groups=config.max_groups,
            )
            self.log, self.notifier = pg_log, PgNotifier(config.database)
            self.guards = PgGuards(pg_log, config, floor_ms=now_ms())
        else:
            self.log = SqliteEventLog(SqliteStorage(config.data_dir, max_pages=config.max_db_pages))
            self.guards, self.notifier = LocalGuards(config), LocalNotifier()
        self.fanout = ClusterFanout(self.log, self.groups, self.load_group)
        self._loading: dict[str, asyncio.Future[Group | None]] = {}
        self.storage_full_at = 0.0
        self.create_lock = asyncio.Lock()
        self.status_counts: Counter[str] = Counter()
        self.quiet_log = QuietLog()
        self.stored_events = 0

    async def db(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Await one event-log call, turning what the store names into the API's answer."""
        try:
            return await fn(*args, **kwargs)
        except StorageUnavailable as problem:
            if problem.busy:
                raise ApiError(503, "storage_busy", str(problem), retry_after=2) from None
            self.storage_full_at = time.monotonic()
            self.quiet_log.warning(
                "storage", f"storage unavailable ({problem.__cause__!r:.120}); answering 507"
            )
            raise ApiError(
                507, "storage_full", str(problem), retry_after=self.config.storage_retry_seconds
            ) from None
        except QuotaExceeded:
            raise ApiError(
                507,
                "quota_exceeded",
                "This group has used all the storage the relay allows it; old messages "
                "free space as they expire.",
            ) from None

    def publish_inline(
        self, group: Group, event: StoredEvent, visible: str, recipient: bytes = b""
    ) -> None:
        """With one process, the writer publishes (in commit order); in cluster mode the
        notifier's reader pushes the committed row to every process's streams instead."""
        if self.notifier.inline:
            group.publish(event, visible, recipient)

    def _group_from(self, record: GroupRecord, roster: list[dict[str, Any]]) -> Group:
        if roster and roster[0].get("v") != ROSTER_VERSION:
            raise RelayDataTooOld(
                f"The data in {self.config.data_dir} was written by an older peertui relay "
                f"(protocol {roster[0].get('v')}), which this relay (protocol "
                f"{PROTOCOL_VERSION}) cannot serve. Move that folder aside and start again: "
                "nothing was released, so there is nothing to convert."
            )
        group = Group.from_roster(roster, record.retention_ms, record.bytes_used)
        group.epoch, group.last_seq = record.epoch, record.last_seq
        return group

    async def load(self) -> None:
        await self.log.open()
        await self.guards.open()
        for record in await self.db(self.log.groups):
            # The record before its roster: a roster event stored in between is then read
            # here, or later by the fan-out (its seq is after the record's last_seq).
            roster = await self.db(self.log.roster, record.group_id)
            self.groups[record.group_id] = self._group_from(record, roster)
        self.stored_events = await self.db(self.log.stored_events)

    async def load_group(self, group_id: str) -> Group | None:
        """Cluster mode: a group another process created, read from the log (once, however
        many requests ask at the same time)."""
        if group_id in self.groups:
            return self.groups[group_id]
        pending = self._loading.get(group_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Group | None] = asyncio.get_running_loop().create_future()
        self._loading[group_id] = future
        try:
            record = await self.db(self.log.group_record, group_id)
            group = None
            if record is not None:
                group = self._group_from(record, await self.db(self.log.roster, group_id))
                group = self.groups.setdefault(group_id, group)
            future.set_result(group)
            return group
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters get it, nobody else must
            raise
        finally:
            del self._loading[group_id]

    async def listen_forever(self) -> None:
        await self.notifier.run(self.fanout.on_change, self.fanout.caught_up)

    async def keepalive_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.keepalive_seconds)
            for group in self.groups.values():
                group.nudge_all()

    async def purge_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.purge_interval_seconds)
            with contextlib.suppress(ApiError):  # the store is away: next time
                await self.purge()

    async def purge(self) -> None:
        await self.db(self.log.purge, now_ms(), self.config.retention_seconds * 1000)
        await self.db(self.log.expire_joins, now_ms())
        await self.db(self.guards.expire, now_ms())
        if self.config.reclaim_idle_groups:
            connected = {gid for gid, group in self.groups.items() if group.subscribers}
            for group_id in await self.db(
                self.log.reclaim_idle,
                now_ms(),
                int(self.config.retention_seconds * 1000),
                connected,
            ):
                group = self.groups.pop(group_id, None)
                if group is not None:
                    group.close_all()
        for record in await self.db(self.log.groups):
            if record.group_id in self.groups:
                self.groups[record.group_id].bytes_used = record.bytes_used
        self.stored_events = await self.db(self.log.stored_events)

    def close_streams(self) -> None:
        for group in self.groups.values():
            group.close_all()

    async def close(self) -> None:
        self.close_streams()
        await self.guards.close()
        await self.log.close()

    # -- request plumbing ----------------------------------------------------------------

    def expected_origin(self, incoming: Incoming) -> str:
        if self.config.public_url:
            return origin(self.config.public_url)
        host = incoming.headers.get("host", "")
        return origin(f"{incoming.scheme}://{host}") if host else ""

    @staticmethod
    def address(request: Request) -> str:
        return request.client.host if request.client else ""

    async def authenticate(self, request: Request) -> tuple[bytes, bytes]:
        """`authenticate_incoming` for a Starlette route."""
        incoming = Incoming.of(request.scope, request.receive)
        return await self.authenticate_incoming(incoming, request.path_params.get("gid"))

    async def authenticate_incoming(
        self, incoming: Incoming, gid: str | None
    ) -> tuple[bytes, bytes]:
        """Check size, signature (or session MAC), replay and rate; return (key, body)."""
        config = self.config
        body = await incoming.read_body(config.max_body_bytes, self.deadlines, config.body_timeout)
        headers = incoming.headers
        now = now_ms()
        group = self.groups.get(gid) if gid else None
        raw_session = headers.get("x-peertui-session")
        if raw_session is not None:
            return await self.authenticate_session(incoming, gid, body, now, raw_session), body
        raw_key = headers.get("x-peertui-key")
        # A key no group knows pays from its address's small bucket before the relay spends
        # a signature check on it: a flood of fresh keys costs the flooder, not the members.
        claimed = claimed_key(raw_key or "")
        if not is_known(group, claimed):
            wait = await self.db(self.guards.take, Bucket.UNKNOWN, incoming.address.encode())
            if wait:
                raise ApiError(
                    429,
                    "rate_limited",
                    "Too many requests from this address; wait a moment and try again.",
                    retry_after=wait,
                )
        try:
            key, nonce, ts = verify_signed(
                raw_key,
                headers.get("x-peertui-time"),
                headers.get("x-peertui-nonce"),
                headers.get("x-peertui-signature"),
                incoming.method,
                incoming.path_qs,
                body,
                now,
                origin=self.expected_origin(incoming),
            )
        except ValueError:
            # peertui_wire.auth lets int() see non-ASCII digits such as "²" in the time header.
            raise ApiError(
                401,
                "unauthenticated",
                "The relay could not authenticate this request: "
                "X-Peertui-Time must be milliseconds since the epoch.",
            ) from None
        except AuthError as exc:
            raise ApiError(
                401, "unauthenticated", f"The relay could not authenticate this request: {exc}."
            ) from None
        if ts < self.guards.floor_ms:
            raise ApiError(
                401,
                "stale_request",
                "This request was signed before the relay last started, so it could be a "
                "replay; send it again (with a new signature).",
            )
        # Rate before nonce: a nonce is remembered only for a request that is within its rate,
        # and one from a key no group knows only in the unknown keys' own cache.
        known = is_known(group, key)
        if not known and group is not None and not self.notifier.inline:
            # Admitted on another process a moment ago? Read the roster's news now rather
            # than refuse a new member for the few milliseconds until the notification.
            await self.db(self.fanout.refresh_roster, group)
            known = is_known(group, key)
        await self._pay_and_remember(key, nonce, ts, now, known=known)
        return key, body

    async def _pay_and_remember(
        self, key: bytes, nonce: str, ts: int, now: int, *, known: bool
    ) -> None:
        """The key's rate bucket (an unknown key paid its own bucket before), then the nonce:
        the same for a signed request and a session's MAC'd one."""
        wait = await self.db(self.guards.take, Bucket.KEY, key) if known else 0.0
        if wait:
            raise ApiError(
                429,
                "rate_limited",
                "Too many requests from this key; wait a moment and try again.",
                retry_after=wait,
            )
        refusal = await self.db(self.guards.remember_nonce, nonce, ts, now, known=known)
        if refusal:
            raise ApiError(401, "replayed_request", refusal)

    async def authenticate_session(
        self, incoming: Incoming, gid: str | None, body: bytes, now: int, raw_session: str
    ) -> bytes:
        """A request MAC'd within a session (PROTOCOL.md §11.1): check the session, its
        binding to this key and group, the MAC, time, membership, rate and nonce; return the
        member's key."""
        headers = incoming.headers
        raw_key = headers.get("x-peertui-key")
        raw_ts = headers.get("x-peertui-time")
        nonce = headers.get("x-peertui-nonce")
        raw_mac = headers.get("x-peertui-mac")
        if not (raw_key and raw_ts and nonce and raw_mac):
            raise unauthenticated(
                "a session request needs X-Peertui-Key, -Session, -Time, -Nonce and -Mac"
            )
        try:
            session_id = session_id_of(raw_session)
            mac = b64d(raw_mac, length=MAC_BYTES, field=HEADER_MAC)
            b64d(nonce, length=16, field="X-Peertui-Nonce")
            claimed = public_key_of(raw_key)
        except EncodingError as exc:
            raise unauthenticated(str(exc)) from None
        if not (raw_ts.isascii() and raw_ts.isdigit()) or len(raw_ts) > 15:
            raise unauthenticated("X-Peertui-Time must be milliseconds since the epoch")
        ts = int(raw_ts)
        session = await self.db(self.guards.find_session, session_id)
        if session is None:
            # Like a key no group knows: the address pays before the relay answers.
            wait = await self.db(self.guards.take, Bucket.UNKNOWN, incoming.address.encode())
            if wait:
                raise ApiError(
                    429,
                    "rate_limited",
                    "Too many requests from this address; wait a moment and try again.",
                    retry_after=wait,
                )
            raise session_refusal("unknown_session")
        if gid is None or session.group_id != gid or session.member_key != claimed:
            raise session_refusal("session_mismatch")
        route = (incoming.method, incoming.path_qs.partition("?")[0])
        if route not in session_routes(gid):
            raise signature_required(
                "A session serves only posts, the event stream and the log; sign this request."
            )
        if now >= session.expires_at:
            await self.db(self.guards.end_session, session_id)
            raise session_refusal("session_expired")
        expected = request_mac(
            session.mac_key,
            incoming.method,
            incoming.path_qs,
            ts,
            nonce,
            body,
            self.expected_origin(incoming),
        )
        if not hmac.compare_digest(expected, mac):
            raise unauthenticated("the request MAC does not match its session")
        if now - ts > MAX_CLOCK_SKEW_MS or ts - now > MAX_FUTURE_SKEW_MS:
            raise unauthenticated(
                "request timestamp is too far from the relay's clock; check your system time"
            )
        if ts < self.guards.floor_ms:
            raise ApiError(
                401,
                "stale_request",
                "This request was signed before the relay last started, so it could be a "
                "replay; send it again (with a new signature).",
            )
        key = session.member_key
        group = await self.group(gid)
        if not is_current_member(group, key) and not self.notifier.inline:
            await self.db(self.fanout.refresh_roster, group)  # admitted a moment ago elsewhere?
        if not is_current_member(group, key):
            await self.db(self.guards.end_sessions, gid, key)
            raise session_refusal("session_ended")
        await self._pay_and_remember(key, nonce, ts, now, known=True)
        # Counted last: only requests the session really authenticated spend its budget.
        uses = await self.db(self.guards.count_session_use, session)
        if uses is None:  # ended on another process a moment ago
            raise session_refusal("unknown_session")
        if uses > session.max_uses:
            await self.db(self.guards.end_session, session_id)
            raise session_refusal("session_expired")
        return key

    async def group(self, group_id: str) -> Group:
        group = self.groups.get(group_id)
        if group is None and not self.notifier.inline:
            group = await self.load_group(group_id)
        if group is None:
            raise ApiError(
                404, "group_not_found", "This relay has no group with that id; check the invite."
            )
        return group


@functools.lru_cache(maxsize=256)
def origin(url: str) -> str:
    """`origin_of`, remembered: every request names one of very few hosts."""
    return origin_of(url)


@functools.lru_cache(maxsize=4096)
def session_id_of(header: str) -> bytes:
    """The X-Peertui-Session header decoded (remembered, as `public_key_of` remembers keys:
    a session sends the same id with every request); EncodingError if it is not an id."""
    return b64d(header, length=SESSION_ID_BYTES, field=HEADER_SESSION)


def claimed_key(header: str) -> bytes:
    try:
        return public_key_of(header)
    except EncodingError:
        return b""


@functools.lru_cache(maxsize=4096)
def session_routes(gid: str) -> frozenset[tuple[str, str]]:
    """What a session may be used for (PROTOCOL.md §11.1): what a stolen session key reaches
    is then exactly posting ciphertext and reading what the relay holds for the member."""
    return frozenset(
        {
            ("POST", f"/v1/groups/{gid}/messages"),
            ("GET", f"/v1/groups/{gid}/events"),
            ("GET", f"/v1/groups/{gid}/log"),
        }
    )


def signature_required(message: str) -> ApiError:
    return ApiError(401, "signature_required", message)


def unauthenticated(reason: str) -> ApiError:
    return ApiError(
        401, "unauthenticated", f"The relay could not authenticate this request: {reason}."
    )


def is_current_member(group: Group, key: bytes) -> bool:
    return group.state.is_member(key) and key not in group.state.banned


def is_known(group: Group | None, key: bytes) -> bool:
    return group is not None and (
        group.state.is_member(key) or key in group.state.banned or key in group.removed
    )
