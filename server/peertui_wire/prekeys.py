"""Signed prekey bundles as the relay and every member check them (docs/PROTOCOL.md §4).

The secrets behind a bundle, and making one, stay in the client (`peertui.core.crypto`); this
is only the public half: its bytes, and the signature check the relay runs before storing one.
"""

from __future__ import annotations

from dataclasses import dataclass

from nacl.bindings import crypto_core_ed25519_is_valid_point
from nacl.exceptions import BadSignatureError
from nacl.exceptions import CryptoError as NaclCryptoError
from nacl.signing import VerifyKey

from peertui_wire import binary
from peertui_wire.crypto_errors import InvalidSignature, MalformedData
from peertui_wire.protocol import (
    GROUP_ID_BYTES,
    KIND_PREKEY,
    PREKEY_SIGNATURE_DOMAIN,
    PUBLIC_KEY_BYTES,
    SIGNATURE_BYTES,
)

PREKEY_BUNDLE_BYTES = 2 + GROUP_ID_BYTES + PUBLIC_KEY_BYTES + 4 + 8 + PUBLIC_KEY_BYTES + 64


def check_public_key(ed25519_public_key: bytes) -> bytes:
    """Return the key if it is a valid Ed25519 public key, else raise MalformedData."""
    if not isinstance(ed25519_public_key, bytes) or len(ed25519_public_key) != PUBLIC_KEY_BYTES:
        raise MalformedData(f"a public key must be {PUBLIC_KEY_BYTES} bytes")
    if not crypto_core_ed25519_is_valid_point(ed25519_public_key):
        raise MalformedData("this is not a valid Ed25519 public key")
    return ed25519_public_key


@dataclass(frozen=True)
class PrekeyBundle:
    """A member's public prekey, signed by its identity key."""

    group_id: str
    owner: bytes
    prekey_id: int
    created_ms: int
    public: bytes
    signature: bytes

    def _signed_body(self) -> bytes:
        return (
            binary.header(KIND_PREKEY)
            + binary.group_id_bytes(self.group_id)
            + self.owner
            + binary.u32(self.prekey_id)
            + binary.u64(self.created_ms)
            + self.public
        )

    def to_bytes(self) -> bytes:
        return self._signed_body() + self.signature

    @classmethod
    def from_bytes(cls, data: bytes, group_id: str | None = None) -> PrekeyBundle:
        """Parse and verify; refuse a bundle for another group when `group_id` is given."""
        reader = binary.Reader(data, "prekey")
        reader.expect_header(KIND_PREKEY)
        bundle = cls(
            group_id=binary.group_id_text(reader.take(GROUP_ID_BYTES)),
            owner=check_public_key(reader.take(PUBLIC_KEY_BYTES)),
            prekey_id=reader.u32(),
            created_ms=reader.u64(),
            public=reader.take(PUBLIC_KEY_BYTES),
            signature=reader.take(SIGNATURE_BYTES),
        )
        reader.end()
        try:
            VerifyKey(bundle.owner).verify(
                PREKEY_SIGNATURE_DOMAIN + bundle._signed_body(), bundle.signature
            )
        except (BadSignatureError, NaclCryptoError, ValueError):
            raise InvalidSignature("prekey is not signed by the member it names") from None
        if group_id is not None and bundle.group_id != group_id:
            raise MalformedData("prekey belongs to a different group")
        return bundle

    def __repr__(self) -> str:
        return f"PrekeyBundle(id={self.prekey_id})"
