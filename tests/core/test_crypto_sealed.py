"""Sealed blobs and session shares: only the recipient opens them, only for their purpose."""

from __future__ import annotations

import pytest
from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt, crypto_box_beforenm
from nacl.public import PrivateKey
from tests.core.cryptokit import HEAD, bundle, secrets

from peertui.core.crypto import (
    DecryptionFailed,
    Identity,
    InvalidSignature,
    MalformedData,
    OutboundSession,
    check_public_key,
    open_sealed,
    open_share,
    seal,
    seal_share,
)
from peertui.core.crypto.padding import pad
from peertui.core.crypto.sealed import _signed_part
from peertui_wire.ids import group_id_for

ALICE, BOB, MALLORY = Identity.generate(), Identity.generate(), Identity.generate()
GROUP = group_id_for(ALICE.public_key)
JOIN = b"join|" + GROUP.encode()


def test_round_trip_names_the_signing_sender():
    sealed = seal(ALICE, bundle(BOB), b"my nickname", context=JOIN)
    assert open_sealed(BOB, secrets(BOB), sealed, context=JOIN) == (
        ALICE.public_key,
        b"my nickname",
    )


def test_identity_has_no_box_key_and_seeds_restore():
    assert not hasattr(ALICE, "box_public_key")  # v2: no X25519 twin of the identity key
    again = Identity.from_seed(ALICE.seed)
    assert again == ALICE and again.member_id == ALICE.member_id
    assert ALICE.seed.hex() not in repr(ALICE)
    with pytest.raises(MalformedData):
        Identity.from_seed(b"short")
    with pytest.raises(MalformedData):
        check_public_key(b"\xff" * 32)


def test_only_the_recipient_in_the_right_context_can_open():
    sealed = seal(ALICE, bundle(BOB), b"secret", context=JOIN)
    with pytest.raises(DecryptionFailed):
        open_sealed(MALLORY, secrets(MALLORY), sealed, context=JOIN)
    with pytest.raises(DecryptionFailed):
        open_sealed(BOB, secrets(BOB), sealed, context=b"report|" + GROUP.encode())
    with pytest.raises(MalformedData):
        seal(ALICE, bundle(BOB), b"x", context=b"")


def test_payload_length_is_hidden_by_padding():
    sizes = {len(seal(ALICE, bundle(BOB), b"x" * n, context=JOIN)) for n in (0, 50, 255)}
    assert len(sizes) == 1


def test_a_blob_claiming_another_sender_is_refused():
    """Mallory seals a payload that names alice as sender, signed with mallory's key."""
    ephemeral = PrivateKey.generate()
    ephemeral_pk = bytes(ephemeral.public_key)
    prekey = bundle(BOB)
    signature = MALLORY.signing_key.sign(
        _signed_part(JOIN, BOB.public_key, prekey.prekey_id, ephemeral_pk, b"I am alice")
    ).signature
    head = b"\x02S" + prekey.prekey_id.to_bytes(4, "big") + ephemeral_pk
    nonce = b"\x00" * 24
    key = crypto_box_beforenm(prekey.public, bytes(ephemeral))
    inner = ALICE.public_key + signature + pad(b"I am alice")
    forged = (
        head
        + nonce
        + crypto_aead_xchacha20poly1305_ietf_encrypt(
            inner, head + BOB.public_key + JOIN, nonce, key
        )
    )
    with pytest.raises(InvalidSignature):
        open_sealed(BOB, secrets(BOB), forged, context=JOIN)


def test_share_cannot_be_passed_off_as_someone_elses_session():
    outbound = OutboundSession.create(ALICE, GROUP, epoch=3, roster=HEAD)
    share = open_share(BOB, secrets(BOB), seal_share(ALICE, outbound, bundle(BOB)), GROUP)
    assert (share.sender_key, share.epoch, share.index) == (ALICE.public_key, 3, 0)
    # Mallory re-seals alice's share contents under her own signature.
    from peertui.core.crypto.shares import share_payload

    resealed = seal(
        MALLORY, bundle(BOB), share_payload(share), context=b"peertui-direct-v2|" + _raw(GROUP)
    )
    with pytest.raises(InvalidSignature, match="different sender"):
        open_share(BOB, secrets(BOB), resealed, GROUP)
    # A sealed join request is not a share, even between the same two people.
    with pytest.raises(DecryptionFailed):
        open_share(
            BOB, secrets(BOB), seal(ALICE, bundle(BOB), share_payload(share), context=JOIN), GROUP
        )


def _raw(group_id: str) -> bytes:
    from peertui_wire.encoding import b64d

    return b64d(group_id)


def test_a_deleted_prekey_opens_nothing_even_with_the_identity_seed():
    """Forward secrecy for sealed blobs: after two rotations the blob is unreadable for good."""
    from peertui.core.crypto import PrekeySecrets

    carol = Identity.generate()
    prekeys = PrekeySecrets.create(carol, GROUP)
    sealed = seal(ALICE, prekeys.bundle(carol), b"share", context=JOIN)
    # Someone with only carol's identity seed: fresh prekeys derived from nothing of hers.
    thief = Identity.from_seed(carol.seed)
    with pytest.raises(DecryptionFailed):
        open_sealed(thief, PrekeySecrets.create(thief, GROUP), sealed, context=JOIN)
    prekeys.rotate()
    assert open_sealed(carol, prekeys, sealed, context=JOIN)[1] == b"share"  # previous kept
    prekeys.rotate()
    stolen = PrekeySecrets.from_bytes(prekeys.to_bytes())  # the whole device state, later
    with pytest.raises(DecryptionFailed, match="no longer held"):
        open_sealed(carol, stolen, sealed, context=JOIN)


def test_a_prekey_is_due_for_rotation_after_100_blobs_or_7_days():
    """Post-compromise security (docs/PROTOCOL.md §4): a stolen copy of the prekey secrets
    stops opening new shares once the member has rotated, which it does at 100 blobs opened, a
    day after the first one, or 7 days, whichever comes first (membership changes rotate it
    too, in the engine)."""
    from peertui.core.crypto import PrekeySecrets

    day_ms = 24 * 60 * 60 * 1000
    carol = Identity.generate()
    prekeys = PrekeySecrets.create(carol, GROUP, now_ms=1_000)
    assert not prekeys.needs_rotation(now_ms=1_000 + 7 * day_ms - 1)
    assert prekeys.needs_rotation(now_ms=1_000 + 7 * day_ms)
    for n in range(100):
        assert not prekeys.needs_rotation(now_ms=1_000 + day_ms - 1), f"due after {n} blobs"
        sealed = seal(ALICE, prekeys.bundle(carol), b"share %d" % n, context=JOIN)
        assert open_sealed(carol, prekeys, sealed, context=JOIN)[1] == b"share %d" % n
    assert prekeys.needs_rotation(now_ms=1_000)
    # The count survives a restart (it is stored with the secret).
    assert PrekeySecrets.from_bytes(prekeys.to_bytes()).needs_rotation(now_ms=1_000)

    stolen = PrekeySecrets.from_bytes(prekeys.to_bytes())
    prekeys.rotate(now_ms=2_000)
    assert not prekeys.needs_rotation(now_ms=2_000)
    after = seal(ALICE, prekeys.bundle(carol), b"after the rotation", context=JOIN)
    with pytest.raises(DecryptionFailed, match="no longer held|never was"):
        open_sealed(carol, stolen, after, context=JOIN)


def test_a_used_prekey_goes_within_a_day_and_the_one_before_an_hour_after_it_was_replaced():
    """Forward secrecy for shares against a later theft of the device state: a share a relay
    kept a copy of stops opening about 25 hours after it was opened, at most."""
    from peertui.core.crypto import PrekeySecrets

    hour_ms = 60 * 60 * 1000
    carol = Identity.generate()
    prekeys = PrekeySecrets.create(carol, GROUP, now_ms=0)
    assert not prekeys.needs_rotation(now_ms=6 * 24 * hour_ms)  # unused: 7 days
    kept_by_the_relay = seal(ALICE, prekeys.bundle(carol), b"share", context=JOIN)
    open_sealed(carol, prekeys, kept_by_the_relay, context=JOIN)
    assert not prekeys.needs_rotation(now_ms=24 * hour_ms - 1)
    assert prekeys.needs_rotation(now_ms=24 * hour_ms)

    prekeys.rotate(now_ms=24 * hour_ms)
    assert not prekeys.drop_previous(now_ms=25 * hour_ms - 1)  # still travelling: kept
    assert open_sealed(carol, prekeys, kept_by_the_relay, context=JOIN)[1] == b"share"
    assert prekeys.drop_previous(now_ms=25 * hour_ms)
    assert not prekeys.drop_previous(now_ms=25 * hour_ms)  # nothing left to drop
    stolen = PrekeySecrets.from_bytes(prekeys.to_bytes())
    with pytest.raises(DecryptionFailed, match="no longer held"):
        open_sealed(carol, stolen, kept_by_the_relay, context=JOIN)
    assert not stolen.needs_rotation(now_ms=25 * hour_ms)  # the new one has opened nothing
