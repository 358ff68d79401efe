"""Talking to a relay (contract §2): signed requests, the SSE event stream, and `follow()`.

Every request is signed with the member's per-group key. Errors come back as `RelayError`
subclasses whose `str()` is a sentence the user can act on; nothing here prints or logs
message bodies or keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from httpx_sse import SSEError, aconnect_sse
from nacl.signing import SigningKey

from peertui.core.relay_errors import (
    EventTooLarge,
    RateLimited,
    RelayBusy,
    RelayError,
    RelayFault,
    RelayRefused,
    RelayUnavailable,
    StreamStalled,
    is_definite_refusal,
    retry_after,
)
from peertui.core.relay_events import (
    MAX_ANSWER_BYTES,
    MAX_EVENT_BYTES,
    Gap,
    GuardedStream,
    Posted,
    RelayEvent,
    StreamInfo,
    event_from_json,
    stream_info,
)
from peertui.core.relay_session import SESSION_REFUSALS, HandshakeDeclined, SessionKeeper
from peertui_wire.auth import origin_of, sign_request
from peertui_wire.encoding import EncodingError, b64d, b64e
from peertui_wire.protocol import PROTOCOL_VERSION

# Where the rest of peertui imports them from: the client, its errors and its events.
__all__ = [
    "MAX_ANSWER_BYTES",
    "MAX_EVENT_BYTES",
    "Backoff",
    "EventTooLarge",
    "Gap",
    "Posted",
    "RateLimited",
    "RelayBusy",
    "RelayClient",
    "RelayError",
    "RelayEvent",
    "RelayFault",
    "RelayRefused",
    "RelayUnavailable",
    "StreamInfo",
    "StreamStalled",
    "follow",
    "is_definite_refusal",
]


def _seq_of(answer: Any, base_url: str) -> int:
    """The `seq` a write answer must carry; an answer without one is not an acknowledgement."""
    seq = answer.get("seq") if isinstance(answer, dict) else None
    if type(seq) is not int or seq < 1:
        raise RelayBusy(fault=RelayFault.NO_SEQ, relay=base_url)
    return seq


class RelayClient:
    """One per group membership: every request is signed with that membership's key."""

    def __init__(
        self,
        base_url: str,
        key: SigningKey,
        *,
        proxy: str | None = None,
        timeout: float = 10.0,
        sessions: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._origin = origin_of(self.base_url)
        self._key = key
        self._timeout = timeout
        self._http = httpx.AsyncClient(
            base_url=self.base_url, proxy=proxy or None, timeout=httpx.Timeout(timeout)
        )
        # Posts, the event stream and log pages go MAC'd within a session (PROTOCOL.md
        # §11.1) unless `sessions` is False; everything else stays signed.
        self.sessions = SessionKeeper(bytes(key.verify_key), self._origin, self._handshake)
        if not sessions:
            self.sessions.not_supported()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> RelayClient:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.aclose()

    # -- plumbing ----------------------------------------------------------------------

    def _signed(self, method: str, path_qs: str, body: bytes) -> dict[str, str]:
        headers = sign_request(self._key, method, path_qs, body, origin=self._origin)
        if body:
            headers["Content-Type"] = "application/json"
        return headers

    def _unreachable(self, exc: Exception) -> RelayUnavailable:
        if isinstance(exc, httpx.TimeoutException):
            return RelayUnavailable(
                fault=RelayFault.TIMEOUT, relay=self.base_url, timeout=self._timeout
            )
        return RelayUnavailable(fault=RelayFault.UNREACHABLE, relay=self.base_url)

    async def _authenticated(
        self, method: str, path_qs: str, body: bytes, session_group: str | None
    ) -> dict[str, str]:
        """Session headers for `session_group`'s requests when a session can be had, else a
        signature."""
        if session_group is not None:
            headers = await self.sessions.headers(session_group, method, path_qs, body)
            if headers is not None:
                if body:
                    headers["Content-Type"] = "application/json"
                return headers
        return self._signed(method, path_qs, body)

    async def _handshake(self, group_id: str, payload: dict[str, Any]) -> Any:
        try:
            return await self._request("POST", f"/v1/groups/{group_id}/sessions", payload)
        except RelayRefused as exc:
            if exc.status in (404, 405) and exc.code in ("not_found", "method_not_allowed"):
                self.sessions.not_supported()  # a relay from before sessions: sign, always
            raise HandshakeDeclined from None

    def _session_refused(
        self, group_id: str | None, headers: dict[str, str], status: int, content: bytes
    ) -> str:
        """The relay's code when it refused the session a request carried, else "". The
        session is then dropped, and the caller sends the request once more (the relay stored
        nothing): in a new session, or signed when the MAC itself was refused."""
        if group_id is None or "X-Peertui-Session" not in headers or status != 401:
            return ""
        try:
            code = json.loads(content)["error"]["code"]
        except (ValueError, KeyError, TypeError, RecursionError):
            return ""
        if code not in SESSION_REFUSALS:
            return ""
        self.sessions.drop(group_id)
        return str(code)

    def _after_signed_retry(self, refusal: str, status: int) -> None:
        """A MAC the relay called wrong, then the same request signed and accepted: something
        between here and the relay does not carry sessions, so sign from now on."""
        if refusal == "unauthenticated" and 200 <= status < 300:
            self.sessions.not_supported()

    async def _request(
        self,
        method: str,
        path_qs: str,
        payload: dict | None = None,
        unsigned: bool = False,
        *,
        session_group: str | None = None,
    ) -> Any:
        body = json.dumps(payload, separators=(",", ":")).encode() if payload is not None else b""
        refusal = ""
        for attempt in (1, 2):
            if unsigned:
                headers = {}
            elif refusal == "unauthenticated":
                headers = self._signed(method, path_qs, body)
            else:
                headers = await self._authenticated(method, path_qs, body, session_group)
            try:
                async with self._http.stream(
                    method, path_qs, content=body, headers=headers
                ) as response:
                    content = await self._read_capped(response)
            except httpx.HTTPError as exc:
                raise self._unreachable(exc) from None
            if attempt == 1:
                refusal = self._session_refused(
                    session_group, headers, response.status_code, content
                )
                if refusal:
                    continue
            self._after_signed_retry(refusal, response.status_code)
            break
        if not 200 <= response.status_code < 300:
            raise self._refusal(response.status_code, content, response.headers)
        if response.status_code == 204 or not content:
            return None
        try:
            answer = json.loads(content)
        except (ValueError, RecursionError):  # garbage, or JSON nested past Python's stack
            answer = None
        if not isinstance(answer, dict):
            raise self._unreadable(response.status_code)
        return answer

    async def _read_capped(self, response: httpx.Response) -> bytes:
        """The answer's body, refused once it grows past MAX_ANSWER_BYTES (not read further)."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
            raise self._unreadable(response.status_code)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise self._unreadable(response.status_code)
            chunks.append(chunk)
        return b"".join(chunks)

    def _unreadable(self, status: int) -> RelayBusy:
        return RelayBusy(status=status, fault=RelayFault.ANSWER_UNREADABLE, relay=self.base_url)

    def _refusal(self, status: int, content: bytes, headers: httpx.Headers) -> RelayError:
        """The exception for a non-2xx answer: a decision (4xx) or a reason to retry."""
        fault: RelayFault | None = None
        try:
            error = json.loads(content)["error"]
            code, message = str(error["code"]), str(error["message"])[:500]
        except (ValueError, KeyError, TypeError, RecursionError):
            error, code, message = {}, "http_error", ""
            fault = RelayFault.HTTP_REFUSED
        relay = self.base_url
        if status == 429:
            return RateLimited(
                message,
                status=status,
                code=code,
                retry_after=retry_after(headers, error, 1.0),
                fault=fault,
                relay=relay,
            )
        if status < 300 or status >= 500 or status == 408 or 300 <= status < 400:
            if 300 <= status < 400:
                message, fault = "", RelayFault.REDIRECT
            elif code == "http_error":
                fault = RelayFault.SERVER_PROBLEM
            return RelayBusy(
                message,
                status=status,
                code=code,
                retry_after=retry_after(headers, error, 0.0),
                fault=fault,
                relay=relay,
            )
        return RelayRefused(message, status=status, code=code, fault=fault, relay=relay)

    # -- API ---------------------------------------------------------------------------

    async def health(self) -> dict:
        return await self._request("GET", "/v1/health", unsigned=True)

    async def check_protocol(self) -> None:
        """Refuse a relay that does not speak this client's protocol, saying what to do."""
        spoken = (await self.health()).get("protocol", 1)
        if spoken != PROTOCOL_VERSION:
            raise RelayRefused(
                code="protocol_version",
                fault=RelayFault.OLD_PROTOCOL,
                relay=self.base_url,
                spoken=spoken,
                version=PROTOCOL_VERSION,
            )

    async def put_prekey(self, group_id: str, prekey: bytes) -> int:
        answer = await self._request(
            "PUT", f"/v1/groups/{group_id}/prekey", {"prekey": b64e(prekey)}
        )
        return answer["seq"]

    async def get_prekeys(self, group_id: str) -> list[bytes]:
        answer = await self._request("GET", f"/v1/groups/{group_id}/prekeys")
        try:
            return [b64d(item, field="prekey") for item in answer["prekeys"]]
        except (KeyError, TypeError, EncodingError) as exc:
            raise RelayUnavailable(fault=RelayFault.PREKEYS_UNREADABLE, detail=str(exc)) from None

    async def ack_directs(self, group_id: str, seqs: list[int]) -> int:
        answer = await self._request(
            "POST", f"/v1/groups/{group_id}/direct/ack", {"seqs": list(seqs)}
        )
        return int(answer.get("deleted", 0))

    async def create_group(self, genesis: dict, retention_days: int | None = None) -> int:
        payload: dict[str, Any] = {"genesis": genesis}
        if retention_days is not None:
            payload["retention_days"] = retention_days
        return _seq_of(await self._request("POST", "/v1/groups", payload), self.base_url)

    async def get_roster(self, group_id: str) -> list[dict]:
        events = await self._request("GET", f"/v1/groups/{group_id}/roster")
        return self._list_of(events, "events")

    async def post_roster(self, group_id: str, event: dict) -> int:
        answer = await self._request("POST", f"/v1/groups/{group_id}/roster", {"event": event})
        return _seq_of(answer, self.base_url)

    def _list_of(self, answer: Any, name: str) -> list:
        value = answer.get(name) if isinstance(answer, dict) else None
        if not isinstance(value, list):
            raise RelayBusy(fault=RelayFault.LIST_MISSING, relay=self.base_url, name=name)
        return value

    async def add_invite(self, group_id: str, secret_hash: str, expires_at: int, uses: int) -> None:
        await self._request(
            "POST",
            f"/v1/groups/{group_id}/invites",
            {"secret_hash": secret_hash, "expires_at": expires_at, "uses": uses},
        )

    async def revoke_invite(self, group_id: str, secret_hash: str) -> None:
        await self._request("DELETE", f"/v1/groups/{group_id}/invites/{secret_hash}")

    async def request_join(self, group_id: str, invite_secret: bytes, sealed: bytes) -> str:
        answer = await self._request(
            "POST",
            f"/v1/groups/{group_id}/join-requests",
            {"invite_secret": b64e(invite_secret), "sealed": b64e(sealed)},
        )
        request_id = answer.get("request_id") if isinstance(answer, dict) else None
        if not isinstance(request_id, str):
            raise RelayBusy(fault=RelayFault.JOIN_NOT_CONFIRMED, relay=self.base_url)
        return request_id

    async def membership(self, group_id: str) -> dict:
        answer = await self._request("GET", f"/v1/groups/{group_id}/membership")
        if not isinstance(answer, dict):
            raise RelayBusy(fault=RelayFault.NO_MEMBERSHIP, relay=self.base_url)
        return answer

    async def join_requests(self, group_id: str) -> list[dict]:
        answer = await self._request("GET", f"/v1/groups/{group_id}/join-requests")
        return self._list_of(answer, "requests")

    async def deny_join(self, group_id: str, request_id: str, sealed_reason: bytes = b"") -> None:
        payload = {"sealed_reason": b64e(sealed_reason)} if sealed_reason else {}
        await self._request(
            "POST", f"/v1/groups/{group_id}/join-requests/{request_id}/deny", payload
        )

    async def post_message(
        self, group_id: str, envelope: bytes, idempotency_key: str | None = None
    ) -> int:
        """Post one envelope. With `idempotency_key` (the client's message id), a retry of a
        post the relay already stored answers with the original seq instead of a copy."""
        return (await self.post_message_stored(group_id, envelope, idempotency_key)).seq

    async def post_message_stored(
        self, group_id: str, envelope: bytes, idempotency_key: str | None = None
    ) -> Posted:
        """`post_message`, also with the time the relay stored the post with (the `ts` every
        member reads in the log; `None` from a relay that does not say)."""
        payload = {"envelope": b64e(envelope)}
        if idempotency_key:
            payload["idempotency_key"] = idempotency_key
        answer = await self._request(
            "POST", f"/v1/groups/{group_id}/messages", payload, session_group=group_id
        )
        seq = _seq_of(answer, self.base_url)
        ts = answer.get("ts")
        return Posted(seq, ts if type(ts) is int and ts >= 0 else None)

    async def send_direct(self, group_id: str, to: bytes, payload: bytes) -> int:
        answer = await self._request(
            "POST", f"/v1/groups/{group_id}/direct", {"to": b64e(to), "payload": b64e(payload)}
        )
        return _seq_of(answer, self.base_url)

    async def log(
        self, group_id: str, since: int, limit: int = 500
    ) -> tuple[list[RelayEvent], Gap | None]:
        answer = await self._request(
            "GET", f"/v1/groups/{group_id}/log?since={since}&limit={limit}", session_group=group_id
        )
        gap = answer.get("gap")
        try:
            return (
                [event_from_json(item) for item in self._list_of(answer, "events")],
                Gap(int(gap["requested"]), int(gap["first_available"])) if gap else None,
            )
        except (KeyError, TypeError, ValueError):
            raise RelayBusy(fault=RelayFault.LOG_UNREADABLE, relay=self.base_url) from None

    async def stream(
        self, group_id: str, since: int, *, on_open: Callable[[StreamInfo], None] | None = None
    ) -> AsyncIterator[RelayEvent | Gap]:
        """One SSE connection: stored events after `since`, then live ones, until it drops.

        Ends normally when the relay closes the stream; raises RelayUnavailable if the
        connection fails, stalls (no event or keepalive within twice the keepalive interval)
        or carries an event over MAX_EVENT_BYTES, and RelayRefused if the relay says no.
        `on_open` runs once the relay has accepted the stream, with what it said about its
        log; whatever it raises ends the stream.
        """
        path = f"/v1/groups/{group_id}/events?since={since}"
        # Reads may be quiet for a keepalive period (15 s); allow two of them before giving up.
        timeout = httpx.Timeout(self._timeout, read=max(self._timeout, 40.0))
        refusal = ""
        for attempt in (1, 2):
            if refusal == "unauthenticated":
                headers = self._signed("GET", path, b"")
            else:
                headers = await self._authenticated("GET", path, b"", group_id)
            headers["Last-Event-ID"] = str(since)
            try:
                async with aconnect_sse(
                    self._http, "GET", path, headers=headers, timeout=timeout
                ) as source:
                    response = source.response
                    if not 200 <= response.status_code < 300:
                        content = await response.aread()
                        if attempt == 1:
                            refusal = self._session_refused(
                                group_id, headers, response.status_code, content
                            )
                            if refusal:
                                continue  # nothing was streamed: open it again, authenticated anew
                        raise self._refusal(response.status_code, content, response.headers)
                    self._after_signed_retry(refusal, response.status_code)
                    info = stream_info(response.headers)
                    assert isinstance(response.stream, httpx.AsyncByteStream)
                    response.stream = GuardedStream(
                        response.stream, self.base_url, 2 * info.keepalive, MAX_EVENT_BYTES
                    )
                    if on_open is not None:
                        on_open(info)
                    async for sse in source.aiter_sse():
                        if not sse.data:
                            # A keepalive comment after an event: httpx-sse repeats the last
                            # id with empty data. Nothing to deliver.
                            continue
                        try:
                            data = json.loads(sse.data)
                        except (ValueError, RecursionError):  # garbage, or nested too deep
                            raise RelayUnavailable(
                                fault=RelayFault.EVENT_UNREADABLE, relay=self.base_url, detail=""
                            ) from None
                        if sse.event == "gap":
                            yield Gap(int(data["requested"]), int(data["first_available"]))
                        else:
                            yield event_from_json(data)
                    return
            except httpx.HTTPError as exc:
                raise self._unreachable(exc) from None
            except SSEError:
                raise RelayUnavailable(
                    fault=RelayFault.NOT_AN_EVENT_STREAM, relay=self.base_url
                ) from None


@dataclass
class Backoff:
    """Full-jitter exponential backoff: a random wait in [0, min(cap, base * 2**attempt)]."""

    base: float = 0.5
    cap: float = 30.0
    attempt: int = 0

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * (2 ** min(self.attempt, 32)))
        self.attempt += 1
        return random.uniform(0, ceiling)

    def reset(self) -> None:
        self.attempt = 0


# Reconnecting: members expect seconds, not half a minute, once the relay is back. Waits grow
# 0.5, 1, 2, 4 s and stay at most RECONNECT_CAP (with full jitter, so clients that lost the same
# relay spread out): a relay that is down sees one connection attempt per client every few
# seconds, which costs it nothing (nothing listens), and a relay that is up but overloaded
# answers 429/503 with a Retry-After, which is always waited out in full.
RECONNECT_BASE = 0.5
RECONNECT_CAP = 5.0
# A stream that stayed open this long was a working connection: the next outage starts its
# backoff from the beginning, even in a quiet group where no event arrived meanwhile.
HEALTHY_AFTER = 5.0
# A member's action (`wake`) retries at once, but never sooner than this after the last try.
WAKE_SPACING = 1.0

_FATAL_STATUSES = (401, 403, 404)
# 401s that a fresh signature answers (signed before the relay restarted, or a nonce clash).
_SIGN_AGAIN = ("stale_request", "replayed_request")


async def _pause(seconds: float, wake: asyncio.Event | None, earliest: float) -> None:
    """Sleep `seconds`, or until `wake` is set, but not before the loop time `earliest`."""
    loop = asyncio.get_running_loop()
    if wake is not None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await wake.wait()
        wake.clear()
    else:
        await asyncio.sleep(seconds)
    if loop.time() < earliest:
        await asyncio.sleep(earliest - loop.time())


async def follow(
    client: RelayClient,
    group_id: str,
    since: Callable[[], int],
    *,
    on_state: Callable[[str, RelayError | None], None] | None = None,
    backoff: Backoff | None = None,
    on_info: Callable[[StreamInfo], None] | None = None,
    wake: asyncio.Event | None = None,
) -> AsyncIterator[RelayEvent | Gap]:
    """Events of a group forever: reconnect with backoff, resume, never yield a seq twice.

    `on_info` sees each connection's StreamInfo (and may raise to end following). A gap past
    the relay's own newest seq is passed on with `trusted=False` and does not move the
    resume point. Setting `wake` (a member is sending, so the relay may be back) cuts a
    reconnection wait short, though never a wait the relay asked for (Retry-After)."""
    backoff = backoff or Backoff(base=RECONNECT_BASE, cap=RECONNECT_CAP)
    report = on_state or (lambda state, cause: None)
    loop = asyncio.get_running_loop()
    last = since()
    while True:
        last = max(last, since())
        newest: int | None = None
        opened_at: float | None = None
        tried_at = loop.time()
        if wake is not None:
            wake.clear()  # this attempt answers every wake so far
        report("connecting", None)

        def opened(info: StreamInfo) -> None:
            nonlocal newest, opened_at
            newest = info.last_seq
            opened_at = loop.time()
            if on_info is not None:
                on_info(info)
            report("connected", None)

        try:
            async for item in client.stream(group_id, last, on_open=opened):
                # Reset only once something arrives (or below, once the stream has lasted): a
                # stream that opens and then fails at once (a huge event) keeps backing off
                # instead of spinning.
                backoff.reset()
                if isinstance(item, Gap):
                    if newest is not None and item.first_available - 1 > newest:
                        yield Gap(item.requested, item.first_available, trusted=False)
                        continue
                    last = max(last, item.first_available - 1)
                    yield item
                elif item.seq > last:
                    last = item.seq
                    yield item
            cause: RelayError = RelayUnavailable(fault=RelayFault.CLOSED, relay=client.base_url)
        except RelayRefused as exc:
            if exc.status in _FATAL_STATUSES and exc.code not in _SIGN_AGAIN:
                raise
            cause = exc
            if isinstance(exc, RateLimited):
                report("offline", cause)
                await asyncio.sleep(exc.retry_after)
                continue
        except (StreamStalled, EventTooLarge) as exc:
            cause = exc
        except RelayBusy as exc:
            cause = exc
            report("offline", cause)
            delay = backoff.next_delay()
            await asyncio.sleep(exc.retry_after)  # the relay's own wait, in full
            await _pause(max(delay - exc.retry_after, 0.0), wake, tried_at + WAKE_SPACING)
            continue
        except RelayUnavailable as exc:
            # Told by the front-ends in their own words ("peertui keeps trying by itself"): this
            # loop retries by itself, so the one-shot advice ("try again") does not fit.
            cause = exc
        if opened_at is not None and loop.time() - opened_at >= HEALTHY_AFTER:
            backoff.reset()
        report("offline", cause)
        await _pause(backoff.next_delay(), wake, tried_at + WAKE_SPACING)
