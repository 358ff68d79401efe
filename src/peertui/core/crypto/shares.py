"""Session shares (protocol v2): a sender's session state at its current index, sealed to one member."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from peertui.core.crypto.identity import Identity
from peertui.core.crypto.prekeys import PrekeySecrets
from peertui.core.crypto.sealed import open_sealed, seal
from peertui_wire import binary
from peertui_wire.crypto_errors import InvalidSignature, MalformedData
from peertui_wire.encoding import EncodingError, b64d, b64e, canonical_json
from peertui_wire.prekeys import PrekeyBundle
from peertui_wire.protocol import (
    CHAIN_KEY_BYTES,
    DIRECT_CONTEXT,
    GROUP_ID_BYTES,
    HASH_BYTES,
    KIND_SHARE,
    PUBLIC_KEY_BYTES,
    SESSION_ID_BYTES,
)

if TYPE_CHECKING:
    from peertui.core.crypto.sessions import OutboundSession


@dataclass(frozen=True)
class SessionShare:
    group_id: str
    sender_key: bytes
    session_id: bytes
    epoch: int
    index: int
    chain_key: bytes
    verify_key: bytes
    roster_index: int  # the sender's roster head when it made the session
    roster_hash: bytes

    def __repr__(self) -> str:  # never show the chain key
        return f"SessionShare(epoch={self.epoch}, index={self.index})"

    def to_bytes(self) -> bytes:
        return (
            binary.header(KIND_SHARE)
            + binary.group_id_bytes(self.group_id)
            + self.sender_key
            + self.session_id
            + binary.u32(self.epoch)
            + binary.u32(self.index)
            + self.chain_key
            + self.verify_key
            + binary.u32(self.roster_index)
            + self.roster_hash
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> SessionShare:
        reader = binary.Reader(data, "session share")
        reader.expect_header(KIND_SHARE)
        share = cls(
            group_id=binary.group_id_text(reader.take(GROUP_ID_BYTES)),
            sender_key=reader.take(PUBLIC_KEY_BYTES),
            session_id=reader.take(SESSION_ID_BYTES),
            epoch=reader.u32(),
            index=reader.u32(),
            chain_key=reader.take(CHAIN_KEY_BYTES),
            verify_key=reader.take(PUBLIC_KEY_BYTES),
            roster_index=reader.u32(),
            roster_hash=reader.take(HASH_BYTES),
        )
        reader.end()
        return share


def direct_context(group_id: str) -> bytes:
    return DIRECT_CONTEXT + binary.group_id_bytes(group_id)


def share_payload(share: SessionShare) -> bytes:
    """The direct payload that carries a share: canonical JSON {"blob": b64u(share), "t": "share"}."""
    return canonical_json({"blob": b64e(share.to_bytes()), "t": "share"})


def seal_share(sender: Identity, outbound: OutboundSession, recipient: PrekeyBundle) -> bytes:
    """My session's share as one sealed direct payload to `recipient`'s prekey (sealed once:
    the sealed blob already encrypts to the prekey and signs with my identity)."""
    share = outbound.share(sender)
    return seal(sender, recipient, share_payload(share), context=direct_context(share.group_id))


def check_share(sealed_by: bytes, blob: bytes, group_id: str) -> SessionShare:
    """A share from an opened direct payload: it must be the sealing identity's own session."""
    share = SessionShare.from_bytes(blob)
    if share.sender_key != sealed_by:
        raise InvalidSignature("session share names a different sender than the key that signed it")
    if share.group_id != group_id:
        raise MalformedData("session share belongs to a different group")
    return share


def open_share(
    recipient: Identity, prekeys: PrekeySecrets, sealed: bytes, group_id: str
) -> SessionShare:
    """Open a sealed share payload (the engine opens directs itself and calls check_share)."""
    sender, payload = open_sealed(recipient, prekeys, sealed, context=direct_context(group_id))
    try:
        body = json.loads(payload)
        blob = b64d(body["blob"]) if body.get("t") == "share" else b""
    except (ValueError, TypeError, KeyError, AttributeError, EncodingError):
        blob = b""
    if not blob:
        raise MalformedData("this direct payload is not a session share")
    return check_share(sender, blob, group_id)
