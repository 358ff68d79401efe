"""Signed prekeys: the only X25519 keys anything is ever sealed to.

Each member publishes one signed prekey per group through the relay and replaces it on every
membership change, every 100 blobs opened with it, a day after it first opened one, and every 7
days. It keeps the secret of the one before for an hour after the replacement (blobs sealed
while the new one was travelling) and deletes every older secret, so a blob retained by a
relay becomes unreadable for good at most about 25 hours after it was opened, even to someone
who later steals the whole device state. The identity seed never derives a prekey: stealing the
seed alone opens nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from nacl.bindings import crypto_scalarmult_base

from peertui.core.crypto import _random
from peertui.core.crypto.identity import Identity
from peertui_wire import binary
from peertui_wire.crypto_errors import DecryptionFailed, MalformedData
from peertui_wire.prekeys import PrekeyBundle
from peertui_wire.protocol import (
    GROUP_ID_BYTES,
    KIND_PREKEY_SECRETS,
    PREKEY_PREVIOUS_KEPT_MS,
    PREKEY_ROTATE_AFTER_MS,
    PREKEY_ROTATE_AFTER_OPENS,
    PREKEY_SIGNATURE_DOMAIN,
    PREKEY_USED_ROTATE_AFTER_MS,
    PREKEYS_KEPT,
)


def _now_ms() -> int:
    return int(time.time() * 1000)


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
        age = (_now_ms() if now_ms is None else now_ms) - current.created_ms
        return (
            current.opened >= PREKEY_ROTATE_AFTER_OPENS
            or (current.opened > 0 and age >= PREKEY_USED_ROTATE_AFTER_MS)
            or age >= PREKEY_ROTATE_AFTER_MS
        )

    def drop_previous(self, now_ms: int | None = None) -> bool:
        """Delete the previous secret once its hour of grace is over; True if one went."""
        now = _now_ms() if now_ms is None else now_ms
        if len(self._secrets) < 2 or now - self._secrets[0].created_ms < PREKEY_PREVIOUS_KEPT_MS:
            return False
        del self._secrets[1:]
        return True

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
            binary.header(KIND_PREKEY_SECRETS),
            binary.group_id_bytes(self.group_id),
            self.owner,
            bytes((len(self._secrets),)),
        ]
        for held in self._secrets:
            parts += [
                binary.u32(held.prekey_id),
                binary.u64(held.created_ms),
                binary.u32(held.opened),
                held.secret,
            ]
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> PrekeySecrets:
        reader = binary.Reader(data, "stored prekeys")
        reader.expect_header(KIND_PREKEY_SECRETS)
        secrets = cls(binary.group_id_text(reader.take(GROUP_ID_BYTES)), reader.take(32))
        for _ in range(reader.take(1)[0]):
            prekey_id, created_ms, opened = reader.u32(), reader.u64(), reader.u32()
            secrets._secrets.append(_Secret(prekey_id, created_ms, reader.take(32), opened))
        reader.end()
        if not secrets._secrets:
            raise MalformedData("stored prekeys are empty")
        return secrets
