"""Pairwise sealed blobs: an ephemeral X25519 box to one member, signed inside by the sender.

Used for join requests, session shares and direct payloads. The `context` is bound into both
the AEAD's associated data and the inner signature, so a blob sealed for one purpose or group
cannot be replayed into another.
"""

from __future__ import annotations

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_box_beforenm,
)
from nacl.exceptions import BadSignatureError
from nacl.exceptions import CryptoError as NaclCryptoError
from nacl.public import PrivateKey
from nacl.signing import VerifyKey

from peertui.core.crypto import _random, _wire
from peertui.core.crypto.errors import DecryptionFailed, InvalidSignature, MalformedData
from peertui.core.crypto.identity import Identity, box_public_key_for
from peertui.core.crypto.padding import pad, unpad
from peertui.core.protocol import (
    KIND_SEALED,
    NONCE_BYTES,
    PUBLIC_KEY_BYTES,
    SEAL_SIGNATURE_DOMAIN,
    SIGNATURE_BYTES,
)


def _check_context(context: bytes) -> bytes:
    if not isinstance(context, bytes) or not context:
        raise MalformedData("a sealed blob needs a non-empty context")
    return context


def _signed_part(context: bytes, recipient: bytes, ephemeral: bytes, payload: bytes) -> bytes:
    return (
        SEAL_SIGNATURE_DOMAIN + _wire.u32(len(context)) + context + recipient + ephemeral + payload
    )


def seal(sender: Identity, recipient_ed25519_pk: bytes, payload: bytes, *, context: bytes) -> bytes:
    context = _check_context(context)
    recipient_box = box_public_key_for(recipient_ed25519_pk)
    ephemeral = PrivateKey(_random.random_bytes(32))
    ephemeral_pk = bytes(ephemeral.public_key)
    signature = sender.signing_key.sign(
        _signed_part(context, recipient_ed25519_pk, ephemeral_pk, payload)
    ).signature
    head = _wire.header(KIND_SEALED) + ephemeral_pk
    nonce = _random.random_bytes(NONCE_BYTES)
    key = crypto_box_beforenm(recipient_box, bytes(ephemeral))
    inner = sender.public_key + signature + pad(payload)
    ciphertext = crypto_aead_xchacha20poly1305_ietf_encrypt(
        inner, head + recipient_ed25519_pk + context, nonce, key
    )
    return head + nonce + ciphertext


def open_sealed(recipient: Identity, sealed: bytes, *, context: bytes) -> tuple[bytes, bytes]:
    """Return (sender public key, payload) or raise a CryptoError saying what is wrong."""
    context = _check_context(context)
    reader = _wire.Reader(sealed, "sealed blob")
    reader.expect_header(KIND_SEALED)
    ephemeral_pk = reader.take(PUBLIC_KEY_BYTES)
    nonce = reader.take(NONCE_BYTES)
    ciphertext = reader.rest()
    head = _wire.header(KIND_SEALED) + ephemeral_pk
    try:
        key = crypto_box_beforenm(ephemeral_pk, bytes(recipient.box_private_key))
        inner = crypto_aead_xchacha20poly1305_ietf_decrypt(
            ciphertext, head + recipient.public_key + context, nonce, key
        )
    except (NaclCryptoError, ValueError, TypeError):
        raise DecryptionFailed(
            "sealed blob cannot be opened: it is damaged, for someone else, or for another purpose"
        ) from None
    body = _wire.Reader(inner, "sealed blob contents")
    sender = body.take(PUBLIC_KEY_BYTES)
    signature = body.take(SIGNATURE_BYTES)
    payload = unpad(body.rest())
    try:
        VerifyKey(sender).verify(
            _signed_part(context, recipient.public_key, ephemeral_pk, payload), signature
        )
    except (BadSignatureError, NaclCryptoError, ValueError, TypeError):
        raise InvalidSignature("sealed blob is not signed by the key it names") from None
    return sender, payload
