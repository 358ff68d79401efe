"""End-to-end encryption for peertui groups (protocol v1). Pure code: no I/O, PyNaCl only.

Import everything from here; the submodules are an implementation detail.
"""

from peertui.core.crypto.errors import (
    CryptoError,
    DecryptionFailed,
    InvalidInvite,
    InvalidSignature,
    MalformedData,
    ReplayedMessage,
    TooFarAhead,
    UnknownSession,
)
from peertui.core.crypto.identity import Identity, box_public_key_for
from peertui.core.crypto.invite import Invite
from peertui.core.crypto.padding import bucket_size
from peertui.core.crypto.sealed import open_sealed, seal
from peertui.core.crypto.sessions import (
    Decrypted,
    InboundSessions,
    OutboundSession,
    envelope_sender,
)
from peertui.core.crypto.shares import SessionShare, open_share, seal_share

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
    "box_public_key_for",
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
]
