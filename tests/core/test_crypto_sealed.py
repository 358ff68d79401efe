"""Sealed blobs and session shares: only the recipient opens them, only for their purpose."""

from __future__ import annotations

import pytest
from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt, crypto_box_beforenm
from nacl.public import PrivateKey

from peertui.core.crypto import (
    DecryptionFailed,
    Identity,
    InvalidSignature,
    MalformedData,
    OutboundSession,
    box_public_key_for,
    open_sealed,
    open_share,
    seal,
    seal_share,
)
from peertui.core.crypto.padding import pad
from peertui.core.crypto.sealed import _signed_part
from peertui.core.ids import group_id_for

ALICE, BOB, MALLORY = Identity.generate(), Identity.generate(), Identity.generate()
GROUP = group_id_for(ALICE.public_key)
JOIN = b"join|" + GROUP.encode()


def test_round_trip_names_the_signing_sender():
    sealed = seal(ALICE, BOB.public_key, b"my nickname", context=JOIN)
    assert open_sealed(BOB, sealed, context=JOIN) == (ALICE.public_key, b"my nickname")


def test_identity_twin_keys_match_and_seeds_restore():
    assert box_public_key_for(ALICE.public_key) == ALICE.box_public_key
    again = Identity.from_seed(ALICE.seed)
    assert again == ALICE and again.member_id == ALICE.member_id
    assert ALICE.seed.hex() not in repr(ALICE)
    with pytest.raises(MalformedData):
        Identity.from_seed(b"short")
    with pytest.raises(MalformedData):
        box_public_key_for(b"\xff" * 32)


def test_only_the_recipient_in_the_right_context_can_open():
    sealed = seal(ALICE, BOB.public_key, b"secret", context=JOIN)
    with pytest.raises(DecryptionFailed):
        open_sealed(MALLORY, sealed, context=JOIN)
    with pytest.raises(DecryptionFailed):
        open_sealed(BOB, sealed, context=b"report|" + GROUP.encode())
    with pytest.raises(MalformedData):
        seal(ALICE, BOB.public_key, b"x", context=b"")


def test_payload_length_is_hidden_by_padding():
    sizes = {len(seal(ALICE, BOB.public_key, b"x" * n, context=JOIN)) for n in (0, 50, 255)}
    assert len(sizes) == 1


def test_a_blob_claiming_another_sender_is_refused():
    """Mallory seals a payload that names alice as sender, signed with mallory's key."""
    ephemeral = PrivateKey.generate()
    ephemeral_pk = bytes(ephemeral.public_key)
    signature = MALLORY.signing_key.sign(
        _signed_part(JOIN, BOB.public_key, ephemeral_pk, b"I am alice")
    ).signature
    head = b"\x01S" + ephemeral_pk
    nonce = b"\x00" * 24
    key = crypto_box_beforenm(BOB.box_public_key, bytes(ephemeral))
    inner = ALICE.public_key + signature + pad(b"I am alice")
    forged = (
        head
        + nonce
        + crypto_aead_xchacha20poly1305_ietf_encrypt(
            inner, head + BOB.public_key + JOIN, nonce, key
        )
    )
    with pytest.raises(InvalidSignature):
        open_sealed(BOB, forged, context=JOIN)


def test_share_cannot_be_passed_off_as_someone_elses_session():
    outbound = OutboundSession.create(ALICE, GROUP, epoch=3)
    share = open_share(BOB, seal_share(ALICE, outbound, BOB.public_key), GROUP)
    assert (share.sender_key, share.epoch, share.index) == (ALICE.public_key, 3, 0)
    # Mallory re-seals alice's share contents under her own signature.
    resealed = seal(
        MALLORY, BOB.public_key, share.to_bytes(), context=b"peertui-share-v1|" + _raw(GROUP)
    )
    with pytest.raises(InvalidSignature, match="different sender"):
        open_share(BOB, resealed, GROUP)
    # A sealed join request is not a share, even between the same two people.
    with pytest.raises(DecryptionFailed):
        open_share(BOB, seal(ALICE, BOB.public_key, share.to_bytes(), context=JOIN), GROUP)


def _raw(group_id: str) -> bytes:
    from peertui.core.encoding import b64d

    return b64d(group_id)
