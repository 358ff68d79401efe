"""Prekeys for crypto unit tests: each test identity gets one set of prekey secrets."""

from __future__ import annotations

from peertui.core.crypto import Identity, PrekeyBundle, PrekeySecrets, RosterHead
from peertui_wire.ids import group_id_for

HEAD = RosterHead(0, bytes(32))
_SECRETS: dict[bytes, PrekeySecrets] = {}


def secrets(identity: Identity) -> PrekeySecrets:
    held = _SECRETS.get(identity.public_key)
    if held is None:
        held = PrekeySecrets.create(identity, group_id_for(identity.public_key))
        _SECRETS[identity.public_key] = held
    return held


def bundle(identity: Identity) -> PrekeyBundle:
    return PrekeyBundle.from_bytes(secrets(identity).bundle(identity).to_bytes())
