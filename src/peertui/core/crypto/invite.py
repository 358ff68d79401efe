"""Invite tokens: one whitespace-free `peertui:` string a host hands to a joiner."""

from __future__ import annotations

import base64
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
        raise InvalidInvite("the relay address in the invite is not an http:// or https:// URL")


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
            raise InvalidInvite(f"the relay address is longer than {MAX_RELAY_URL_BYTES} bytes")
        try:
            check_public_key(owner_key)
        except MalformedData:
            raise InvalidInvite("the owner key is not a valid public key") from None
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
            raise InvalidInvite("an invite must be text starting with 'peertui:'")
        # Pasted invites often pick up line breaks or spaces; the checksum still guards the rest.
        text = "".join(token.split())
        if not text.lower().startswith(INVITE_PREFIX):
            raise InvalidInvite("this is not a peertui invite: it should start with 'peertui:'")
        encoded = text[len(INVITE_PREFIX) :]
        if not encoded:
            raise InvalidInvite("the invite is empty after 'peertui:'; copy the whole invite")
        if not _B64U.fullmatch(encoded):
            raise InvalidInvite(
                "the invite contains characters that are not part of a peertui invite; "
                "copy it again exactly"
            )
        if len(encoded) % 4 == 1:
            raise InvalidInvite("the invite is truncated; copy the whole invite")
        # Decoded leniently first so a cut-off paste is reported as truncated, not as damaged.
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        if len(raw) < _FIXED_PART + INVITE_CHECKSUM_BYTES:
            raise InvalidInvite("the invite is truncated; copy the whole invite")
        if raw[0] != PROTOCOL_VERSION:
            raise InvalidInvite(
                f"the invite uses format version {raw[0]}, which this version of peertui does "
                "not understand; update peertui or ask for a new invite"
            )
        body, checksum = raw[:-INVITE_CHECKSUM_BYTES], raw[-INVITE_CHECKSUM_BYTES:]
        url_length = int.from_bytes(body[_FIXED_PART - 2 : _FIXED_PART], "big")
        if _checksum(body) != checksum:
            # A cut-off paste and a changed character both break the checksum; the declared
            # length tells which is likelier, but a damaged length field looks like a cut too.
            if len(body) < _FIXED_PART + url_length:
                raise InvalidInvite(
                    "the invite is incomplete or damaged; copy the whole invite again exactly"
                )
            raise InvalidInvite(
                "the invite is damaged (its checksum does not match); copy it again exactly"
            )
        if b64e(raw) != encoded:
            raise InvalidInvite("the invite is damaged (bad encoding); copy it again exactly")
        if len(body) > _FIXED_PART + url_length:
            raise InvalidInvite("the invite has extra data after its end; copy it again exactly")
        group_raw = body[1 : 1 + GROUP_ID_BYTES]
        owner_key = body[1 + GROUP_ID_BYTES : 1 + GROUP_ID_BYTES + PUBLIC_KEY_BYTES]
        secret_at = 1 + GROUP_ID_BYTES + PUBLIC_KEY_BYTES
        secret = body[secret_at : secret_at + INVITE_SECRET_BYTES]
        join_key = body[secret_at + INVITE_SECRET_BYTES : _FIXED_PART - 2]
        try:
            relay_url = body[_FIXED_PART:].decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInvite("the relay address in the invite is not valid text") from None
        _check_relay_url(relay_url)
        try:
            check_public_key(owner_key)
        except MalformedData:
            raise InvalidInvite("the owner key in the invite is not a valid public key") from None
        group_id = b64e(group_raw)
        if group_id != group_id_for(owner_key):
            raise InvalidInvite(
                "the invite's group id does not match its owner key; it was altered — "
                "ask the host for a new invite"
            )
        return cls(
            relay_url=relay_url,
            group_id=group_id,
            owner_key=owner_key,
            secret=secret,
            join_key=join_key,
        )
