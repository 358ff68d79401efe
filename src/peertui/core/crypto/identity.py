"""Per-group identities: an Ed25519 signing key and its X25519 twin for boxes."""

from __future__ import annotations

from nacl.exceptions import CryptoError as NaclCryptoError
from nacl.public import PrivateKey
from nacl.signing import SigningKey, VerifyKey

from peertui.core.crypto import _random
from peertui.core.crypto.errors import MalformedData
from peertui.core.ids import member_id_for
from peertui.core.protocol import PUBLIC_KEY_BYTES

SEED_BYTES = 32


def box_public_key_for(ed25519_public_key: bytes) -> bytes:
    """The X25519 public key that boxes to this Ed25519 identity are sealed to."""
    if not isinstance(ed25519_public_key, bytes) or len(ed25519_public_key) != PUBLIC_KEY_BYTES:
        raise MalformedData(f"a public key must be {PUBLIC_KEY_BYTES} bytes")
    try:
        return bytes(VerifyKey(ed25519_public_key).to_curve25519_public_key())
    except (NaclCryptoError, ValueError, TypeError):
        raise MalformedData("this is not a valid Ed25519 public key") from None


class Identity:
    """One member's key pair in one group. Never shared between groups."""

    __slots__ = ("seed", "signing_key", "public_key", "box_public_key", "member_id", "_box_key")

    def __init__(self, signing_key: SigningKey):
        self.signing_key = signing_key
        self.seed = bytes(signing_key)
        self.public_key = bytes(signing_key.verify_key)
        self._box_key: PrivateKey = signing_key.to_curve25519_private_key()
        self.box_public_key = bytes(self._box_key.public_key)
        self.member_id = member_id_for(self.public_key)

    @classmethod
    def generate(cls) -> Identity:
        return cls.from_seed(_random.random_bytes(SEED_BYTES))

    @classmethod
    def from_seed(cls, seed: bytes) -> Identity:
        if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
            raise MalformedData(f"an identity seed must be {SEED_BYTES} bytes")
        return cls(SigningKey(seed))

    @property
    def box_private_key(self) -> PrivateKey:
        return self._box_key

    def __repr__(self) -> str:  # never show key material
        return f"Identity(member_id={self.member_id!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Identity) and other.public_key == self.public_key

    def __hash__(self) -> int:
        return hash(self.public_key)
