"""Invite tokens: one whitespace-free `peertui:` string a host hands to a joiner."""

from __future__ import annotations

import base64
import enum
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from nacl.encoding import RawEncoder
from nacl.hash import blake2b
from nacl.public import PrivateKey

from peertui.core.crypto import _random
from peertui_wire import binary
from peertui_wire.crypto_errors import InvalidInvite, MalformedData
from peertui_wire.encoding import b64e
from peertui_wire.ids import group_id_for
from peertui_wire.prekeys import check_public_key
from peertui_wire.protocol import (
    GROUP_ID_BYTES,
    INVITE_CHECKSUM_BYTES,
    INVITE_CHECKSUM_PERSON,
    INVITE_JOIN_KEY_BYTES,
    INVITE_PREFIX,
    INVITE_SECRET_BYTES,
    MAX_RELAY_URL_BYTES,
    PROTOCOL_VERSION,
    PUBLIC_KEY_BYTES,
)


class InviteFault(enum.Enum):
    """Which part of an invite is wrong; the front-ends word each for the person."""

    NOT_TEXT = "not_text"
    NO_PREFIX = "no_prefix"
    EMPTY = "empty"
    BAD_CHARACTERS = "bad_characters"
    TRUNCATED = "truncated"
    UNKNOWN_VERSION = "unknown_version"
    INCOMPLETE_OR_DAMAGED = "incomplete_or_damaged"
    CHECKSUM = "checksum"
    BAD_ENCODING = "bad_encoding"
    EXTRA_DATA = "extra_data"
    RELAY_NOT_TEXT = "relay_not_text"
    RELAY_NOT_HTTP = "relay_not_http"
    RELAY_TOO_LONG = "relay_too_long"
    OWNER_KEY = "owner_key"
    GROUP_MISMATCH = "group_mismatch"


class BadInvite(InvalidInvite):
    """An invite that cannot be used: `fault` says which part; `version` is the format version
    an UNKNOWN_VERSION invite names. `str()` is an English line for logs and tests only."""

    def __init__(self, fault: InviteFault, detail: str, *, version: int = 0) -> None:
        super().__init__(detail)
        self.fault = fault
        self.version = version


_B64U = re.compile(r"[A-Za-z0-9_-]*")
_FIXED_PART = (
    1 + GROUP_ID_BYTES + PUBLIC_KEY_BYTES + INVITE_SECRET_BYTES + INVITE_JOIN_KEY_BYTES + 2
)


def _checksum(data: bytes) -> bytes:
    return blake2b(
        data, digest_size=INVITE_CHECKSUM_BYTES, person=INVITE_CHECKSUM_PERSON, encoder=RawEncoder
    )


def _check_relay_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInvite(InviteFault.RELAY_NOT_HTTP, "the relay address is not an http(s) URL")


@dataclass
class Invite:
    """What a token says. `join_key` is the public half of the invite's join key pair: join
    requests are sealed to it. Its secret half (`join_secret`) exists only on the creator's
    side (and, sent sealed, with the group's moderators); a parsed token never has it."""

    relay_url: str
    group_id: str
    owner_key: bytes
    secret: bytes
    join_key: bytes
    join_secret: bytes = field(default=b"", compare=False)

    def __repr__(self) -> str:  # the secret admits people: keep it out of logs
        return f"Invite(relay_url={self.relay_url!r}, group_id={self.group_id!r})"

    @classmethod
    def create(cls, relay_url: str, owner_key: bytes) -> Invite:
        _check_relay_url(relay_url)
        if len(relay_url.encode("utf-8")) > MAX_RELAY_URL_BYTES:
            raise BadInvite(
                InviteFault.RELAY_TOO_LONG, f"the relay address exceeds {MAX_RELAY_URL_BYTES} bytes"
            )
        try:
            check_public_key(owner_key)
        except MalformedData:
            raise BadInvite(
                InviteFault.OWNER_KEY, "the owner key is not a valid public key"
            ) from None
        secret = _random.random_bytes(INVITE_SECRET_BYTES)
        join_private = PrivateKey(_random.random_bytes(INVITE_JOIN_KEY_BYTES))
        return cls(
            relay_url=relay_url,
            group_id=group_id_for(owner_key),
            owner_key=owner_key,
            secret=secret,
            join_key=bytes(join_private.public_key),
            join_secret=bytes(join_private),
        )

    def token(self) -> str:
        url = self.relay_url.encode("utf-8")
        body = (
            bytes((PROTOCOL_VERSION,))
            + binary.group_id_bytes(self.group_id)
            + self.owner_key
            + self.secret
            + self.join_key
            + binary.u16(len(url))
            + url
        )
        return INVITE_PREFIX + b64e(body + _checksum(body))

    @classmethod
    def parse(cls, token: str) -> Invite:
        if not isinstance(token, str):
            raise BadInvite(InviteFault.NOT_TEXT, "an invite must be text")
        # Pasted invites often pick up line breaks or spaces; the checksum still guards the rest.
        text = "".join(token.split())
        if not text.lower().startswith(INVITE_PREFIX):
            raise BadInvite(InviteFault.NO_PREFIX, "not a peertui invite: no 'peertui:' prefix")
        encoded = text[len(INVITE_PREFIX) :]
        if not encoded:
            raise BadInvite(InviteFault.EMPTY, "the invite is empty after 'peertui:'")
        if not _B64U.fullmatch(encoded):
            raise BadInvite(
                InviteFault.BAD_CHARACTERS, "characters that are not part of a peertui invite"
            )
        if len(encoded) % 4 == 1:
            raise BadInvite(InviteFault.TRUNCATED, "the invite is truncated")
        # Decoded leniently first so a cut-off paste is reported as truncated, not as damaged.
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        if len(raw) < _FIXED_PART + INVITE_CHECKSUM_BYTES:
            raise BadInvite(InviteFault.TRUNCATED, "the invite is truncated")
        if raw[0] != PROTOCOL_VERSION:
            raise BadInvite(
                InviteFault.UNKNOWN_VERSION,
                f"unknown invite format version {raw[0]}",
                version=raw[0],
            )
        body, checksum = raw[:-INVITE_CHECKSUM_BYTES], raw[-INVITE_CHECKSUM_BYTES:]
        url_length = int.from_bytes(body[_FIXED_PART - 2 : _FIXED_PART], "big")
        if _checksum(body) != checksum:
            # A cut-off paste and a changed character both break the checksum; the declared
            # length tells which is likelier, but a damaged length field looks like a cut too.
            if len(body) < _FIXED_PART + url_length:
                raise BadInvite(
                    InviteFault.INCOMPLETE_OR_DAMAGED, "the invite is incomplete or damaged"
                )
            raise BadInvite(InviteFault.CHECKSUM, "the invite checksum does not match")
        if b64e(raw) != encoded:
            raise BadInvite(InviteFault.BAD_ENCODING, "the invite has a non-canonical encoding")
        if len(body) > _FIXED_PART + url_length:
            raise BadInvite(InviteFault.EXTRA_DATA, "the invite has extra data after its end")
        group_raw = body[1 : 1 + GROUP_ID_BYTES]
        owner_key = body[1 + GROUP_ID_BYTES : 1 + GROUP_ID_BYTES + PUBLIC_KEY_BYTES]
        secret_at = 1 + GROUP_ID_BYTES + PUBLIC_KEY_BYTES
        secret = body[secret_at : secret_at + INVITE_SECRET_BYTES]
        join_key = body[secret_at + INVITE_SECRET_BYTES : _FIXED_PART - 2]
        try:
            relay_url = body[_FIXED_PART:].decode("utf-8")
        except UnicodeDecodeError:
            raise BadInvite(InviteFault.RELAY_NOT_TEXT, "the relay address is not UTF-8") from None
        _check_relay_url(relay_url)
        try:
            check_public_key(owner_key)
        except MalformedData:
            raise BadInvite(
                InviteFault.OWNER_KEY, "the owner key is not a valid public key"
            ) from None
        group_id = b64e(group_raw)
        if group_id != group_id_for(owner_key):
            raise BadInvite(InviteFault.GROUP_MISMATCH, "the group id does not match the owner key")
        return cls(
            relay_url=relay_url,
            group_id=group_id,
            owner_key=owner_key,
            secret=secret,
            join_key=join_key,
        )
