"""Talking to a relay (contract §2): signed requests, the SSE event stream, and `follow()`.

Every request is signed with the member's per-group key. Errors come back as `RelayError`
subclasses whose `str()` is a sentence the user can act on; nothing here prints or logs
message bodies or keys.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from httpx_sse import SSEError, aconnect_sse
from nacl.signing import SigningKey

from peertui.core.auth import sign_request
from peertui.core.encoding import EncodingError, b64d, b64e
from peertui.core.protocol import PROTOCOL_VERSION


class RelayError(Exception):
    """Base: the relay could not do what was asked. `str()` is a sentence."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "") -> None:
        super().__init__(message)
        self.status, self.code = status, code


class RelayUnavailable(RelayError):
    """Could not connect, timed out, or the stream dropped."""


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
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


@dataclass(frozen=True)
class RelayEvent:
    seq: int
    kind: str
    sender: bytes
    ts: int
    body: dict


@dataclass(frozen=True)
class Gap:
    requested: int
    first_available: int


def _event_from_json(data: dict[str, Any]) -> RelayEvent:
    try:
        return RelayEvent(
            seq=int(data["seq"]),
            kind=str(data["kind"]),
            sender=b64d(data["sender"], length=32, field="sender"),
            ts=int(data["ts"]),
            body=dict(data["body"]),
        )
    except (KeyError, TypeError, ValueError, EncodingError) as exc:
        raise RelayUnavailable(
            f"The relay sent an event this client cannot read ({exc})."
        ) from None


class RelayClient:
    """One per group membership: every request is signed with that membership's key."""

    def __init__(
        self, base_url: str, key: SigningKey, *, proxy: str | None = None, timeout: float = 10.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._key = key
        self._timeout = timeout
        self._http = httpx.AsyncClient(
            base_url=self.base_url, proxy=proxy or None, timeout=httpx.Timeout(timeout)
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> RelayClient:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.aclose()

    # -- plumbing ----------------------------------------------------------------------

    def _signed(self, method: str, path_qs: str, body: bytes) -> dict[str, str]:
        headers = sign_request(self._key, method, path_qs, body)
        if body:
            headers["Content-Type"] = "application/json"
        return headers

    def _unreachable(self, exc: Exception) -> RelayUnavailable:
        if isinstance(exc, httpx.TimeoutException):
            return RelayUnavailable(
                f"The relay at {self.base_url} did not answer within {self._timeout:g} seconds; "
                "check your connection and try again."
            )
        return RelayUnavailable(
            f"The relay at {self.base_url} is not reachable; check the address and your "
            "connection (or proxy), then try again."
        )

    async def _request(
        self, method: str, path_qs: str, payload: dict | None = None, unsigned: bool = False
    ) -> Any:
        body = json.dumps(payload, separators=(",", ":")).encode() if payload is not None else b""
        headers = {} if unsigned else self._signed(method, path_qs, body)
        try:
            response = await self._http.request(method, path_qs, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from None
        if response.status_code >= 400:
            raise self._refusal(response.status_code, response.content, response.headers)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise RelayUnavailable(
                f"The relay at {self.base_url} sent an answer this client cannot read; "
                "is the address really a peertui relay?"
            ) from None

    def _refusal(self, status: int, content: bytes, headers: httpx.Headers) -> RelayRefused:
        try:
            error = json.loads(content)["error"]
            code, message = str(error["code"]), str(error["message"])
        except (ValueError, KeyError, TypeError):
            error, code = {}, "http_error"
            message = f"The relay at {self.base_url} refused the request (HTTP {status})."
        if status == 429:
            retry = error.get("retry_after") or headers.get("Retry-After") or 1
            try:
                retry_after = float(retry)
            except (TypeError, ValueError):
                retry_after = 1.0
            return RateLimited(message, status=status, code=code, retry_after=retry_after)
        return RelayRefused(message, status=status, code=code)

    # -- API ---------------------------------------------------------------------------

    async def health(self) -> dict:
        return await self._request("GET", "/v1/health", unsigned=True)

    async def check_protocol(self) -> None:
        """Refuse a relay that does not speak this client's protocol, saying what to do."""
        spoken = (await self.health()).get("protocol", 1)
        if spoken != PROTOCOL_VERSION:
            raise RelayRefused(
                f"This relay runs an older peertui relay (protocol {spoken}) that cannot carry "
                f"protocol {PROTOCOL_VERSION}; ask its operator to update it, or use another "
                "relay.",
                code="protocol_version",
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
            raise RelayUnavailable(
                f"The relay sent prekeys this client cannot read ({exc})."
            ) from None

    async def ack_directs(self, group_id: str, seqs: list[int]) -> int:
        answer = await self._request(
            "POST", f"/v1/groups/{group_id}/direct/ack", {"seqs": list(seqs)}
        )
        return int(answer.get("deleted", 0))

    async def create_group(self, genesis: dict, retention_days: int | None = None) -> int:
        payload: dict[str, Any] = {"genesis": genesis}
        if retention_days is not None:
            payload["retention_days"] = retention_days
        return (await self._request("POST", "/v1/groups", payload))["seq"]

    async def get_roster(self, group_id: str) -> list[dict]:
        return (await self._request("GET", f"/v1/groups/{group_id}/roster"))["events"]

    async def post_roster(self, group_id: str, event: dict) -> int:
        return (await self._request("POST", f"/v1/groups/{group_id}/roster", {"event": event}))[
            "seq"
        ]

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
        return answer["request_id"]

    async def membership(self, group_id: str) -> dict:
        return await self._request("GET", f"/v1/groups/{group_id}/membership")

    async def join_requests(self, group_id: str) -> list[dict]:
        return (await self._request("GET", f"/v1/groups/{group_id}/join-requests"))["requests"]

    async def deny_join(self, group_id: str, request_id: str, sealed_reason: bytes = b"") -> None:
        payload = {"sealed_reason": b64e(sealed_reason)} if sealed_reason else {}
        await self._request(
            "POST", f"/v1/groups/{group_id}/join-requests/{request_id}/deny", payload
        )

    async def post_message(self, group_id: str, envelope: bytes) -> int:
        answer = await self._request(
            "POST", f"/v1/groups/{group_id}/messages", {"envelope": b64e(envelope)}
        )
        return answer["seq"]

    async def send_direct(self, group_id: str, to: bytes, payload: bytes) -> int:
        answer = await self._request(
            "POST", f"/v1/groups/{group_id}/direct", {"to": b64e(to), "payload": b64e(payload)}
        )
        return answer["seq"]

    async def log(
        self, group_id: str, since: int, limit: int = 500
    ) -> tuple[list[RelayEvent], Gap | None]:
        answer = await self._request(
            "GET", f"/v1/groups/{group_id}/log?since={since}&limit={limit}"
        )
        gap = answer.get("gap")
        return (
            [_event_from_json(item) for item in answer["events"]],
            Gap(int(gap["requested"]), int(gap["first_available"])) if gap else None,
        )

    async def stream(
        self, group_id: str, since: int, *, on_open: Callable[[], None] | None = None
    ) -> AsyncIterator[RelayEvent | Gap]:
        """One SSE connection: stored events after `since`, then live ones, until it drops.

        Ends normally when the relay closes the stream; raises RelayUnavailable if the
        connection fails and RelayRefused if the relay says no. `on_open` runs once the relay
        has accepted the stream.
        """
        path = f"/v1/groups/{group_id}/events?since={since}"
        headers = self._signed("GET", path, b"")
        headers["Last-Event-ID"] = str(since)
        # Reads may be quiet for a keepalive period (15 s); allow two of them before giving up.
        timeout = httpx.Timeout(self._timeout, read=max(self._timeout, 40.0))
        try:
            async with aconnect_sse(
                self._http, "GET", path, headers=headers, timeout=timeout
            ) as source:
                response = source.response
                if response.status_code >= 400:
                    content = await response.aread()
                    raise self._refusal(response.status_code, content, response.headers)
                if on_open is not None:
                    on_open()
                async for sse in source.aiter_sse():
                    if not sse.data:
                        # A keepalive comment after an event: httpx-sse repeats the last id
                        # with empty data. Nothing to deliver.
                        continue
                    try:
                        data = json.loads(sse.data)
                    except ValueError:
                        raise RelayUnavailable(
                            f"The relay at {self.base_url} sent an event this client cannot read."
                        ) from None
                    if sse.event == "gap":
                        yield Gap(int(data["requested"]), int(data["first_available"]))
                    else:
                        yield _event_from_json(data)
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from None
        except SSEError:
            raise RelayUnavailable(
                f"The relay at {self.base_url} did not answer with an event stream; "
                "is the address really a peertui relay?"
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


_FATAL_STATUSES = (401, 403, 404)


async def follow(
    client: RelayClient,
    group_id: str,
    since: Callable[[], int],
    *,
    on_state: Callable[[str, str], None] | None = None,
    backoff: Backoff | None = None,
) -> AsyncIterator[RelayEvent | Gap]:
    """Events of a group forever: reconnect with backoff, resume, never yield a seq twice."""
    backoff = backoff or Backoff()
    report = on_state or (lambda state, detail: None)
    last = since()
    while True:
        last = max(last, since())
        report("connecting", f"Connecting to {client.base_url}.")

        def opened() -> None:
            backoff.reset()
            report("connected", f"Connected to {client.base_url}.")

        try:
            async for item in client.stream(group_id, last, on_open=opened):
                if isinstance(item, Gap):
                    last = max(last, item.first_available - 1)
                    yield item
                elif item.seq > last:
                    last = item.seq
                    yield item
            detail = f"The relay at {client.base_url} closed the connection; reconnecting."
        except RelayRefused as exc:
            if exc.status in _FATAL_STATUSES:
                raise
            detail = str(exc)
            if isinstance(exc, RateLimited):
                report("offline", detail)
                await asyncio.sleep(exc.retry_after)
                continue
        except RelayUnavailable:
            # The one-shot advice ("try again") does not fit here: this loop retries by itself.
            detail = (
                f"The relay at {client.base_url} is not reachable; peertui keeps trying by itself."
            )
        report("offline", detail)
        await asyncio.sleep(backoff.next_delay())
