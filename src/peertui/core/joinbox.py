"""Join requests readable by whoever holds the invite, and by nobody else — not the relay.

The invite secret is split with keyed BLAKE2b into two values: the *auth* value goes to the
relay (which stores only its hash and checks joins against it), and the *box* key encrypts the
joiner's profile with XChaCha20-Poly1305 (`nacl.secret.Aead`). The relay sees the auth value
when a join arrives, but it cannot compute the box key from it.
"""

from __future__ import annotations

from nacl.encoding import RawEncoder
from nacl.exceptions import CryptoError as NaclCryptoError
from nacl.hash import blake2b
from nacl.secret import Aead

from peertui.core.ids import invite_secret_hash


def _derive(secret: bytes, person: bytes) -> bytes:
    return blake2b(b"", key=secret, person=person, digest_size=32, encoder=RawEncoder)


def relay_auth(secret: bytes) -> bytes:
    return _derive(secret, b"peertui-inv-auth")


def relay_hash(secret: bytes) -> str:
    """What the host registers with the relay for this invite."""
    return invite_secret_hash(relay_auth(secret))


def seal_request(secret: bytes, group_id: str, payload: bytes) -> bytes:
    return bytes(
        Aead(_derive(secret, b"peertui-inv-box")).encrypt(payload, b"join|" + group_id.encode())
    )


def open_request(secret: bytes, group_id: str, sealed: bytes) -> bytes | None:
    try:
        return bytes(
            Aead(_derive(secret, b"peertui-inv-box")).decrypt(sealed, b"join|" + group_id.encode())
        )
    except (NaclCryptoError, ValueError, TypeError):
        return None
