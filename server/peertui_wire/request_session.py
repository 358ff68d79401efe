"""Request sessions (protocol v2, §11.1): one signed handshake, then MAC'd requests.

A member opens a session with one Ed25519-signed request (§11) that carries a fresh X25519
public key; the relay answers with its own fresh X25519 public key and a session id. Both
derive the session's MAC key from the X25519 agreement (libsodium's `crypto_kx`, then keyed
BLAKE2b binding the session id, the group and the member's key). Later requests carry the
session id and a keyed BLAKE2b-256 MAC over exactly the fields a signature covers (origin,
method, path?query, time, nonce, SHA-256 of the body) under their own domain string; the
relay's time window and nonce cache are those of signed requests.

Why: an Ed25519 verification is 66-122 microseconds of the relay's CPU per request, a keyed
BLAKE2b about one. What a session reaches is bounded in docs/THREAT_MODEL.md: a stolen
session key can make requests as that member, in that group, until the session expires; it
signs nothing a member verifies (envelopes and roster events carry their own signatures).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass

from nacl.bindings import (
    crypto_kx_client_session_keys,
    crypto_kx_keypair,
    crypto_kx_server_session_keys,
)
from nacl.encoding import RawEncoder
from nacl.exceptions import CryptoError
from nacl.hash import blake2b

from peertui_wire.auth import HEADER_KEY, HEADER_NONCE, HEADER_TIME, request_fields
from peertui_wire.encoding import b64e

HEADER_SESSION = "X-Peertui-Session"
HEADER_MAC = "X-Peertui-Mac"
SESSION_ID_BYTES = 16
MAC_BYTES = 32
KEY_PERSON = b"peertui-session"  # personalises the MAC key derivation
_MAC_DOMAIN = b"peertui-session-request-v2"


class SessionKeyError(Exception):
    """The peer's X25519 public key gives no usable agreement (libsodium refused it)."""


@dataclass(frozen=True)
class Ephemeral:
    """A fresh X25519 key pair for one handshake (dropped once the MAC key is derived)."""

    public: bytes
    secret: bytes

    @classmethod
    def generate(cls) -> Ephemeral:
        public, secret = crypto_kx_keypair()
        return cls(public, secret)


def mac_key(session_id: bytes, gid: bytes, member_key: bytes, agreed: bytes) -> bytes:
    """MAC key = BLAKE2b-32(session id ‖ gid ‖ member key, key = agreed, person
    "peertui-session"); `agreed` is the client's crypto_kx transmit key (the relay's receive
    key)."""
    return blake2b(
        session_id + gid + member_key,
        digest_size=32,
        key=agreed,
        person=KEY_PERSON,
        encoder=RawEncoder,
    )


def client_mac_key(
    mine: Ephemeral, relay_public: bytes, session_id: bytes, gid: bytes, member_key: bytes
) -> bytes:
    try:
        _rx, tx = crypto_kx_client_session_keys(mine.public, mine.secret, relay_public)
    except (CryptoError, TypeError, ValueError) as exc:
        raise SessionKeyError("the relay's session key is not a usable X25519 key") from exc
    return mac_key(session_id, gid, member_key, tx)


def relay_mac_key(
    mine: Ephemeral, client_public: bytes, session_id: bytes, gid: bytes, member_key: bytes
) -> bytes:
    try:
        rx, _tx = crypto_kx_server_session_keys(mine.public, mine.secret, client_public)
    except (CryptoError, TypeError, ValueError) as exc:
        raise SessionKeyError("the client's session key is not a usable X25519 key") from exc
    return mac_key(session_id, gid, member_key, rx)


def mac_bytes(method: str, path_qs: str, ts_ms: int, nonce: str, body: bytes, origin: str) -> bytes:
    """The fields of §11's signing bytes, in the same order, under this domain string."""
    return request_fields(_MAC_DOMAIN, method, path_qs, ts_ms, nonce, body, origin)


def request_mac(
    key: bytes, method: str, path_qs: str, ts_ms: int, nonce: str, body: bytes, origin: str
) -> bytes:
    """BLAKE2b-32(mac bytes, key = k). Python's hashlib BLAKE2b (RFC 7693, the reference
    code CPython ships; the same bytes as libsodium's crypto_generichash, which
    tests/core/test_request_session.py checks) rather than PyNaCl's wrapper: the wrapper's
    argument checks cost ~8 µs a call, hashlib ~1 µs, and this runs on every request."""
    return hashlib.blake2b(
        mac_bytes(method, path_qs, ts_ms, nonce, body, origin), digest_size=MAC_BYTES, key=key
    ).digest()


def mac_request(
    key: bytes,
    session_id: bytes,
    member_key: bytes,
    method: str,
    path_qs: str,
    body: bytes = b"",
    now_ms: int | None = None,
    *,
    origin: str = "",
) -> dict[str, str]:
    """Headers that authenticate one request within a session."""
    ts = int(time.time() * 1000) if now_ms is None else now_ms
    nonce = b64e(os.urandom(16))
    mac = request_mac(key, method, path_qs, ts, nonce, body, origin)
    return {
        HEADER_KEY: b64e(member_key),
        HEADER_SESSION: b64e(session_id),
        HEADER_TIME: str(ts),
        HEADER_NONCE: nonce,
        HEADER_MAC: b64e(mac),
    }
