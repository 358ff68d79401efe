"""Byte and JSON encodings shared by the client and the relay.

Every binary value on the wire is unpadded URL-safe base64 ("b64u"), and every signed JSON
object is signed over its canonical form, so both ends compute the same bytes.
"""

from __future__ import annotations

import binascii
import json
from typing import Any


class EncodingError(ValueError):
    """A value is not valid base64url or canonical JSON."""


# binascii directly: base64.urlsafe_b64decode/-encode add type checks, copies and a per-byte
# `translate`, which cost more than the conversion itself (two `replace`s do that job).
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_ALPHABET_BYTES = _ALPHABET.encode()


def b64e(data: bytes) -> str:
    encoded = binascii.b2a_base64(data, newline=False)
    return encoded.replace(b"+", b"-").replace(b"/", b"_").rstrip(b"=").decode()


def b64d(text: str, *, length: int | None = None, field: str = "value") -> bytes:
    """Decode unpadded base64url strictly; `length` pins the decoded size."""
    if not isinstance(text, str):
        raise EncodingError(f"{field} must be a base64url string")
    if (
        "=" in text
        or "+" in text
        or "/" in text
        or " " in text
        or "\n" in text
        or "\r" in text
        or "\t" in text
    ):
        raise EncodingError(f"{field} is not unpadded base64url")
    try:
        raw = text.encode("ascii")
        padded = raw.replace(b"-", b"+").replace(b"_", b"/") + b"=" * (-len(raw) % 4)
        data = binascii.a2b_base64(padded)
    except (binascii.Error, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise EncodingError(f"{field} is not valid base64url") from exc
    if b64e(data) != text:
        raise EncodingError(f"{field} is not canonical base64url")
    if length is not None and len(data) != length:
        raise EncodingError(f"{field} must decode to {length} bytes, not {len(data)}")
    return data


def b64u_size(text: str, *, field: str = "value") -> int:
    """How many bytes canonical unpadded base64url `text` decodes to, checked without decoding
    it (for a value that is kept as text, such as an envelope the relay stores as sent);
    otherwise the very `EncodingError` that `b64d` raises."""
    # Only alphabet characters: nothing is left once every alphabet byte is deleted (a third
    # of the time of a regular expression over an envelope's ~1,400 characters).
    if (
        isinstance(text, str)
        and text.isascii()
        and not text.encode().translate(None, _ALPHABET_BYTES)
    ):
        tail = len(text) % 4
        # The last character's unused low bits must be zero, as b64e would write them.
        if tail == 0 or (tail != 1 and _ALPHABET.index(text[-1]) & (15 if tail == 2 else 3) == 0):
            return len(text) * 3 // 4
    return len(b64d(text, field=field))


def canonical_json(obj: Any) -> bytes:
    """The one byte form of a JSON value that signatures and hashes are computed over."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )
