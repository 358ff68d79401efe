"""Per-group identities: an Ed25519 signing key, and nothing else.

Protocol v2 never converts this key to X25519: key agreement uses separate prekeys
(`peertui.core.crypto.prekeys`) drawn from fresh randomness, so the identity seed alone opens
nothing that was sealed to a member.
"""

from __future__ import annotations

from nacl.signing import SigningKey

from peertui.core.crypto import _random
from peertui_wire.crypto_errors import MalformedData
from peertui_wire.ids import member_id_for

SEED_BYTES = 32


class Identity:
    """One member's signing key pair in one group. Never shared between groups."""

    __slots__ = ("seed", "signing_key", "public_key", "member_id")

    def __init__(self, signing_key: SigningKey):
        self.signing_key = signing_key
        self.seed = bytes(signing_key)
        self.public_key = bytes(signing_key.verify_key)
        self.member_id = member_id_for(self.public_key)

    @classmethod
    def generate(cls) -> Identity:
        return cls.from_seed(_random.random_bytes(SEED_BYTES))

    @classmethod
    def from_seed(cls, seed: bytes) -> Identity:
        if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
            raise MalformedData(f"an identity seed must be {SEED_BYTES} bytes")
        return cls(SigningKey(seed))

    def sign(self, data: bytes) -> bytes:
        return self.signing_key.sign(data).signature

    def __repr__(self) -> str:  # never show key material
        return f"Identity(member_id={self.member_id!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Identity) and other.public_key == self.public_key

    def __hash__(self) -> int:
        return hash(self.public_key)
