"""End-to-end encryption for peertui groups (protocol v2). Pure code: no I/O, PyNaCl only.

Import everything from here; the submodules are an implementation detail.
"""

from peertui.core.crypto.identity import Identity
from peertui.core.crypto.invite import Invite
from peertui.core.crypto.padding import bucket_size
from peertui.core.crypto.prekeys import PrekeySecrets
from peertui.core.crypto.sealed import open_sealed, seal, sealed_prekey_id
from peertui.core.crypto.sessions import (
    Decrypted,
    InboundSessions,
    OutboundSession,
    RosterHead,
    envelope_id,
    envelope_route,
    envelope_sender,
    envelope_session,
    signed_position,
)
from peertui.core.crypto.shares import SessionShare, check_share, open_share, seal_share
from peertui_wire.crypto_errors import (
    CryptoError,
    DecryptionFailed,
    InvalidInvite,
    InvalidSignature,
    MalformedData,
    ReplayedMessage,
    TooFarAhead,
    UnknownSession,
)
from peertui_wire.prekeys import PrekeyBundle, check_public_key

__all__ = [
    "CryptoError",
    "DecryptionFailed",
    "InvalidInvite",
    "InvalidSignature",
    "MalformedData",
    "ReplayedMessage",
    "TooFarAhead",
    "UnknownSession",
    "Identity",
    "check_public_key",
    "PrekeyBundle",
    "PrekeySecrets",
    "sealed_prekey_id",
    "RosterHead",
    "envelope_id",
    "envelope_route",
    "envelope_session",
    "signed_position",
    "Invite",
    "bucket_size",
    "seal",
    "open_sealed",
    "Decrypted",
    "InboundSessions",
    "OutboundSession",
    "envelope_sender",
    "SessionShare",
    "seal_share",
    "open_share",
    "check_share",
]
