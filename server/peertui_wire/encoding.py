"""Byte and JSON encodings shared by the client and the relay.

Every binary value on the wire is unpadded URL-safe base64 ("b64u"), and every signed JSON
object is signed over its canonical form, so both ends compute the same bytes.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any


class EncodingError(ValueError):
    """A value is not valid base64url or canonical JSON."""


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str, *, length: int | None = None, field: str = "value") -> bytes:
    """Decode unpadded base64url strictly; `length` pins the decoded size."""
    if not isinstance(text, str):
        raise EncodingError(f"{field} must be a base64url string")
    if "=" in text or any(c in text for c in "+/ \n\r\t"):
        raise EncodingError(f"{field} is not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise EncodingError(f"{field} is not valid base64url") from exc
    if b64e(data) != text:
        raise EncodingError(f"{field} is not canonical base64url")
    if length is not None and len(data) != length:
        raise EncodingError(f"{field} must decode to {length} bytes, not {len(data)}")
    return data


def canonical_json(obj: Any) -> bytes:
    """The one byte form of a JSON value that signatures and hashes are computed over."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )
