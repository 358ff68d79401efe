"""Pairwise sealed blobs: an ephemeral X25519 box to the recipient's signed prekey, signed
inside by the sender's identity.

Used for session shares and direct payloads. The `context` is bound into both the AEAD's
associated data and the inner signature, so a blob sealed for one purpose or group cannot be
replayed into another. Sealing to a prekey (never to a key derived from the identity) gives
forward secrecy: once the recipient deletes that prekey's secret, nobody can open the blob.
"""

from __future__ import annotations

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_box_beforenm,
    crypto_scalarmult_base,
)
from nacl.exceptions import BadSignatureError
from nacl.exceptions import CryptoError as NaclCryptoError
from nacl.signing import VerifyKey

from peertui.core.crypto import _random
from peertui.core.crypto.identity import Identity
from peertui.core.crypto.padding import pad, unpad
from peertui.core.crypto.prekeys import PrekeySecrets
from peertui_wire import binary
from peertui_wire.crypto_errors import DecryptionFailed, InvalidSignature, MalformedData
from peertui_wire.prekeys import PrekeyBundle
from peertui_wire.protocol import (
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


def _signed_part(
    context: bytes, recipient: bytes, prekey_id: int, ephemeral: bytes, payload: bytes
) -> bytes:
    return (
        SEAL_SIGNATURE_DOMAIN
        + binary.u32(len(context))
        + context
        + recipient
        + binary.u32(prekey_id)
        + ephemeral
        + payload
    )


def seal(sender: Identity, recipient: PrekeyBundle, payload: bytes, *, context: bytes) -> bytes:
    """Seal `payload` to the member whose verified prekey bundle is `recipient`."""
    context = _check_context(context)
    ephemeral = _random.random_bytes(32)
    ephemeral_pk = crypto_scalarmult_base(ephemeral)
    signature = sender.sign(
        _signed_part(context, recipient.owner, recipient.prekey_id, ephemeral_pk, payload)
    )
    head = binary.header(KIND_SEALED) + binary.u32(recipient.prekey_id) + ephemeral_pk
    nonce = _random.random_bytes(NONCE_BYTES)
    key = crypto_box_beforenm(recipient.public, ephemeral)
    inner = sender.public_key + signature + pad(payload)
    ciphertext = crypto_aead_xchacha20poly1305_ietf_encrypt(
        inner, head + recipient.owner + context, nonce, key
    )
    return head + nonce + ciphertext


def sealed_prekey_id(sealed: bytes) -> int:
    """Which of the recipient's prekeys a blob was sealed to (readable without opening it)."""
    reader = binary.Reader(sealed, "sealed blob")
    reader.expect_header(KIND_SEALED)
    return reader.u32()


def open_sealed(
    recipient: Identity, prekeys: PrekeySecrets, sealed: bytes, *, context: bytes
) -> tuple[bytes, bytes]:
    """Return (sender public key, payload) or raise a CryptoError saying what is wrong."""
    context = _check_context(context)
    reader = binary.Reader(sealed, "sealed blob")
    reader.expect_header(KIND_SEALED)
    prekey_id = reader.u32()
    ephemeral_pk = reader.take(PUBLIC_KEY_BYTES)
    nonce = reader.take(NONCE_BYTES)
    ciphertext = reader.rest()
    head = binary.header(KIND_SEALED) + binary.u32(prekey_id) + ephemeral_pk
    secret = prekeys.secret_for(prekey_id)
    try:
        key = crypto_box_beforenm(ephemeral_pk, secret)
        inner = crypto_aead_xchacha20poly1305_ietf_decrypt(
            ciphertext, head + recipient.public_key + context, nonce, key
        )
    except (NaclCryptoError, ValueError, TypeError):
        raise DecryptionFailed(
            "sealed blob cannot be opened: it is damaged, for someone else, or for another purpose"
        ) from None
    body = binary.Reader(inner, "sealed blob contents")
    sender = body.take(PUBLIC_KEY_BYTES)
    signature = body.take(SIGNATURE_BYTES)
    payload = unpad(body.rest())
    try:
        VerifyKey(sender).verify(
            _signed_part(context, recipient.public_key, prekey_id, ephemeral_pk, payload),
            signature,
        )
    except (BadSignatureError, NaclCryptoError, ValueError, TypeError):
        raise InvalidSignature("sealed blob is not signed by the key it names") from None
    return sender, payload
