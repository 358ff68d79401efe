"""The relay's HTTP API (contract §1) as a Starlette app: `create_app(config)`."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import hmac
import json
import os
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from peertui_relay.config import RelayConfig
from peertui_relay.deadlines import Deadlines
from peertui_relay.errors import ApiError, invalid
from peertui_relay.eventlog import (
    EventLog,
    QuotaExceeded,
    RosterConflict,
    SqliteEventLog,
    StorageUnavailable,
)
from peertui_relay.fanout import ClusterFanout, LocalNotifier, Notifier
from peertui_relay.front import FrontDoor, Guard, Incoming
from peertui_relay.guards import Bucket, Guards, LocalGuards
from peertui_relay.hub import Group, event_json, gap_frame, sse_frame_from_row
from peertui_relay.logs import QuietLog
from peertui_relay.openapi import OPENAPI
from peertui_relay.prekeys import prekey_routes
from peertui_relay.sessions import open_session, session_refusal
from peertui_relay.storage import (
    VISIBLE_TO_ALL,
    VISIBLE_TO_MODS,
    VISIBLE_TO_ONE,
    Append,
    Appended,
    GroupRecord,
    InviteRefused,
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
from peertui_wire.encoding import EncodingError, b64d, b64e, b64u_size
from peertui_wire.ids import invite_secret_hash
from peertui_wire.protocol import JOIN_BLOB_BYTES, PROTOCOL_VERSION
from peertui_wire.request_session import (
    HEADER_MAC,
    HEADER_SESSION,
    MAC_BYTES,
    SESSION_ID_BYTES,
    SessionKeyError,
    request_mac,
)
from peertui_wire.roster import MODERATOR, OWNER, RosterError, RosterState
from peertui_wire.roster import VERSION as ROSTER_VERSION

T = TypeVar("T")

MAX_ENVELOPE = 48 * 1024
PAGE = 500
MAX_RETENTION_DAYS = 3650


def _now_ms() -> int:
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
            self.guards = PgGuards(pg_log, config, floor_ms=_now_ms())
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
        await self.db(self.log.purge, _now_ms(), self.config.retention_seconds * 1000)
        await self.db(self.log.expire_joins, _now_ms())
        await self.db(self.guards.expire, _now_ms())
        if self.config.reclaim_idle_groups:
            connected = {gid for gid, group in self.groups.items() if group.subscribers}
            for group_id in await self.db(
                self.log.reclaim_idle,
                _now_ms(),
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
            return _origin(self.config.public_url)
        host = incoming.headers.get("host", "")
        return _origin(f"{incoming.scheme}://{host}") if host else ""

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
        now = _now_ms()
        group = self.groups.get(gid) if gid else None
        raw_session = headers.get("x-peertui-session")
        if raw_session is not None:
            return await self.authenticate_session(incoming, gid, body, now, raw_session), body
        raw_key = headers.get("x-peertui-key")
        # A key no group knows pays from its address's small bucket before the relay spends
        # a signature check on it: a flood of fresh keys costs the flooder, not the members.
        claimed = _claimed_key(raw_key or "")
        if not _is_known(group, claimed):
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
        known = _is_known(group, key)
        if not known and group is not None and not self.notifier.inline:
            # Admitted on another process a moment ago? Read the roster's news now rather
            # than refuse a new member for the few milliseconds until the notification.
            await self.db(self.fanout.refresh_roster, group)
            known = _is_known(group, key)
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
            raise _unauthenticated(
                "a session request needs X-Peertui-Key, -Session, -Time, -Nonce and -Mac"
            )
        try:
            session_id = _session_id_of(raw_session)
            mac = b64d(raw_mac, length=MAC_BYTES, field=HEADER_MAC)
            b64d(nonce, length=16, field="X-Peertui-Nonce")
            claimed = public_key_of(raw_key)
        except EncodingError as exc:
            raise _unauthenticated(str(exc)) from None
        if not (raw_ts.isascii() and raw_ts.isdigit()) or len(raw_ts) > 15:
            raise _unauthenticated("X-Peertui-Time must be milliseconds since the epoch")
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
        if route not in _session_routes(gid):
            raise _signature_required(
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
            raise _unauthenticated("the request MAC does not match its session")
        if now - ts > MAX_CLOCK_SKEW_MS or ts - now > MAX_FUTURE_SKEW_MS:
            raise _unauthenticated(
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
        if not _is_current_member(group, key) and not self.notifier.inline:
            await self.db(self.fanout.refresh_roster, group)  # admitted a moment ago elsewhere?
        if not _is_current_member(group, key):
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
def _origin(url: str) -> str:
    """`origin_of`, remembered: every request names one of very few hosts."""
    return origin_of(url)


@functools.lru_cache(maxsize=4096)
def _session_id_of(header: str) -> bytes:
    """The X-Peertui-Session header decoded (remembered, as `public_key_of` remembers keys:
    a session sends the same id with every request); EncodingError if it is not an id."""
    return b64d(header, length=SESSION_ID_BYTES, field=HEADER_SESSION)


def _claimed_key(header: str) -> bytes:
    try:
        return public_key_of(header)
    except EncodingError:
        return b""


@functools.lru_cache(maxsize=4096)
def _session_routes(gid: str) -> frozenset[tuple[str, str]]:
    """What a session may be used for (PROTOCOL.md §11.1): what a stolen session key reaches
    is then exactly posting ciphertext and reading what the relay holds for the member."""
    return frozenset(
        {
            ("POST", f"/v1/groups/{gid}/messages"),
            ("GET", f"/v1/groups/{gid}/events"),
            ("GET", f"/v1/groups/{gid}/log"),
        }
    )


def _signature_required(message: str) -> ApiError:
    return ApiError(401, "signature_required", message)


def _unauthenticated(reason: str) -> ApiError:
    return ApiError(
        401, "unauthenticated", f"The relay could not authenticate this request: {reason}."
    )


def _is_current_member(group: Group, key: bytes) -> bool:
    return group.state.is_member(key) and key not in group.state.banned


def _is_known(group: Group | None, key: bytes) -> bool:
    return group is not None and (
        group.state.is_member(key) or key in group.state.banned or key in group.removed
    )


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "malformed_json", "The request body is not valid JSON.") from None
    except RecursionError:
        raise ApiError(400, "malformed_json", "The request body is nested too deeply.") from None
    if not isinstance(value, dict):
        raise ApiError(
            422, "invalid_field", "The request body must be a JSON object.", field="body"
        )
    return value


def _b64_field(
    obj: dict[str, Any], name: str, *, length: int | None = None, max_bytes: int | None = None
) -> bytes:
    if name not in obj:
        raise invalid(name, f"The field '{name}' is required.")
    try:
        data = b64d(obj[name], length=length, field=name)
    except EncodingError as exc:
        raise invalid(name, f"The field '{name}' is wrong: {exc}.") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise invalid(name, f"The field '{name}' is larger than {max_bytes // 1024} KiB.")
    return data


def _optional_b64_field(obj: dict[str, Any], name: str, *, length: int) -> bytes | None:
    """`_b64_field` for a field a request may leave out (None when it does)."""
    return _b64_field(obj, name, length=length) if name in obj else None


def _b64_text_field(obj: dict[str, Any], name: str, *, max_bytes: int) -> str:
    """`_b64_field` for a value kept as its text: checked canonical, never decoded."""
    if name not in obj:
        raise invalid(name, f"The field '{name}' is required.")
    try:
        size = b64u_size(obj[name], field=name)
    except EncodingError as exc:
        raise invalid(name, f"The field '{name}' is wrong: {exc}.") from None
    if size > max_bytes:
        raise invalid(name, f"The field '{name}' is larger than {max_bytes // 1024} KiB.")
    return obj[name]


def _int_field(
    obj: dict[str, Any], name: str, low: int, high: int, *, required: bool = True
) -> int | None:
    if name not in obj and not required:
        return None
    value = obj.get(name)
    if type(value) is not int or not low <= value <= high:
        raise invalid(name, f"The field '{name}' must be a whole number from {low} to {high}.")
    return value


def _int_list(obj: dict[str, Any], name: str, most: int) -> list[int]:
    value = obj.get(name)
    if (
        not isinstance(value, list)
        or len(value) > most
        or not all(type(v) is int and 0 < v < 2**63 for v in value)
    ):
        raise invalid(
            name, f"The field {name!r} must be a list of at most {most} positive integers."
        )
    return value


def _int_param(text: str | None, name: str) -> int:
    if text is None or text == "":
        return 0
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise invalid(name, f"'{name}' must be a non-negative whole number.")
    return int(text)


_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


def _idempotency_key(obj: dict[str, Any]) -> str:
    value = obj.get("idempotency_key")
    if value is None:
        return ""
    if not isinstance(value, str) or not _IDEMPOTENCY_KEY.fullmatch(value):
        raise invalid(
            "idempotency_key",
            "The field 'idempotency_key' must be 8 to 64 letters, digits, '-' or '_'.",
        )
    return value


def _require_member(group: Group, key: bytes) -> None:
    if key in group.state.banned:
        raise ApiError(403, "banned", "This key is banned from this group.")
    if not group.state.is_member(key):
        raise ApiError(
            403, "not_member", "This key is not a member of this group; ask the host for an invite."
        )


def _require_moderator(group: Group, key: bytes) -> None:
    _require_member(group, key)
    if not group.state.is_moderator(key):
        raise ApiError(
            403, "not_moderator", "Only the owner or a moderator of this group can do this."
        )


def _require_may_post(group: Group, key: bytes, now: int) -> None:
    _require_member(group, key)
    state = group.state
    if state.is_muted(key, now):
        until = state.muted_until[key]
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(until / 1000))
        raise ApiError(
            403, "muted", f"You were muted by the moderators until {when}.", extra={"until": until}
        )
    if state.readonly and not state.is_moderator(key):
        raise ApiError(
            403, "read_only", "The group is read-only for now: only moderators may post."
        )


def create_app(config: RelayConfig) -> FrontDoor:
    relay = Relay(config)

    async def health(request: Request) -> Response:
        """200 only when the store answers and has taken writes lately (no 507 in 30 s)."""
        try:
            await relay.db(relay.log.check)
        except ApiError as exc:
            return JSONResponse({"status": "unavailable", "reason": exc.message}, status_code=503)
        if not relay.notifier.ready:
            return JSONResponse(
                {"status": "unavailable", "reason": "The relay is reconnecting to its database."},
                status_code=503,
            )
        if relay.storage_full_at and time.monotonic() - relay.storage_full_at < 30:
            return JSONResponse(
                {"status": "unavailable", "reason": "The relay's disk is full or failing."},
                status_code=503,
            )
        return JSONResponse({"status": "ok", "protocol": PROTOCOL_VERSION})

    def metrics_allowed(request: Request) -> bool:
        server = request.scope.get("server") or ("", 0)
        if config.metrics_port and server[1] == config.metrics_port:
            return True
        supplied = request.headers.get("authorization", "")
        expected = f"Bearer {config.metrics_token}"
        return bool(config.metrics_token) and hmac.compare_digest(
            supplied.encode(), expected.encode()
        )

    async def metrics(request: Request) -> Response:
        if not metrics_allowed(request):
            raise ApiError(
                404,
                "not_found",
                "Metrics are served only with the operator's token (metrics_token) or on the "
                "metrics port (metrics_port).",
            )
        subscribers = sum(len(g.subscribers) for g in relay.groups.values())
        lines = [
            "# HELP peertui_relay_groups Groups hosted by this relay.",
            "# TYPE peertui_relay_groups gauge",
            f"peertui_relay_groups {len(relay.groups)}",
            "# HELP peertui_relay_stored_events Events currently stored (all groups).",
            "# TYPE peertui_relay_stored_events gauge",
            f"peertui_relay_stored_events {relay.stored_events}",
            "# HELP peertui_relay_subscribers Open event streams.",
            "# TYPE peertui_relay_subscribers gauge",
            f"peertui_relay_subscribers {subscribers}",
            "# HELP peertui_relay_commits_total Group commits of posts and directs.",
            "# TYPE peertui_relay_commits_total counter",
            f"peertui_relay_commits_total {relay.log.commits}",
            "# HELP peertui_relay_appends_total Posts and directs handed to those commits.",
            "# TYPE peertui_relay_appends_total counter",
            f"peertui_relay_appends_total {relay.log.appends}",
            "# HELP peertui_relay_requests_total Requests answered, by status class.",
            "# TYPE peertui_relay_requests_total counter",
        ]
        for status_class in ("2xx", "3xx", "4xx", "5xx"):
            count = relay.status_counts[status_class]
            lines.append(f'peertui_relay_requests_total{{status="{status_class}"}} {count}')
        return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")

    async def openapi(request: Request) -> Response:
        return JSONResponse(OPENAPI)

    async def create_group(request: Request) -> Response:
        key, body = await relay.authenticate(request)
        obj = _json_object(body)
        genesis = obj.get("genesis")
        if not isinstance(genesis, dict):
            raise invalid("genesis", "The field 'genesis' must be a signed roster event.")
        try:
            state = RosterState.from_genesis(genesis)
        except RosterError as exc:
            raise invalid("genesis", f"The genesis roster event is not valid: {exc}.") from None
        if state.owner != key:
            raise invalid(
                "genesis", "The genesis must be signed by the key that signs the request."
            )
        await check_creation_policy(request, key)
        days = _int_field(obj, "retention_days", 1, MAX_RETENTION_DAYS, required=False)
        retention_ms = (days * 86_400_000) if days else config.retention_seconds * 1000
        exists = ApiError(
            409, "group_exists", "A group with this owner key already exists on this relay."
        )
        full = ApiError(
            507,
            "quota_exceeded",
            "This relay hosts as many groups as it allows; try another relay.",
        )
        async with relay.create_lock:
            # One process checks its memory; in cluster mode the log checks both in the
            # database (the group id is its primary key, the count is taken under a lock).
            if state.group_id in relay.groups:
                raise exists
            if relay.notifier.inline and len(relay.groups) >= config.max_groups:
                raise full
            now = _now_ms()
            genesis = obj["genesis"]

            async def create() -> int | None:
                try:
                    return await relay.log.create_group(
                        state.group_id, key, retention_ms, genesis, now
                    )
                except QuotaExceeded:  # the relay's group count, not a group's storage
                    raise full from None

            seq = await relay.db(create)
            if seq is None:
                raise exists
            record = await relay.db(relay.log.group_record, state.group_id)
            if record is None:  # reclaimed at once by another process: as if never made
                raise ApiError(503, "storage_busy", "The group vanished; try again.")
            relay.groups.setdefault(
                state.group_id,
                Group(state.group_id, state, retention_ms, 0, epoch=record.epoch, last_seq=seq),
            )
            relay.stored_events += 1
        return JSONResponse({"group_id": state.group_id, "seq": seq}, status_code=201)

    async def check_creation_policy(request: Request, key: bytes) -> None:
        policy = config.group_creation
        if policy == "token":
            supplied = request.headers.get("x-peertui-creation-token", "")
            if not hmac.compare_digest(supplied.encode(), config.creation_token.encode()):
                raise ApiError(
                    403,
                    "creation_refused",
                    "This relay creates groups only for people its operator gave a creation "
                    "token to.",
                )
        elif policy == "allowlist":
            if b64e(key) not in config.creation_allowlist:
                raise ApiError(
                    403,
                    "creation_refused",
                    "This relay creates groups only for owner keys its operator listed.",
                )
        else:
            wait = await relay.db(
                relay.guards.take, Bucket.CREATION, relay.address(request).encode()
            )
            if wait:
                raise ApiError(
                    429,
                    "creation_rate_limited",
                    "Too many new groups from this address; try again later.",
                    retry_after=wait,
                )

    async def get_roster(request: Request) -> Response:
        key, _ = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        _require_member(group, key)
        events = await relay.db(relay.log.roster, group.group_id)
        return JSONResponse({"events": events})

    async def post_roster(request: Request) -> Response:
        key, body = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        event = _json_object(body).get("event")
        if not isinstance(event, dict):
            raise invalid("event", "The field 'event' must be a roster event object.")
        if event.get("signer") != b64e(key):
            raise invalid("event", "A roster event must be sent by the key that signed it.")
        async with group.lock:
            index = event.get("index")
            if type(index) is int and index > group.state.next_index:
                # Another process may have stored the indexes this one has not heard of yet.
                await relay.db(relay.fanout.refresh_roster, group)
            state = group.state
            if index != state.next_index or event.get("prev") != state.head_hash:
                raise ApiError(
                    409,
                    "roster_conflict",
                    f"The roster has moved on (next index is {state.next_index}); "
                    "fetch the roster and try again.",
                )
            if key in state.banned:
                raise ApiError(403, "banned", "This key is banned from this group.")
            if event.get("kind") != "leave" and state.role_of(key) not in (OWNER, MODERATOR):
                raise ApiError(
                    403,
                    "not_moderator",
                    "Only the owner or a moderator can sign this roster event.",
                )
            candidate = copy.deepcopy(state)
            try:
                candidate.apply(event)
            except RosterError as exc:
                raise invalid("event", f"The roster event was refused: {exc}.") from None
            kind = event["kind"]
            target = b64d(event["target"], length=32) if event["target"] else b""
            delete_envelope_id = event["value"] if kind == "delete" else ""
            now = _now_ms()
            try:
                seq = await relay.db(
                    relay.log.append_roster,
                    group.group_id,
                    event,
                    key,
                    now,
                    target if kind == "admit" else b"",
                    delete_envelope_id,
                )
            except RosterConflict:
                # Another relay process stored this index first: the primary key said no.
                await relay.db(relay.fanout.refresh_roster, group)
                raise ApiError(
                    409,
                    "roster_conflict",
                    f"The roster has moved on (next index is {group.state.next_index}); "
                    "fetch the roster and try again.",
                ) from None
            relay.stored_events += 1
            if relay.notifier.inline:
                group.state = candidate
                closing = group.note_membership_change(event)
                group.publish(
                    StoredEvent(seq, "roster", key, now, {"event": event}), VISIBLE_TO_ALL
                )
                if closing:
                    group.close_streams(closing)
            elif group.state.next_index == event["index"]:
                # Stored: this process's checks see it at once; the fan-out, which pushes
                # the row to the streams (and closes a removed member's), skips applying it.
                group.state = candidate
        if kind in ("remove", "ban", "leave") and target:
            await relay.db(relay.guards.end_sessions, group.group_id, target)
        if delete_envelope_id or kind == "admit":  # a deleted message, or the admitted request
            relay.stored_events = await relay.db(relay.log.stored_events)
        return JSONResponse({"seq": seq, "index": event["index"]}, status_code=201)

    async def add_invite(request: Request) -> Response:
        key, body = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        _require_moderator(group, key)
        obj = _json_object(body)
        secret_hash = b64e(_b64_field(obj, "secret_hash", length=32))
        now = _now_ms()
        expires_at = _int_field(obj, "expires_at", now + 1, now + 366 * 86_400_000)
        uses = _int_field(obj, "uses", 1, 1000)
        await relay.db(relay.log.put_invite, group.group_id, secret_hash, expires_at, uses)
        return JSONResponse(
            {"secret_hash": secret_hash, "expires_at": expires_at, "uses": uses}, status_code=201
        )

    async def revoke_invite(request: Request) -> Response:
        key, _ = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        _require_moderator(group, key)
        await relay.db(relay.log.delete_invite, group.group_id, request.path_params["secret_hash"])
        return Response(status_code=204)

    async def request_join(request: Request) -> Response:
        key, body = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        obj = _json_object(body)
        secret = _b64_field(obj, "invite_secret", length=32)
        # Every join request has the same padded size, so the relay refuses any other.
        sealed = _b64_field(obj, "sealed", length=JOIN_BLOB_BYTES)
        if key in group.state.banned:
            raise ApiError(403, "banned", "This key is banned from this group.")
        if group.state.is_member(key):
            raise ApiError(409, "already_member", "This key is already a member of this group.")
        now = _now_ms()
        async with group.lock:
            try:
                request_id, seq, is_new = await relay.db(
                    relay.log.request_join,
                    group.group_id,
                    invite_secret_hash(secret),
                    key,
                    b64e(sealed),
                    b64e(os.urandom(12)),
                    now,
                )
            except InviteRefused as exc:
                raise ApiError(403, "invite_refused", str(exc)) from None
            if is_new:
                relay.stored_events += 1
                shown = {"request_id": request_id, "key": b64e(key), "sealed": b64e(sealed)}
                relay.publish_inline(
                    group, StoredEvent(seq, "join_request", key, now, shown), VISIBLE_TO_MODS
                )
        return JSONResponse({"request_id": request_id, "seq": seq}, status_code=202)

    async def list_join_requests(request: Request) -> Response:
        key, _ = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        _require_moderator(group, key)
        records = await relay.db(relay.log.join_requests, group.group_id, _now_ms())
        return JSONResponse(
            {
                "requests": [
                    {"request_id": r.request_id, "key": b64e(r.key), "sealed": r.sealed, "ts": r.ts}
                    for r in records
                ]
            }
        )

    async def deny_join(request: Request) -> Response:
        key, body = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        _require_moderator(group, key)
        reason = _optional_b64_field(
            _json_object(body) if body else {}, "sealed_reason", length=JOIN_BLOB_BYTES
        )
        denied = await relay.db(
            relay.log.deny_join,
            group.group_id,
            request.path_params["rid"],
            b64e(reason) if reason else None,
            _now_ms(),
        )
        if not denied:
            raise ApiError(
                404, "join_request_not_found", "There is no pending join request with that id."
            )
        relay.stored_events = await relay.db(relay.log.stored_events)
        return JSONResponse({"request_id": request.path_params["rid"], "status": "denied"})

    async def membership(request: Request) -> Response:
        key, _ = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        # The request is read first: an admit deletes it in the same storage step that records
        # the admit, so reading the roster state afterwards never finds neither.
        record = await relay.db(relay.log.join_request_for, group.group_id, key)
        state = group.state
        answer: dict[str, Any] = {"status": "unknown", "role": None, "sealed_reason": None}
        if key in state.banned:
            answer["status"] = "banned"
        elif state.is_member(key):
            answer.update(status="member", role=state.role_of(key))
        else:
            if record is not None and record.expires_at <= _now_ms():
                answer["status"] = "expired"
            elif record is not None and record.status == "pending":
                answer["status"] = "pending"
            elif key in group.removed:
                answer["status"] = "removed"
            elif record is not None and record.status == "denied":
                answer.update(status="denied", sealed_reason=record.sealed_reason)
        return JSONResponse(answer)

    async def start_session(request: Request) -> Response:
        """The handshake (PROTOCOL.md §11.1): only ever a signed request, so a session key,
        stolen or not, cannot extend itself."""
        if request.headers.get("x-peertui-session") is not None:
            raise _signature_required(
                "A session is opened with a signed request, not from within another session."
            )
        key, body = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        _require_member(group, key)
        client_key = _b64_field(_json_object(body), "client_key", length=32)
        assert client_key is not None
        now = _now_ms()
        try:
            opened = open_session(
                group.group_id,
                b64d(group.group_id, length=16),
                key,
                client_key,
                now,
                config.session_seconds,
                config.session_max_requests,
            )
        except SessionKeyError as exc:
            raise invalid("client_key", f"The field 'client_key' is wrong: {exc}.") from None
        await relay.db(relay.guards.add_session, opened.session)
        return JSONResponse(
            {
                "session_id": b64e(opened.session.session_id),
                "relay_key": b64e(opened.relay_public),
                "expires_at": opened.session.expires_at,
                "max_requests": opened.session.max_uses,
            },
            status_code=201,
        )

    async def post_message(incoming: Incoming, gid: str) -> tuple[int, bytes]:
        """The busiest route, on the front door: (status, JSON body)."""
        key, body = await relay.authenticate_incoming(incoming, gid)
        group = await relay.group(gid)
        now = _now_ms()
        _require_member(group, key)
        obj = _json_object(body)
        idem_key = _idempotency_key(obj)
        # No group lock here: with one process the checks and claims below never suspend (the
        # in-process guards do not await) and the group commit settles appends in seq order,
        # so posts are published in seq order anyway. In cluster mode the database orders
        # them and the fan-out publishes committed rows in seq order.
        try:
            _require_may_post(group, key, now)
            envelope = _b64_text_field(obj, "envelope", max_bytes=MAX_ENVELOPE)
            # Stored as sent: canonical b64u needs no JSON escaping, so this is the very text
            # json.dumps({"envelope": ...}) would give, without scanning the envelope again.
            body_json = '{"envelope":"' + envelope + '"}'
            seconds = 0 if group.state.is_moderator(key) else group.state.slowmode_seconds
            claim = await relay.db(relay.guards.claim_post, group.group_id, key, seconds)
            if claim.wait:
                raise ApiError(
                    429,
                    "slow_mode",
                    f"Slow mode is on: you can post again in {int(claim.wait + 0.999)} seconds.",
                    retry_after=claim.wait,
                )
            seq, is_new = await _append_json(
                group, "message", key, now, body_json, VISIBLE_TO_ALL, b"", idem_key
            )
        except ApiError as refused:
            # A retry of a post already stored gets its seq back, even when slow mode, a
            # read-only group or a full quota would refuse a new post now. (Looked up only
            # when refused: otherwise the append itself finds the key, in its transaction.)
            earlier = None
            if idem_key and refused.status in (403, 429, 507):
                earlier = await relay.db(relay.log.posted_seq, group.group_id, key, idem_key)
            if earlier is None:
                raise
            stored = await _stored_time(group, key, earlier, now)
            return 200, b'{"seq":%d,"ts":%d}' % (earlier, stored)
        if not is_new:  # a retry is not a new post for slow mode
            await relay.db(relay.guards.undo_claim, group.group_id, key, claim)
            now = await _stored_time(group, key, seq, now)
        # The time it was stored with, as every member reads it in the log: the poster orders
        # its own message by it exactly as the others do (docs/PROTOCOL.md §9.6).
        return (201 if is_new else 200), b'{"seq":%d,"ts":%d}' % (seq, now)

    async def _stored_time(group: Group, key: bytes, seq: int, fallback: int) -> int:
        """The time the event `seq` was stored with (a retry's original post)."""
        events, _, _ = await relay.db(
            relay.log.read, group.group_id, seq - 1, 1, key, group.state.is_moderator(key)
        )
        return events[0].ts if events and events[0].seq == seq else fallback

    async def post_message_route(request: Request) -> Response:
        """The same through Starlette (the front door answers these before it is reached)."""
        incoming = Incoming.of(request.scope, request.receive)
        status, body = await post_message(incoming, request.path_params["gid"])
        return Response(body, status_code=status, media_type="application/json")

    async def _append(
        group: Group,
        kind: str,
        key: bytes,
        now: int,
        payload: dict[str, Any],
        visible: str,
        recipient: bytes,
        *,
        idem_key: str = "",
    ) -> tuple[int, bool]:
        """Store and publish one event; (seq, is_new) — not new when `idem_key` was seen."""
        body_json = json.dumps(payload, separators=(",", ":"))  # stored and streamed as is
        return await _append_json(group, kind, key, now, body_json, visible, recipient, idem_key)

    async def _append_json(
        group: Group,
        kind: str,
        key: bytes,
        now: int,
        body_json: str,
        visible: str,
        recipient: bytes,
        idem_key: str,
    ) -> tuple[int, bool]:
        """`_append` of a body already in its stored JSON form."""
        size = len(body_json)
        # One process checks the quota here; in cluster mode the writing statement does.
        if relay.notifier.inline and group.bytes_used + size > config.group_quota_bytes:
            raise ApiError(
                507,
                "quota_exceeded",
                "This group has used all the storage the relay allows it; old messages "
                "free space as they expire.",
            )
        group.bytes_used += size  # claimed before the await, so concurrent posts cannot overshoot

        def settle(outcome: Appended | Exception) -> None:
            # Runs as the append is decided (in seq order with one process), whether or not
            # the poster still waits.
            if isinstance(outcome, Exception) or not outcome.is_new:
                group.bytes_used -= size
                return
            relay.stored_events += 1
            if relay.notifier.inline:
                frame = sse_frame_from_row(outcome.seq, kind, key, now, body_json)
                group.publish_frame(outcome.seq, frame, visible, recipient)

        item = Append(group.group_id, kind, key, now, body_json, visible, recipient, idem_key)
        appended = await relay.db(relay.log.append, item, settle)
        return appended.seq, appended.is_new

    async def send_direct(request: Request) -> Response:
        key, body = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        _require_member(group, key)
        obj = _json_object(body)
        to = _b64_field(obj, "to", length=32)
        payload = _b64_field(obj, "payload", max_bytes=MAX_ENVELOPE)
        if not group.state.is_member(to):
            raise invalid("to", "The recipient 'to' is not a member of this group.")
        seq, _ = await _append(
            group,
            "direct",
            key,
            _now_ms(),
            {"to": b64e(to), "payload": b64e(payload)},
            VISIBLE_TO_ONE,
            to,
        )
        return JSONResponse({"seq": seq}, status_code=201)

    async def read_log(request: Request) -> Response:
        key, _ = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        _require_member(group, key)
        since = _int_param(request.query_params.get("since"), "since")
        limit = _int_param(request.query_params.get("limit"), "limit") or PAGE
        if limit > PAGE:
            raise invalid("limit", f"'limit' may be at most {PAGE}.")
        events, purged, last_seq = await relay.db(
            relay.log.read, group.group_id, since, limit, key, group.state.is_moderator(key)
        )
        gap = {"requested": since, "first_available": purged + 1} if purged > since else None
        if len(events) == limit:
            last_seq = events[-1].seq
        return JSONResponse(
            {
                "events": [event_json(e) for e in events],
                "gap": gap,
                "last_seq": last_seq,
                "epoch": group.epoch,
            }
        )

    async def stream_events(incoming: Incoming, gid: str) -> EventStream:
        """The event stream route, on the front door."""
        key, _ = await relay.authenticate_incoming(incoming, gid)
        group = await relay.group(gid)
        _require_member(group, key)
        last_event_id = incoming.headers.get("last-event-id")
        if last_event_id is not None:
            since = _int_param(last_event_id.strip(), "Last-Event-ID")
        else:
            since = _int_param(incoming.query_param("since"), "since")
        address = incoming.address
        if sum(1 for sub in group.subscribers if sub.key == key) >= config.max_streams_per_key:
            raise ApiError(
                429,
                "too_many_streams",
                f"This key already has {config.max_streams_per_key} open event streams.",
                retry_after=5,
            )
        if not relay.guards.open_stream(address):
            raise ApiError(
                429,
                "too_many_streams",
                "Too many open event streams from this address.",
                retry_after=5,
            )
        subscriber = group.subscribe(key, config.subscriber_queue)
        return EventStream(relay, group, subscriber, since, address)

    async def stream_events_route(request: Request) -> EventStream:
        """The same through Starlette (the front door answers these before it is reached)."""
        incoming = Incoming.of(request.scope, request.receive)
        return await stream_events(incoming, request.path_params["gid"])

    routes = [
        # Starlette tries routes in order: the busiest first (their paths are like no other's).
        Route("/v1/groups/{gid}/messages", post_message_route, methods=["POST"]),
        Route("/v1/groups/{gid}/events", stream_events_route, methods=["GET"]),
        Route("/v1/health", health, methods=["GET"]),
        Route("/v1/metrics", metrics, methods=["GET"]),
        Route("/v1/openapi.json", openapi, methods=["GET"]),
        Route("/v1/groups", create_group, methods=["POST"]),
        Route("/v1/groups/{gid}/roster", get_roster, methods=["GET"]),
        Route("/v1/groups/{gid}/roster", post_roster, methods=["POST"]),
        Route("/v1/groups/{gid}/invites", add_invite, methods=["POST"]),
        Route("/v1/groups/{gid}/invites/{secret_hash}", revoke_invite, methods=["DELETE"]),
        Route("/v1/groups/{gid}/join-requests", request_join, methods=["POST"]),
        Route("/v1/groups/{gid}/join-requests", list_join_requests, methods=["GET"]),
        Route("/v1/groups/{gid}/join-requests/{rid}/deny", deny_join, methods=["POST"]),
        Route("/v1/groups/{gid}/membership", membership, methods=["GET"]),
        Route("/v1/groups/{gid}/sessions", start_session, methods=["POST"]),
        Route("/v1/groups/{gid}/direct", send_direct, methods=["POST"]),
        *prekey_routes(relay, _append),
        Route("/v1/groups/{gid}/log", read_log, methods=["GET"]),
    ]

    async def api_error(request: Request, exc: Exception) -> Response:
        return exc.response()  # type: ignore[attr-defined]

    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        if status == 404:
            error = ApiError(404, "not_found", "There is no such endpoint on this relay.")
        elif status == 405:
            error = ApiError(
                405, "method_not_allowed", "This endpoint does not accept that method."
            )
        else:
            error = ApiError(status, "http_error", str(getattr(exc, "detail", "Request refused.")))
        response = error.response()
        allow = (getattr(exc, "headers", None) or {}).get("Allow")
        if allow:
            response.headers["Allow"] = allow  # RFC 9110: a 405 says which methods are allowed
        return response

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        await relay.load()
        background = [
            asyncio.create_task(relay.listen_forever()),
            asyncio.create_task(relay.purge_forever()),
            asyncio.create_task(relay.keepalive_forever()),
        ]
        # Serve only once this process hears the others' commits (cluster mode).
        await relay.notifier.wait_ready(timeout=15)
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            await relay.close()

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(Guard, counts=relay.status_counts, quiet_log=relay.quiet_log)],
        exception_handlers={ApiError: api_error, HTTPException: http_error},
    )
    app.state.relay = relay
    return FrontDoor(
        app, post_message, stream_events, relay.status_counts, relay.quiet_log, app.state
    )


class EventStream:
    """An SSE response that replays stored events after `since`, then forwards live ones.

    It subscribes before reading the backlog, so nothing committed in between is missed, and
    drops live frames it already sent from the backlog (by seq). It watches for the client
    going away, since writes to a closed connection do not fail under uvicorn.
    """

    def __init__(self, relay: Relay, group: Group, subscriber, since: int, address: str) -> None:
        self.relay, self.group, self.subscriber, self.since = relay, group, subscriber, since
        self.address = address

    async def __call__(self, scope, receive, send) -> None:
        subscriber = self.subscriber

        async def watch_disconnect() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            subscriber.close()

        watcher = asyncio.create_task(watch_disconnect())
        write_timeout, deadlines = self.relay.config.write_timeout, self.relay.deadlines

        async def send_or_cut(message) -> None:
            # A client that stops reading fills its socket buffer and then blocks this write;
            # past the deadline it is cut off instead of holding the stream and its memory.
            # (A write to a reader keeping up does not wait, and then holds no limit.)
            await deadlines.bounded(raw_send(message), write_timeout)

        raw_send, send = send, send_or_cut
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"text/event-stream; charset=utf-8"),
                        (b"cache-control", b"no-cache"),
                        (b"x-accel-buffering", b"no"),
                        # What the client checks its cursor against (issue 11: log epoch).
                        (b"x-peertui-epoch", self.group.epoch.encode()),
                        (b"x-peertui-last-seq", str(self.group.last_seq).encode()),
                        (
                            b"x-peertui-keepalive",
                            f"{self.relay.config.keepalive_seconds:g}".encode(),
                        ),
                    ],
                }
            )
            last = await self._send_backlog(send)
            while not subscriber.closed:
                batch = await subscriber.next_batch()
                if subscriber.closed and not batch:
                    break
                fresh = [frame for seq, frame in batch if seq > last]
                if batch:
                    last = max(last, batch[-1][0])
                chunk = b"".join(fresh) if batch else b": keepalive\n\n"
                if chunk:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except TimeoutError:  # before OSError, of which it is a subclass
            # It stopped reading: cut it off (it resumes from its last id when it reads again).
            subscriber.close()
            self.relay.quiet_log.warning(
                "slow_subscriber", "cut off an event stream whose client stopped reading"
            )
        except OSError:
            pass  # the client went away mid-write; it resumes from its last id
        finally:
            watcher.cancel()
            self.group.unsubscribe(subscriber)
            self.relay.guards.close_stream(self.address)

    async def _send_backlog(self, send) -> int:
        last = self.since
        key = self.subscriber.key
        while not self.subscriber.closed:
            rows, purged, _ = await self.relay.db(
                self.relay.log.read_rows,
                self.group.group_id,
                last,
                PAGE,
                key,
                self.group.state.is_moderator(key),
            )
            chunks = []
            if purged > last:
                chunks.append(gap_frame(last, purged + 1))
                last = purged
            for row in rows:
                chunks.append(sse_frame_from_row(*row))
                last = row[0]
            if chunks:
                await send(
                    {"type": "http.response.body", "body": b"".join(chunks), "more_body": True}
                )
            if len(rows) < PAGE:
                break
        return last
