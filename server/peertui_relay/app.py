"""The relay's HTTP API (contract §1) as a Starlette app: `create_app(config)`."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hmac
import json
import logging
import os
import re
import sqlite3
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from peertui_relay.config import RelayConfig
from peertui_relay.errors import ApiError, invalid
from peertui_relay.group_commit import GroupCommitter
from peertui_relay.hub import Group, event_json, gap_frame, sse_frame_from_row
from peertui_relay.limits import NonceCache, TokenBuckets
from peertui_relay.logs import QuietLog
from peertui_relay.openapi import OPENAPI
from peertui_relay.prekeys import prekey_routes
from peertui_relay.storage import (
    VISIBLE_TO_ALL,
    VISIBLE_TO_MODS,
    VISIBLE_TO_ONE,
    Append,
    Appended,
    InviteRefused,
    SqliteStorage,
    StoredEvent,
    storage_problem,
)
from peertui_wire.auth import MAX_CLOCK_SKEW_MS, AuthError, origin_of, verify_request
from peertui_wire.encoding import EncodingError, b64d, b64e
from peertui_wire.ids import invite_secret_hash
from peertui_wire.protocol import JOIN_BLOB_BYTES, PROTOCOL_VERSION
from peertui_wire.roster import MODERATOR, OWNER, RosterError, RosterState
from peertui_wire.roster import VERSION as ROSTER_VERSION

MAX_ENVELOPE = 48 * 1024
PAGE = 500
MAX_RETENTION_DAYS = 3650


def _now_ms() -> int:
    return int(time.time() * 1000)


class RelayDataTooOld(Exception):
    """The data directory was written by an earlier protocol; `str()` says what to do."""


class Relay:
    """Everything the handlers share: storage (on one worker thread), groups and guards."""

    def __init__(self, config: RelayConfig) -> None:
        self.config = config
        self.storage = SqliteStorage(config.data_dir, max_pages=config.max_db_pages)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="relay-storage")
        # Posts and directs go through here: one transaction per batch on the same worker.
        self.committer = GroupCommitter(self._worker, self.storage.append_batch)
        self.groups: dict[str, Group] = {}
        # Nonces of keys a group knows, kept apart from those of unknown keys: a flood of fresh
        # keys can then only crowd out other unknown keys, never the members.
        self.nonces = NonceCache(MAX_CLOCK_SKEW_MS)
        self.unknown_nonces = NonceCache(MAX_CLOCK_SKEW_MS, max_entries=50_000)
        self.buckets = TokenBuckets(config.rate_per_second, config.rate_burst)
        self.unknown_buckets = TokenBuckets(config.unknown_key_rate, 50)
        self.creation_buckets = TokenBuckets(
            config.creations_per_hour / 3600, max(config.creations_per_hour, 1)
        )
        # Requests signed before this moment are refused: nonces live in memory only, so a
        # request captured before a restart could otherwise be replayed after it.
        self.boot_ms = _now_ms()
        self.streams_by_address: Counter[str] = Counter()
        self.storage_full_at = 0.0
        self.create_lock = asyncio.Lock()
        self.status_counts: Counter[str] = Counter()
        self.quiet_log = QuietLog()
        self.stored_events = 0

    async def db(self, fn, *args):
        try:
            return await asyncio.get_running_loop().run_in_executor(self._worker, fn, *args)
        except sqlite3.Error as exc:
            raise self.storage_error(exc) from None

    async def append(self, item: Append, settle) -> Appended:
        """Store `item` in the next group commit; `settle` runs in seq order once decided."""
        try:
            return await self.committer.append(item, settle)
        except sqlite3.Error as exc:
            raise self.storage_error(exc) from None

    def storage_error(self, exc: sqlite3.Error) -> Exception:
        """The API error for a store that cannot take writes (503 busy, 507 full), or `exc`."""
        problem = storage_problem(exc)
        if problem is None:
            return exc
        if problem.busy:
            return ApiError(503, "storage_busy", str(problem), retry_after=2)
        self.storage_full_at = time.monotonic()
        self.quiet_log.warning(
            "storage", f"storage unavailable ({type(exc).__name__}: {exc}); answering 507"
        )
        return ApiError(
            507, "storage_full", str(problem), retry_after=self.config.storage_retry_seconds
        )

    async def load(self) -> None:
        for record in await self.db(self.storage.groups):
            roster = await self.db(self.storage.roster, record.group_id)
            if roster and roster[0].get("v") != ROSTER_VERSION:
                raise RelayDataTooOld(
                    f"The data in {self.config.data_dir} was written by an older peertui relay "
                    f"(protocol {roster[0].get('v')}), which this relay (protocol "
                    f"{PROTOCOL_VERSION}) cannot serve. Move that folder aside and start again: "
                    "nothing was released, so there is nothing to convert."
                )
            group = Group.from_roster(roster, record.retention_ms, record.bytes_used)
            group.epoch, group.last_seq = record.epoch, record.last_seq
            self.groups[record.group_id] = group
        self.stored_events = await self.db(self.storage.stored_events)

    async def keepalive_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.keepalive_seconds)
            for group in self.groups.values():
                group.nudge_all()

    async def purge_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.purge_interval_seconds)
            await self.purge()

    async def purge(self) -> None:
        await self.db(self.storage.purge, _now_ms(), self.config.retention_seconds * 1000)
        await self.db(self.storage.expire_joins, _now_ms())
        if self.config.reclaim_idle_groups:
            connected = {gid for gid, group in self.groups.items() if group.subscribers}
            for group_id in await self.db(
                self.storage.reclaim_idle,
                _now_ms(),
                int(self.config.retention_seconds * 1000),
                connected,
            ):
                group = self.groups.pop(group_id, None)
                if group is not None:
                    group.close_all()
        for record in await self.db(self.storage.groups):
            if record.group_id in self.groups:
                self.groups[record.group_id].bytes_used = record.bytes_used
        self.stored_events = await self.db(self.storage.stored_events)

    def close_streams(self) -> None:
        for group in self.groups.values():
            group.close_all()

    def close(self) -> None:
        self.close_streams()
        self._worker.shutdown(wait=True)
        self.storage.close()

    # -- request plumbing ----------------------------------------------------------------

    async def read_body(self, request: Request) -> bytes:
        limit = self.config.max_body_bytes
        too_large = ApiError(
            413,
            "body_too_large",
            f"The request body is larger than this relay accepts ({limit // 1024} KiB).",
        )
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_large
        chunks, size = [], 0
        try:
            async with asyncio.timeout(self.config.body_timeout):
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > limit:
                        raise too_large
                    chunks.append(chunk)
        except TimeoutError:
            raise ApiError(
                408,
                "body_timeout",
                f"The request body did not arrive within {self.config.body_timeout:g} seconds.",
            ) from None
        return b"".join(chunks)

    def expected_origin(self, request: Request) -> str:
        if self.config.public_url:
            return origin_of(self.config.public_url)
        host = request.headers.get("host", "")
        return origin_of(f"{request.url.scheme}://{host}") if host else ""

    @staticmethod
    def address(request: Request) -> str:
        return request.client.host if request.client else ""

    async def authenticate(self, request: Request) -> tuple[bytes, bytes]:
        """Check size, signature, replay and rate; return (signer key, body)."""
        body = await self.read_body(request)
        raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
        query = request.scope.get("query_string", b"")
        path_qs = raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        now = _now_ms()
        gid = request.path_params.get("gid")
        group = self.groups.get(gid) if gid else None
        # A key no group knows pays from its address's small bucket before the relay spends
        # a signature check on it: a flood of fresh keys costs the flooder, not the members.
        claimed = _claimed_key(request.headers.get("x-peertui-key", ""))
        if not _is_known(group, claimed):
            wait = self.unknown_buckets.take(self.address(request).encode())
            if wait:
                raise ApiError(
                    429,
                    "rate_limited",
                    "Too many requests from this address; wait a moment and try again.",
                    retry_after=wait,
                )
        try:
            key, nonce, ts = verify_request(
                request.headers,
                request.method,
                path_qs,
                body,
                now,
                origin=self.expected_origin(request),
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
        if ts < self.boot_ms:
            raise ApiError(
                401,
                "stale_request",
                "This request was signed before the relay last started, so it could be a "
                "replay; send it again (with a new signature).",
            )
        # Rate before nonce: a nonce is remembered only for a request that is within its rate,
        # and one from a key no group knows only in the unknown keys' own cache.
        if _is_known(group, key):
            wait, nonces = self.buckets.take(key), self.nonces
        else:
            wait, nonces = 0.0, self.unknown_nonces  # already paid for above
        if wait:
            raise ApiError(
                429,
                "rate_limited",
                "Too many requests from this key; wait a moment and try again.",
                retry_after=wait,
            )
        refusal = nonces.check_and_add(nonce, ts, now)
        if refusal:
            raise ApiError(401, "replayed_request", refusal)
        return key, body

    def group(self, group_id: str) -> Group:
        group = self.groups.get(group_id)
        if group is None:
            raise ApiError(
                404, "group_not_found", "This relay has no group with that id; check the invite."
            )
        return group


def _claimed_key(header: str) -> bytes:
    try:
        return b64d(header, length=32)
    except EncodingError:
        return b""


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
    obj: dict[str, Any],
    name: str,
    *,
    length: int | None = None,
    max_bytes: int | None = None,
    required: bool = True,
) -> bytes | None:
    if name not in obj and not required:
        return None
    if name not in obj:
        raise invalid(name, f"The field '{name}' is required.")
    try:
        data = b64d(obj[name], length=length, field=name)
    except EncodingError as exc:
        raise invalid(name, f"The field '{name}' is wrong: {exc}.") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise invalid(name, f"The field '{name}' is larger than {max_bytes // 1024} KiB.")
    return data


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


def create_app(config: RelayConfig) -> Starlette:
    relay = Relay(config)

    async def health(request: Request) -> Response:
        """200 only when the store answers and has taken writes lately (no 507 in 30 s)."""
        try:
            await relay.db(relay.storage.check)
        except ApiError as exc:
            return JSONResponse({"status": "unavailable", "reason": exc.message}, status_code=503)
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
            f"peertui_relay_commits_total {relay.committer.batches}",
            "# HELP peertui_relay_appends_total Posts and directs handed to those commits.",
            "# TYPE peertui_relay_appends_total counter",
            f"peertui_relay_appends_total {relay.committer.appends}",
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
        try:
            state = RosterState.from_genesis(obj.get("genesis"))
        except RosterError as exc:
            raise invalid("genesis", f"The genesis roster event is not valid: {exc}.") from None
        if state.owner != key:
            raise invalid(
                "genesis", "The genesis must be signed by the key that signs the request."
            )
        check_creation_policy(request, key)
        days = _int_field(obj, "retention_days", 1, MAX_RETENTION_DAYS, required=False)
        retention_ms = (days * 86_400_000) if days else config.retention_seconds * 1000
        async with relay.create_lock:
            if state.group_id in relay.groups:
                raise ApiError(
                    409, "group_exists", "A group with this owner key already exists on this relay."
                )
            if len(relay.groups) >= config.max_groups:
                raise ApiError(
                    507,
                    "quota_exceeded",
                    "This relay hosts as many groups as it allows; try another relay.",
                )
            now = _now_ms()
            genesis = obj["genesis"]
            seq = await relay.db(
                relay.storage.create_group, state.group_id, key, retention_ms, genesis, now
            )
            record = await relay.db(relay.storage.group_record, state.group_id)
            relay.groups[state.group_id] = Group(
                state.group_id, state, retention_ms, 0, epoch=record.epoch, last_seq=seq
            )
            relay.stored_events += 1
        return JSONResponse({"group_id": state.group_id, "seq": seq}, status_code=201)

    def check_creation_policy(request: Request, key: bytes) -> None:
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
            wait = relay.creation_buckets.take(relay.address(request).encode())
            if wait:
                raise ApiError(
                    429,
                    "creation_rate_limited",
                    "Too many new groups from this address; try again later.",
                    retry_after=wait,
                )

    async def get_roster(request: Request) -> Response:
        key, _ = await relay.authenticate(request)
        group = relay.group(request.path_params["gid"])
        _require_member(group, key)
        events = await relay.db(relay.storage.roster, group.group_id)
        return JSONResponse({"events": events})

    async def post_roster(request: Request) -> Response:
        key, body = await relay.authenticate(request)
        group = relay.group(request.path_params["gid"])
        event = _json_object(body).get("event")
        if not isinstance(event, dict):
            raise invalid("event", "The field 'event' must be a roster event object.")
        if event.get("signer") != b64e(key):
            raise invalid("event", "A roster event must be sent by the key that signed it.")
        async with group.lock:
            state = group.state
            if event.get("index") != state.next_index or event.get("prev") != state.head_hash:
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
            seq = await relay.db(
                relay.storage.append_roster,
                group.group_id,
                event,
                key,
                now,
                target if kind == "admit" else b"",
                delete_envelope_id,
            )
            group.state = candidate
            closing = group.note_membership_change(event)
            relay.stored_events += 1
            group.publish(StoredEvent(seq, "roster", key, now, {"event": event}), VISIBLE_TO_ALL)
            if closing:
                group.close_streams(closing)
        if delete_envelope_id or kind == "admit":  # a deleted message, or the admitted request
            relay.stored_events = await relay.db(relay.storage.stored_events)
        return JSONResponse({"seq": seq, "index": event["index"]}, status_code=201)

    async def add_invite(request: Request) -> Response:
        key, body = await relay.authenticate(request)
        group = relay.group(request.path_params["gid"])
        _require_moderator(group, key)
        obj = _json_object(body)
        secret_hash = b64e(_b64_field(obj, "secret_hash", length=32))
        now = _now_ms()
        expires_at = _int_field(obj, "expires_at", now + 1, now + 366 * 86_400_000)
        uses = _int_field(obj, "uses", 1, 1000)
        await relay.db(relay.storage.put_invite, group.group_id, secret_hash, expires_at, uses)
        return JSONResponse(
            {"secret_hash": secret_hash, "expires_at": expires_at, "uses": uses}, status_code=201
        )

    async def revoke_invite(request: Request) -> Response:
        key, _ = await relay.authenticate(request)
        group = relay.group(request.path_params["gid"])
        _require_moderator(group, key)
        await relay.db(
            relay.storage.delete_invite, group.group_id, request.path_params["secret_hash"]
        )
        return Response(status_code=204)

    async def request_join(request: Request) -> Response:
        key, body = await relay.authenticate(request)
        group = relay.group(request.path_params["gid"])
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
                    relay.storage.request_join,
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
                body = {"request_id": request_id, "key": b64e(key), "sealed": b64e(sealed)}
                group.publish(StoredEvent(seq, "join_request", key, now, body), VISIBLE_TO_MODS)
        return JSONResponse({"request_id": request_id, "seq": seq}, status_code=202)

    async def list_join_requests(request: Request) -> Response:
        key, _ = await relay.authenticate(request)
        group = relay.group(request.path_params["gid"])
        _require_moderator(group, key)
        records = await relay.db(relay.storage.join_requests, group.group_id, _now_ms())
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
        group = relay.group(request.path_params["gid"])
        _require_moderator(group, key)
        reason = _b64_field(
            _json_object(body) if body else {},
            "sealed_reason",
            length=JOIN_BLOB_BYTES,
            required=False,
        )
        denied = await relay.db(
            relay.storage.deny_join,
            group.group_id,
            request.path_params["rid"],
            b64e(reason) if reason else None,
            _now_ms(),
        )
        if not denied:
            raise ApiError(
                404, "join_request_not_found", "There is no pending join request with that id."
            )
        relay.stored_events = await relay.db(relay.storage.stored_events)
        return JSONResponse({"request_id": request.path_params["rid"], "status": "denied"})

    async def membership(request: Request) -> Response:
        key, _ = await relay.authenticate(request)
        group = relay.group(request.path_params["gid"])
        # The request is read first: an admit deletes it in the same storage step that records
        # the admit, so reading the roster state afterwards never finds neither.
        record = await relay.db(relay.storage.join_request_for, group.group_id, key)
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

    async def post_message(request: Request) -> Response:
        key, body = await relay.authenticate(request)
        group = relay.group(request.path_params["gid"])
        now = _now_ms()
        _require_member(group, key)
        obj = _json_object(body)
        idem_key = _idempotency_key(obj)
        # No group lock here: checks and claims below are synchronous, and the group commit
        # settles appends in seq order, so posts are published in seq order anyway.
        try:
            _require_may_post(group, key, now)
            payload = {"envelope": b64e(_b64_field(obj, "envelope", max_bytes=MAX_ENVELOPE))}
            wait = _slow_mode_wait(group, key)
            if wait:
                raise ApiError(
                    429,
                    "slow_mode",
                    f"Slow mode is on: you can post again in {int(wait + 0.999)} seconds.",
                    retry_after=wait,
                )
            previous_post = group.last_post.get(key)
            group.last_post[key] = time.monotonic()
            seq, is_new = await _append(
                group, "message", key, now, payload, VISIBLE_TO_ALL, b"", idem_key=idem_key
            )
        except ApiError as refused:
            # A retry of a post already stored gets its seq back, even when slow mode, a
            # read-only group or a full quota would refuse a new post now. (Looked up only
            # when refused: otherwise the append itself finds the key, in its transaction.)
            seq = None
            if idem_key and refused.status in (403, 429, 507):
                seq = await relay.db(relay.storage.posted_seq, group.group_id, key, idem_key)
            if seq is None:
                raise
            return JSONResponse({"seq": seq}, status_code=200)
        if not is_new and previous_post is not None:
            group.last_post[key] = previous_post  # a retry is not a new post for slow mode
        return JSONResponse({"seq": seq}, status_code=201 if is_new else 200)

    def _slow_mode_wait(group: Group, key: bytes) -> float:
        seconds = group.state.slowmode_seconds
        if not seconds or group.state.is_moderator(key) or key not in group.last_post:
            return 0.0
        return max(0.0, seconds - (time.monotonic() - group.last_post[key]))

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
        size = len(json.dumps(payload, separators=(",", ":")))
        if group.bytes_used + size > config.group_quota_bytes:
            raise ApiError(
                507,
                "quota_exceeded",
                "This group has used all the storage the relay allows it; old messages "
                "free space as they expire.",
            )
        group.bytes_used += size  # claimed before the await, so concurrent posts cannot overshoot

        def settle(outcome: Appended | Exception) -> None:
            # Runs in seq order as the batch is decided, whether or not the poster still waits.
            if isinstance(outcome, Exception) or not outcome.is_new:
                group.bytes_used -= size
                return
            relay.stored_events += 1
            group.publish(StoredEvent(outcome.seq, kind, key, now, payload), visible, recipient)

        item = Append(group.group_id, kind, key, now, payload, visible, recipient, idem_key)
        appended = await relay.append(item, settle)
        return appended.seq, appended.is_new

    async def send_direct(request: Request) -> Response:
        key, body = await relay.authenticate(request)
        group = relay.group(request.path_params["gid"])
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
        group = relay.group(request.path_params["gid"])
        _require_member(group, key)
        since = _int_param(request.query_params.get("since"), "since")
        limit = _int_param(request.query_params.get("limit"), "limit") or PAGE
        if limit > PAGE:
            raise invalid("limit", f"'limit' may be at most {PAGE}.")
        events, purged, last_seq = await relay.db(
            relay.storage.read, group.group_id, since, limit, key, group.state.is_moderator(key)
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

    async def stream_events(request: Request) -> Response:
        key, _ = await relay.authenticate(request)
        group = relay.group(request.path_params["gid"])
        _require_member(group, key)
        last_event_id = request.headers.get("last-event-id")
        if last_event_id is not None:
            since = _int_param(last_event_id.strip(), "Last-Event-ID")
        else:
            since = _int_param(request.query_params.get("since"), "since")
        address = relay.address(request)
        if sum(1 for sub in group.subscribers if sub.key == key) >= config.max_streams_per_key:
            raise ApiError(
                429,
                "too_many_streams",
                f"This key already has {config.max_streams_per_key} open event streams.",
                retry_after=5,
            )
        if relay.streams_by_address[address] >= config.max_streams_per_address:
            raise ApiError(
                429,
                "too_many_streams",
                "Too many open event streams from this address.",
                retry_after=5,
            )
        subscriber = group.subscribe(key, config.subscriber_queue)
        relay.streams_by_address[address] += 1
        return EventStream(relay, group, subscriber, since, address)

    routes = [
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
        Route("/v1/groups/{gid}/messages", post_message, methods=["POST"]),
        Route("/v1/groups/{gid}/direct", send_direct, methods=["POST"]),
        *prekey_routes(relay, _append),
        Route("/v1/groups/{gid}/events", stream_events, methods=["GET"]),
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
            asyncio.create_task(relay.purge_forever()),
            asyncio.create_task(relay.keepalive_forever()),
        ]
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            relay.close()

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(_Guard, relay=relay)],
        exception_handlers={ApiError: api_error, HTTPException: http_error},
    )
    app.state.relay = relay
    return app


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
        write_timeout = self.relay.config.write_timeout

        async def send_or_cut(message) -> None:
            # A client that stops reading fills its socket buffer and then blocks this write;
            # past the deadline it is cut off instead of holding the stream and its memory.
            async with asyncio.timeout(write_timeout):
                await raw_send(message)

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
        except OSError:
            pass  # the client went away mid-write; it resumes from its last id
        except TimeoutError:
            # It stopped reading: cut it off (it resumes from its last id when it reads again).
            subscriber.close()
            self.relay.quiet_log.warning(
                "slow_subscriber", "cut off an event stream whose client stopped reading"
            )
        finally:
            watcher.cancel()
            self.group.unsubscribe(subscriber)
            self.relay.streams_by_address[self.address] -= 1
            if self.relay.streams_by_address[self.address] <= 0:
                del self.relay.streams_by_address[self.address]

    async def _send_backlog(self, send) -> int:
        last = self.since
        key = self.subscriber.key
        while not self.subscriber.closed:
            rows, purged, _ = await self.relay.db(
                self.relay.storage.read_rows,
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


class _Guard:
    """ASGI wrapper: counts answers by status class for /v1/metrics, and turns what escapes the
    handlers into one answer without a traceback per request.

    A client that goes away mid-request is not an error (nothing to answer, nothing counted).
    Anything else unexpected is answered 500 and logged once a minute with its type; Starlette's
    own error middleware never sees it, so it cannot print a traceback per request.
    """

    def __init__(self, app, relay: Relay) -> None:
        self.app, self.relay = app, relay

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        counts = self.relay.status_counts
        started = False

        async def counting_send(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                counts[f"{message['status'] // 100}xx"] += 1
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        except ClientDisconnect:
            counts["client_disconnect"] += 1
        except Exception as exc:  # noqa: BLE001 - the one place that answers for the unknown
            self.relay.quiet_log.warning(
                f"unexpected:{type(exc).__name__}",
                f"unexpected {type(exc).__name__} answering {scope['method']} "
                f"{scope.get('route_path', scope['path'])[:80]}; answered 500",
            )
            logging.getLogger("peertui_relay").debug("unexpected error", exc_info=True)
            if started:
                return
            response = ApiError(
                500,
                "internal_error",
                "The relay failed to handle this request; it has been counted, please try "
                "again later.",
            ).response()
            await response(scope, receive, counting_send)
