"""Identifiers derived from public keys, so that nobody can claim an id for another key."""

from __future__ import annotations

import hashlib

from peertui_wire.encoding import b64e


def group_id_for(owner_public_key: bytes) -> str:
    """The group id is a hash of the owner's key: a relay cannot rebind it to another owner."""
    digest = hashlib.blake2b(owner_public_key, digest_size=16, person=b"peertui-group").digest()
    return b64e(digest)


def member_id_for(public_key: bytes) -> str:
    """A short, stable, per-group handle for a member key (shown next to nicknames)."""
    return hashlib.blake2b(public_key, digest_size=5, person=b"peertui-member").hexdigest()


def invite_secret_hash(secret: bytes) -> str:
    """What the relay stores for an invite: enough to check a join, not enough to forge one."""
    return b64e(hashlib.blake2b(secret, digest_size=32, person=b"peertui-invite").digest())
