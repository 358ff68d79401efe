"""Signed relay requests (protocol v2).

A member signs every request with its per-group Ed25519 key over the relay's origin (the
`host[:port]` the client addressed, so a request cannot be replayed to another relay), the
method, the path with its query, a millisecond timestamp, a random nonce and the SHA-256 of
the body. The relay checks the signature, that the timestamp is fresh (at most
MAX_CLOCK_SKEW_MS old and MAX_FUTURE_SKEW_MS ahead), and that the nonce has not been seen.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from typing import Protocol
from urllib.parse import urlsplit

from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey

from peertui_wire.encoding import EncodingError, b64d, b64e

HEADER_KEY = "X-Peertui-Key"
HEADER_TIME = "X-Peertui-Time"
HEADER_NONCE = "X-Peertui-Nonce"
HEADER_SIGNATURE = "X-Peertui-Signature"
MAX_CLOCK_SKEW_MS = 120_000  # how old a request may be
MAX_FUTURE_SKEW_MS = 10_000  # how far ahead: a far-future request would outlive replay checks
_DOMAIN = b"peertui-request-v2"


class AuthError(Exception):
    """A request signature is missing, malformed, stale or wrong. `str()` says which."""


def origin_of(url: str) -> str:
    """The origin a signature names: the lower-case `host[:port]` of a relay URL, without the
    default port (what an HTTP client sends as its Host header)."""
    parsed = urlsplit(url)
    host = (parsed.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parsed.scheme.lower())
    port = parsed.port
    return host if port is None or port == default else f"{host}:{port}"


def signing_bytes(
    method: str, path_qs: str, ts_ms: int, nonce: str, body: bytes, origin: str = ""
) -> bytes:
    return request_fields(_DOMAIN, method, path_qs, ts_ms, nonce, body, origin)


def request_fields(
    domain: bytes, method: str, path_qs: str, ts_ms: int, nonce: str, body: bytes, origin: str
) -> bytes:
    """§11's authenticated fields in their order, under `domain`: what a request signature
    covers, and (with the session domain) exactly what a session MAC covers."""
    return b"\n".join(
        [
            domain,
            origin.lower().encode("utf-8"),
            method.upper().encode("ascii"),
            path_qs.encode("utf-8"),
            str(ts_ms).encode("ascii"),
            nonce.encode("ascii"),
            hashlib.sha256(body).hexdigest().encode("ascii"),
        ]
    )


def sign_request(
    key: SigningKey,
    method: str,
    path_qs: str,
    body: bytes = b"",
    now_ms: int | None = None,
    *,
    origin: str = "",
) -> dict[str, str]:
    """Headers that authenticate one request; `path_qs` is the path plus `?query` if any and
    `origin` the relay's `host[:port]` (see `origin_of`)."""
    ts = int(time.time() * 1000) if now_ms is None else now_ms
    nonce = b64e(os.urandom(16))
    sig = key.sign(signing_bytes(method, path_qs, ts, nonce, body, origin)).signature
    return {
        HEADER_KEY: b64e(bytes(key.verify_key)),
        HEADER_TIME: str(ts),
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: b64e(sig),
    }


class Headers(Protocol):
    """What `verify_request` reads headers through: a dict, or Starlette's case-insensitive
    `Headers`."""

    def get(self, key: str, /) -> str | None: ...


def verify_request(
    headers: Headers,
    method: str,
    path_qs: str,
    body: bytes,
    now_ms: int | None = None,
    max_skew_ms: int = MAX_CLOCK_SKEW_MS,
    *,
    origin: str = "",
    max_future_ms: int = MAX_FUTURE_SKEW_MS,
) -> tuple[bytes, str, int]:
    """Check a signed request; return (public key, nonce, timestamp) or raise AuthError.

    `headers` is any case-insensitive mapping with `.get()` (Starlette's Headers works).
    Replay protection (remembering nonces) is the caller's job, since it needs shared state.
    """
    get = headers.get
    return verify_signed(
        get(HEADER_KEY),
        get(HEADER_TIME),
        get(HEADER_NONCE),
        get(HEADER_SIGNATURE),
        method,
        path_qs,
        body,
        now_ms,
        max_skew_ms,
        origin=origin,
        max_future_ms=max_future_ms,
    )


@functools.lru_cache(maxsize=4096)
def public_key_of(raw_key: str) -> bytes:
    """The X-Peertui-Key header decoded (remembered: a member sends the same key with every
    request); EncodingError if it is not a key."""
    return b64d(raw_key, length=32, field=HEADER_KEY)


def verify_signed(
    raw_key: str | None,
    raw_ts: str | None,
    nonce: str | None,
    raw_sig: str | None,
    method: str,
    path_qs: str,
    body: bytes,
    now_ms: int | None = None,
    max_skew_ms: int = MAX_CLOCK_SKEW_MS,
    *,
    origin: str = "",
    max_future_ms: int = MAX_FUTURE_SKEW_MS,
) -> tuple[bytes, str, int]:
    """`verify_request` on the four header values, for a caller that has looked them up
    already (the relay reads each request's headers once)."""
    if not (raw_key and raw_ts and nonce and raw_sig):
        raise AuthError(
            "request is not signed: X-Peertui-Key, -Time, -Nonce and -Signature are required"
        )
    try:
        public_key = public_key_of(raw_key)
        signature = b64d(raw_sig, length=64, field=HEADER_SIGNATURE)
        b64d(nonce, length=16, field=HEADER_NONCE)
    except EncodingError as exc:
        raise AuthError(str(exc)) from None
    if not (raw_ts.isascii() and raw_ts.isdigit()) or len(raw_ts) > 15:
        raise AuthError(f"{HEADER_TIME} must be milliseconds since the epoch")
    ts = int(raw_ts)
    now = int(time.time() * 1000) if now_ms is None else now_ms
    if now - ts > max_skew_ms or ts - now > max_future_ms:
        raise AuthError(
            "request timestamp is too far from the relay's clock; check your system time"
        )
    try:
        # The binding itself: VerifyKey would only wrap the same call (and copy the key).
        crypto_sign_open(
            signature + signing_bytes(method, path_qs, ts, nonce, body, origin), public_key
        )
    except (BadSignatureError, ValueError, TypeError):
        raise AuthError("request signature does not match its key") from None
    return public_key, nonce, ts
