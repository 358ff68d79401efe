"""Strict readers and writers for the binary formats, raising MalformedData on any mismatch."""

from __future__ import annotations

from peertui_wire.crypto_errors import MalformedData
from peertui_wire.encoding import EncodingError, b64d, b64e
from peertui_wire.protocol import GROUP_ID_BYTES, PROTOCOL_VERSION


def u16(value: int) -> bytes:
    return value.to_bytes(2, "big")


def u32(value: int) -> bytes:
    return value.to_bytes(4, "big")


def u64(value: int) -> bytes:
    return value.to_bytes(8, "big")


def header(kind: int) -> bytes:
    return bytes((PROTOCOL_VERSION, kind))


def group_id_bytes(group_id: str) -> bytes:
    try:
        return b64d(group_id, length=GROUP_ID_BYTES, field="group id")
    except EncodingError as exc:
        raise MalformedData(str(exc)) from None


def group_id_text(raw: bytes) -> str:
    return b64e(raw)


class Reader:
    """Consumes a byte string field by field; `what` names it in error messages."""

    def __init__(self, data: bytes, what: str):
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise MalformedData(f"{what} must be bytes")
        self._data = bytes(data)
        self._pos = 0
        self.what = what

    def expect_header(self, kind: int) -> None:
        version, found = self.take(1)[0], self.take(1)[0]
        if version != PROTOCOL_VERSION:
            raise MalformedData(
                f"{self.what} uses protocol version {version}, but only version "
                f"{PROTOCOL_VERSION} is supported"
            )
        if found != kind:
            raise MalformedData(f"this is not a {self.what} (kind byte {found:#04x})")

    def take(self, size: int) -> bytes:
        if size < 0 or self._pos + size > len(self._data):
            raise MalformedData(f"{self.what} is truncated")
        chunk = self._data[self._pos : self._pos + size]
        self._pos += size
        return chunk

    def u16(self) -> int:
        return int.from_bytes(self.take(2), "big")

    def u32(self) -> int:
        return int.from_bytes(self.take(4), "big")

    def u64(self) -> int:
        return int.from_bytes(self.take(8), "big")

    def remaining(self) -> int:
        return len(self._data) - self._pos

    def rest(self) -> bytes:
        return self.take(self.remaining())

    def end(self) -> None:
        if self.remaining():
            raise MalformedData(f"{self.what} has {self.remaining()} unexpected trailing bytes")
