"""Signed prekeys: the only X25519 keys anything is ever sealed to.

Each member publishes one signed prekey per group through the relay and replaces it on every
membership change, every 100 blobs opened with it and every 7 days. It keeps the secret of the
current prekey and of the one before (blobs sealed while the new one was travelling) and
deletes every older secret, so a blob retained by the relay becomes unreadable for good once
two rotations have passed, even to someone who later steals the whole device state. The
identity seed never derives a prekey: stealing the seed alone opens nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from nacl.bindings import crypto_scalarmult_base
from nacl.exceptions import BadSignatureError
from nacl.exceptions import CryptoError as NaclCryptoError
from nacl.signing import VerifyKey

from peertui.core.crypto import _random, _wire
from peertui.core.crypto.errors import DecryptionFailed, InvalidSignature, MalformedData
from peertui.core.crypto.identity import Identity, check_public_key
from peertui.core.protocol import (
    GROUP_ID_BYTES,
    KIND_PREKEY,
    KIND_PREKEY_SECRETS,
    PREKEY_ROTATE_AFTER_MS,
    PREKEY_ROTATE_AFTER_OPENS,
    PREKEY_SIGNATURE_DOMAIN,
    PREKEYS_KEPT,
    PUBLIC_KEY_BYTES,
    SIGNATURE_BYTES,
)

PREKEY_BUNDLE_BYTES = 2 + GROUP_ID_BYTES + PUBLIC_KEY_BYTES + 4 + 8 + PUBLIC_KEY_BYTES + 64


def _now_ms() -> int:
    return int(time.time() * 1000)


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
            _wire.header(KIND_PREKEY)
            + _wire.group_id_bytes(self.group_id)
            + self.owner
            + _wire.u32(self.prekey_id)
            + _wire.u64(self.created_ms)
            + self.public
        )

    def to_bytes(self) -> bytes:
        return self._signed_body() + self.signature

    @classmethod
    def from_bytes(cls, data: bytes, group_id: str | None = None) -> PrekeyBundle:
        """Parse and verify; refuse a bundle for another group when `group_id` is given."""
        reader = _wire.Reader(data, "prekey")
        reader.expect_header(KIND_PREKEY)
        bundle = cls(
            group_id=_wire.group_id_text(reader.take(GROUP_ID_BYTES)),
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


@dataclass
class _Secret:
    prekey_id: int
    created_ms: int
    secret: bytes
    opened: int = 0


@dataclass
class PrekeySecrets:
    """My prekey secrets in one group: the current one first, at most PREKEYS_KEPT."""

    group_id: str
    owner: bytes
    _secrets: list[_Secret] = field(default_factory=list)

    def __repr__(self) -> str:  # never show key material
        return f"PrekeySecrets({[s.prekey_id for s in self._secrets]})"

    @classmethod
    def create(cls, identity: Identity, group_id: str, now_ms: int | None = None) -> PrekeySecrets:
        secrets = cls(group_id, identity.public_key)
        secrets.rotate(now_ms)
        return secrets

    @property
    def current_id(self) -> int:
        return self._secrets[0].prekey_id if self._secrets else 0

    def rotate(self, now_ms: int | None = None) -> None:
        """Make a new current prekey and delete every secret older than the previous one."""
        new = _Secret(
            prekey_id=self.current_id + 1,
            created_ms=_now_ms() if now_ms is None else now_ms,
            secret=_random.random_bytes(32),
        )
        self._secrets = [new, *self._secrets][:PREKEYS_KEPT]

    def bundle(self, identity: Identity) -> PrekeyBundle:
        """The current prekey, signed, as published through the relay."""
        if identity.public_key != self.owner:
            raise MalformedData("these prekeys belong to a different identity")
        current = self._secrets[0]
        unsigned = PrekeyBundle(
            group_id=self.group_id,
            owner=self.owner,
            prekey_id=current.prekey_id,
            created_ms=current.created_ms,
            public=crypto_scalarmult_base(current.secret),
            signature=b"",
        )
        signature = identity.sign(PREKEY_SIGNATURE_DOMAIN + unsigned._signed_body())
        return PrekeyBundle(**{**unsigned.__dict__, "signature": signature})

    def needs_rotation(self, now_ms: int | None = None) -> bool:
        current = self._secrets[0]
        now = _now_ms() if now_ms is None else now_ms
        return (
            current.opened >= PREKEY_ROTATE_AFTER_OPENS
            or now - current.created_ms >= PREKEY_ROTATE_AFTER_MS
        )

    def secret_for(self, prekey_id: int) -> bytes:
        """The X25519 secret for `prekey_id`; DecryptionFailed if it was deleted (or never was)."""
        for held in self._secrets:
            if held.prekey_id == prekey_id:
                held.opened += 1
                return held.secret
        raise DecryptionFailed(
            f"this was sealed to prekey {prekey_id}, whose secret is no longer held "
            "(deleted for forward secrecy) or never was"
        )

    def to_bytes(self) -> bytes:
        parts = [
            _wire.header(KIND_PREKEY_SECRETS),
            _wire.group_id_bytes(self.group_id),
            self.owner,
            bytes((len(self._secrets),)),
        ]
        for held in self._secrets:
            parts += [
                _wire.u32(held.prekey_id),
                _wire.u64(held.created_ms),
                _wire.u32(held.opened),
                held.secret,
            ]
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> PrekeySecrets:
        reader = _wire.Reader(data, "stored prekeys")
        reader.expect_header(KIND_PREKEY_SECRETS)
        secrets = cls(_wire.group_id_text(reader.take(GROUP_ID_BYTES)), reader.take(32))
        for _ in range(reader.take(1)[0]):
            prekey_id, created_ms, opened = reader.u32(), reader.u64(), reader.u32()
            secrets._secrets.append(_Secret(prekey_id, created_ms, reader.take(32), opened))
        reader.end()
        if not secrets._secrets:
            raise MalformedData("stored prekeys are empty")
        return secrets
