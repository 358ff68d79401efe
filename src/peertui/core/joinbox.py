"""Join requests only moderators can read, and denial reasons only the joiner can read.

Each invite has its own X25519 *join key pair*: the public half travels in the invite token,
the secret half only to the group's moderators (sealed `invite_key` payloads). A joiner seals
its request to the public half with a fresh ephemeral key, so holding the token — or a copy of
the relay's store, or both — opens nothing. The request names a one-off *reply key* of the
joiner's; a moderator who declines seals the reason to it.

Both blobs are padded to exactly `JOIN_PADDED_BYTES`, so every request (and every reply) has
the same length whatever its nickname and introduction. Byte layout: docs/PROTOCOL.md §8a.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_box_beforenm,
    sodium_pad,
    sodium_unpad,
)
from nacl.exceptions import CryptoError as NaclCryptoError
from nacl.public import PrivateKey

from peertui.core import payloads
from peertui.core.crypto import _random
from peertui_wire import binary
from peertui_wire.crypto_errors import DecryptionFailed, MalformedData
from peertui_wire.protocol import (
    JOIN_BLOB_BYTES,
    JOIN_PADDED_BYTES,
    KIND_JOIN_REPLY,
    KIND_JOIN_REQUEST,
    NONCE_BYTES,
    PUBLIC_KEY_BYTES,
)

MAX_JOIN_PAYLOAD_BYTES = JOIN_PADDED_BYTES - 1  # padding always adds at least one byte


@dataclass(frozen=True)
class KeyPair:
    """An X25519 key pair (an invite's join key, or a joiner's reply key)."""

    public: bytes
    secret: bytes

    @classmethod
    def generate(cls) -> KeyPair:
        private = PrivateKey(_random.random_bytes(32))
        return cls(public=bytes(private.public_key), secret=bytes(private))

    @classmethod
    def from_secret(cls, secret: bytes) -> KeyPair:
        if len(secret) != 32:
            raise MalformedData("an X25519 secret key must be 32 bytes")
        return cls(public=bytes(PrivateKey(secret).public_key), secret=secret)

    def __repr__(self) -> str:  # never show key material
        return "KeyPair(...)"


@dataclass(frozen=True)
class InviteKeys:
    """What a moderator holds for one live invite (kept in the encrypted store)."""

    secret: str  # b64u invite secret: revoking the invite names its hash
    join_secret: str  # b64u secret half of the invite's join key: opens its join requests
    expires: int  # ms; after this the relay has deleted the invite and its requests

    def payload(self) -> bytes:
        """The `invite_key` direct payload that hands these keys to another moderator."""
        return payloads.encode("invite_key", **asdict(self))

    def to_state(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> InviteKeys:
        return cls(str(fields["secret"]), str(fields["join_secret"]), int(fields["expires"]))


def seal_request(join_key: bytes, group_id: str, payload: bytes) -> bytes:
    """A join request for the holders of the invite's join secret."""
    return _seal(KIND_JOIN_REQUEST, join_key, group_id, payload)


def open_request(join_secret: bytes, group_id: str, sealed: bytes) -> bytes | None:
    """The request's payload, or None if it is not for this join key (or was altered)."""
    return _open(KIND_JOIN_REQUEST, join_secret, group_id, sealed)


def seal_reply(reply_key: bytes, group_id: str, payload: bytes) -> bytes:
    """A denial reason for the joiner who named `reply_key` in its request."""
    return _seal(KIND_JOIN_REPLY, reply_key, group_id, payload)


def open_reply(reply_secret: bytes, group_id: str, sealed: bytes) -> bytes | None:
    return _open(KIND_JOIN_REPLY, reply_secret, group_id, sealed)


def _associated(kind: int, ephemeral: bytes, recipient: bytes, group_id: str) -> bytes:
    return binary.header(kind) + ephemeral + recipient + binary.group_id_bytes(group_id)


def _seal(kind: int, recipient: bytes, group_id: str, payload: bytes) -> bytes:
    if len(recipient) != PUBLIC_KEY_BYTES:
        raise MalformedData(f"a join key must be {PUBLIC_KEY_BYTES} bytes")
    if len(payload) > MAX_JOIN_PAYLOAD_BYTES:
        raise MalformedData(
            f"a join request holds at most {MAX_JOIN_PAYLOAD_BYTES} bytes, not {len(payload)}"
        )
    ephemeral = PrivateKey(_random.random_bytes(32))
    ephemeral_pk = bytes(ephemeral.public_key)
    nonce = _random.random_bytes(NONCE_BYTES)
    key = crypto_box_beforenm(recipient, bytes(ephemeral))
    ciphertext = crypto_aead_xchacha20poly1305_ietf_encrypt(
        sodium_pad(payload, JOIN_PADDED_BYTES),
        _associated(kind, ephemeral_pk, recipient, group_id),
        nonce,
        key,
    )
    return binary.header(kind) + ephemeral_pk + nonce + ciphertext


def _open(kind: int, secret: bytes, group_id: str, sealed: bytes) -> bytes | None:
    if len(sealed) != JOIN_BLOB_BYTES:
        return None
    reader = binary.Reader(sealed, "join blob")
    try:
        reader.expect_header(kind)
    except MalformedData:
        return None
    ephemeral_pk = reader.take(PUBLIC_KEY_BYTES)
    nonce = reader.take(NONCE_BYTES)
    ciphertext = reader.rest()
    recipient = KeyPair.from_secret(secret).public
    try:
        key = crypto_box_beforenm(ephemeral_pk, secret)
        padded = crypto_aead_xchacha20poly1305_ietf_decrypt(
            ciphertext, _associated(kind, ephemeral_pk, recipient, group_id), nonce, key
        )
        return bytes(sodium_unpad(padded, JOIN_PADDED_BYTES))
    except (NaclCryptoError, ValueError, TypeError, DecryptionFailed):
        return None
