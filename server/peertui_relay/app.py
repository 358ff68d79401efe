"""The relay's HTTP API (contract §1) as a Starlette app: `create_app(config)`."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hmac
import json
import os
import time
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from peertui_relay.config import RelayConfig
from peertui_relay.errors import ApiError, invalid
from peertui_relay.eventlog import (
    QuotaExceeded,
    RosterConflict,
)
from peertui_relay.fields import (
    b64_field,
    b64_text_field,
    idempotency_key,
    int_field,
    int_param,
    json_object,
    optional_b64_field,
    require_may_post,
    require_member,
    require_moderator,
)
from peertui_relay.front import FrontDoor, Guard, Incoming
from peertui_relay.guards import Bucket
from peertui_relay.hub import Group, event_json, gap_frame, sse_frame_from_row
from peertui_relay.openapi import OPENAPI
from peertui_relay.prekeys import prekey_routes
from peertui_relay.relay import (
    MAX_ENVELOPE,
    MAX_RETENTION_DAYS,
    PAGE,
    Relay,
    now_ms,
    signature_required,
)
from peertui_relay.sessions import open_session
from peertui_relay.storage import (
    VISIBLE_TO_ALL,
    VISIBLE_TO_MODS,
    VISIBLE_TO_ONE,
    Append,
    Appended,
    InviteRefused,
    StoredEvent,
)
from peertui_wire.encoding import b64d, b64e
from peertui_wire.ids import invite_secret_hash
from peertui_wire.protocol import JOIN_BLOB_BYTES, PROTOCOL_VERSION
from peertui_wire.request_session import (
    SessionKeyError,
)
from peertui_wire.roster import MODERATOR, OWNER, RosterError, RosterState


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
        obj = json_object(body)
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
        days = int_field(obj, "retention_days", 1, MAX_RETENTION_DAYS, required=False)
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
            now = now_ms()
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
        require_member(group, key)
        events = await relay.db(relay.log.roster, group.group_id)
        return JSONResponse({"events": events})

    async def post_roster(request: Request) -> Response:
        key, body = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        event = json_object(body).get("event")
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
            now = now_ms()
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
        require_moderator(group, key)
        obj = json_object(body)
        secret_hash = b64e(b64_field(obj, "secret_hash", length=32))
        now = now_ms()
        expires_at = int_field(obj, "expires_at", now + 1, now + 366 * 86_400_000)
        uses = int_field(obj, "uses", 1, 1000)
        await relay.db(relay.log.put_invite, group.group_id, secret_hash, expires_at, uses)
        return JSONResponse(
            {"secret_hash": secret_hash, "expires_at": expires_at, "uses": uses}, status_code=201
        )

    async def revoke_invite(request: Request) -> Response:
        key, _ = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        require_moderator(group, key)
        await relay.db(relay.log.delete_invite, group.group_id, request.path_params["secret_hash"])
        return Response(status_code=204)

    async def request_join(request: Request) -> Response:
        key, body = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        obj = json_object(body)
        secret = b64_field(obj, "invite_secret", length=32)
        # Every join request has the same padded size, so the relay refuses any other.
        sealed = b64_field(obj, "sealed", length=JOIN_BLOB_BYTES)
        if key in group.state.banned:
            raise ApiError(403, "banned", "This key is banned from this group.")
        if group.state.is_member(key):
            raise ApiError(409, "already_member", "This key is already a member of this group.")
        now = now_ms()
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
        require_moderator(group, key)
        records = await relay.db(relay.log.join_requests, group.group_id, now_ms())
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
        require_moderator(group, key)
        reason = optional_b64_field(
            json_object(body) if body else {}, "sealed_reason", length=JOIN_BLOB_BYTES
        )
        denied = await relay.db(
            relay.log.deny_join,
            group.group_id,
            request.path_params["rid"],
            b64e(reason) if reason else None,
            now_ms(),
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
            if record is not None and record.expires_at <= now_ms():
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
            raise signature_required(
                "A session is opened with a signed request, not from within another session."
            )
        key, body = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        require_member(group, key)
        client_key = b64_field(json_object(body), "client_key", length=32)
        assert client_key is not None
        now = now_ms()
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
        now = now_ms()
        require_member(group, key)
        obj = json_object(body)
        idem_key = idempotency_key(obj)
        # No group lock here: with one process the checks and claims below never suspend (the
        # in-process guards do not await) and the group commit settles appends in seq order,
        # so posts are published in seq order anyway. In cluster mode the database orders
        # them and the fan-out publishes committed rows in seq order.
        try:
            require_may_post(group, key, now)
            envelope = b64_text_field(obj, "envelope", max_bytes=MAX_ENVELOPE)
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
        require_member(group, key)
        obj = json_object(body)
        to = b64_field(obj, "to", length=32)
        payload = b64_field(obj, "payload", max_bytes=MAX_ENVELOPE)
        if not group.state.is_member(to):
            raise invalid("to", "The recipient 'to' is not a member of this group.")
        seq, _ = await _append(
            group,
            "direct",
            key,
            now_ms(),
            {"to": b64e(to), "payload": b64e(payload)},
            VISIBLE_TO_ONE,
            to,
        )
        return JSONResponse({"seq": seq}, status_code=201)

    async def read_log(request: Request) -> Response:
        key, _ = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        require_member(group, key)
        since = int_param(request.query_params.get("since"), "since")
        limit = int_param(request.query_params.get("limit"), "limit") or PAGE
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
        require_member(group, key)
        last_event_id = incoming.headers.get("last-event-id")
        if last_event_id is not None:
            since = int_param(last_event_id.strip(), "Last-Event-ID")
        else:
            since = int_param(incoming.query_param("since"), "since")
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
