"""Size buckets, so ciphertext length reveals only which bucket a plaintext falls in."""

from __future__ import annotations

from nacl.bindings import sodium_pad, sodium_unpad
from nacl.exceptions import CryptoError as NaclCryptoError

from peertui_wire.crypto_errors import MalformedData
from peertui_wire.protocol import (
    LARGE_BUCKET_STEP,
    MAX_PADDED_BYTES,
    MAX_PLAINTEXT_BYTES,
    SMALL_BUCKET_LIMIT,
    SMALL_BUCKET_STEP,
)


def _block_for(padded_or_needed: int) -> int:
    return SMALL_BUCKET_STEP if padded_or_needed <= SMALL_BUCKET_LIMIT else LARGE_BUCKET_STEP


def bucket_size(plaintext_length: int) -> int:
    """The padded size a plaintext of this length occupies."""
    needed = plaintext_length + 1
    block = _block_for(needed)
    return -(-needed // block) * block


def pad(plaintext: bytes) -> bytes:
    if len(plaintext) > MAX_PLAINTEXT_BYTES:
        raise MalformedData(
            f"message is too long: {len(plaintext)} bytes, at most {MAX_PLAINTEXT_BYTES} fit"
        )
    return sodium_pad(bytes(plaintext), _block_for(len(plaintext) + 1))


def unpad(padded: bytes) -> bytes:
    size = len(padded)
    block = _block_for(size)
    if size == 0 or size > MAX_PADDED_BYTES or size % block:
        raise MalformedData(f"padded plaintext of {size} bytes is not a valid size bucket")
    try:
        plaintext = sodium_unpad(padded, block)
    except (NaclCryptoError, ValueError):
        raise MalformedData("padding is malformed") from None
    if bucket_size(len(plaintext)) != size:
        raise MalformedData("padding is longer than its size bucket allows")
    return plaintext
