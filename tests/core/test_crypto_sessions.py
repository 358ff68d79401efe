"""Sender sessions end to end: several members, real crypto, the relay as an adversary."""

from __future__ import annotations

import random

import pytest
from tests.core.cryptokit import HEAD, bundle, secrets

from peertui.core.crypto import (
    CryptoError,
    DecryptionFailed,
    Identity,
    InboundSessions,
    InvalidSignature,
    MalformedData,
    OutboundSession,
    ReplayedMessage,
    SessionShare,
    TooFarAhead,
    UnknownSession,
    bucket_size,
    envelope_sender,
    open_share,
    seal_share,
)
from peertui.core.crypto.sessions import message_key, next_chain_key
from peertui_wire.ids import group_id_for
from peertui_wire.protocol import (
    ENVELOPE_HEADER_BYTES,
    INNER_HEADER_BYTES,
    MAX_FORWARD_JUMP,
    MAX_SKIPPED_KEYS,
    SIGNATURE_BYTES,
    TAG_BYTES,
)

DAY_MS = 86_400_000


class Member:
    """One member's real crypto state in one group, as the engine would hold it."""

    def __init__(self, group_id: str, epoch: int = 0):
        self.identity = Identity.generate()
        self.group_id = group_id
        self.outbound = OutboundSession.create(self.identity, group_id, epoch, roster=HEAD)
        self.inbound = InboundSessions(group_id)

    def share_with(self, others: list[Member]) -> None:
        for other in others:
            sealed = seal_share(self.identity, self.outbound, bundle(other.identity))
            assert other.inbound.add_share(
                open_share(other.identity, secrets(other.identity), sealed, self.group_id)
            )

    def send(self, text: str) -> bytes:
        return self.outbound.encrypt(self.identity, text.encode())

    def read(self, envelope: bytes) -> str:
        return self.inbound.decrypt(envelope).plaintext.decode()


def make_group(size: int) -> tuple[str, list[Member]]:
    group_id = group_id_for(Identity.generate().public_key)
    members = [Member(group_id) for _ in range(size)]
    for member in members:
        member.share_with(members)  # including itself, to read its own echoes
    return group_id, members


def test_three_members_exchange_out_of_order_and_refuse_replays():
    _, members = make_group(3)
    sent = [(m, m.send(f"message {i} from {n}")) for i in range(20) for n, m in enumerate(members)]
    for reader in members:
        shuffled = sent[:]
        random.Random(7).shuffle(shuffled)
        texts = {reader.read(envelope) for _, envelope in shuffled}
        assert texts == {f"message {i} from {n}" for i in range(20) for n in range(3)}
        for _, envelope in shuffled[:5]:
            with pytest.raises(ReplayedMessage):
                reader.inbound.decrypt(envelope)


def test_decrypted_names_sender_session_index_and_epoch():
    _, (alice, bob, _carol) = make_group(3)
    alice.send("zero")
    result = bob.inbound.decrypt(alice.send("one"))
    assert result.sender_key == alice.identity.public_key
    assert result.session_id == alice.outbound.session_id
    assert (result.index, result.epoch, result.plaintext) == (1, 0, b"one")
    assert envelope_sender(alice.send("two")) == alice.identity.public_key


def test_forward_jump_at_the_limit_is_read_and_beyond_it_refused():
    _, (alice, bob) = make_group(2)
    envelopes = [alice.send("x") for _ in range(MAX_FORWARD_JUMP + 2)]
    with pytest.raises(TooFarAhead):
        bob.inbound.decrypt(envelopes[MAX_FORWARD_JUMP + 1])
    assert bob.read(envelopes[MAX_FORWARD_JUMP]) == "x"
    # Only the newest MAX_SKIPPED_KEYS skipped keys are kept.
    assert bob.read(envelopes[MAX_FORWARD_JUMP - MAX_SKIPPED_KEYS]) == "x"
    with pytest.raises(DecryptionFailed):
        bob.inbound.decrypt(envelopes[MAX_FORWARD_JUMP - MAX_SKIPPED_KEYS - 1])
    with pytest.raises(DecryptionFailed):
        bob.inbound.decrypt(envelopes[0])
    assert bob.read(envelopes[MAX_FORWARD_JUMP + 1]) == "x"


def test_skipped_keys_are_capped_oldest_dropped():
    _, (alice, bob) = make_group(2)
    envelopes = [alice.send(str(i)) for i in range(MAX_SKIPPED_KEYS + 600)]
    assert bob.read(envelopes[MAX_SKIPPED_KEYS + 500]) == str(MAX_SKIPPED_KEYS + 500)
    assert bob.read(envelopes[500]) == "500"
    assert bob.read(envelopes[MAX_SKIPPED_KEYS + 499]) == str(MAX_SKIPPED_KEYS + 499)
    for dropped in (0, 499):
        with pytest.raises(DecryptionFailed):
            bob.inbound.decrypt(envelopes[dropped])
    # The cap holds across later out-of-order traffic too.
    assert bob.read(envelopes[MAX_SKIPPED_KEYS + 599]) == str(MAX_SKIPPED_KEYS + 599)
    with pytest.raises(DecryptionFailed):
        bob.inbound.decrypt(envelopes[501])


def test_relay_moving_a_message_to_another_group_is_caught():
    _, (alice, bob) = make_group(2)
    other_group = group_id_for(Identity.generate().public_key)
    envelope = alice.send("for group one only")
    # Even a member of the other group who somehow holds the very same session cannot read it.
    share = alice.outbound.share(alice.identity)
    moved = InboundSessions(other_group)
    moved.add_share(
        SessionShare(
            other_group,
            share.sender_key,
            share.session_id,
            share.epoch,
            0,
            bob_share_chain_key(bob, alice),
            share.verify_key,
            share.roster_index,
            share.roster_hash,
        )
    )
    with pytest.raises(InvalidSignature):
        moved.decrypt(envelope)
    # A share sealed for one group cannot be opened as a share of another.
    with pytest.raises(DecryptionFailed):
        open_share(
            bob.identity,
            secrets(bob.identity),
            seal_share(alice.identity, alice.outbound, bundle(bob.identity)),
            other_group,
        )


def bob_share_chain_key(bob: Member, alice: Member) -> bytes:
    """The chain key at index 0 of alice's session, as bob's stored state holds it."""
    restored = InboundSessions.from_bytes(bob.inbound.to_bytes())
    session = restored._sessions[(alice.identity.public_key, alice.outbound.session_id)]
    assert session.next_index == 0
    return session.chain_key


def _splice(envelope: bytes, offset: int, value: bytes) -> bytes:
    return envelope[:offset] + value + envelope[offset + len(value) :]


def test_relay_relabelling_the_sender_or_changing_the_epoch_is_caught():
    _, (alice, bob, carol) = make_group(3)
    envelope = alice.send("from alice")
    carol.send("carol's session is known to bob")
    # Claim carol sent it, with carol's real session id: carol's session key does not match.
    relabelled = _splice(envelope, 26, carol.identity.public_key)
    relabelled = _splice(relabelled, 6, carol.outbound.session_id)
    with pytest.raises(InvalidSignature):
        bob.inbound.decrypt(relabelled)
    # Claim carol sent it but keep alice's session id: no such session.
    with pytest.raises(UnknownSession):
        bob.inbound.decrypt(_splice(envelope, 26, carol.identity.public_key))
    for epoch in (b"\x00\x00\x00\x01", b"\xff\xff\xff\xff"):
        with pytest.raises(InvalidSignature):
            bob.inbound.decrypt(_splice(envelope, 2, epoch))
    assert bob.read(envelope) == "from alice"


def test_signature_is_checked_before_any_key_is_derived():
    _, (alice, bob) = make_group(2)
    envelope = alice.send("hello")
    far_ahead = _splice(envelope, 22, (10**9).to_bytes(4, "big"))
    with pytest.raises(InvalidSignature):  # not TooFarAhead: the index was never trusted
        bob.inbound.decrypt(far_ahead)
    # A correctly signed but undecryptable message leaves the ratchet where it was.
    body = envelope[:-SIGNATURE_BYTES]
    broken_body = body[:-1] + bytes([body[-1] ^ 1])
    resigned = (
        broken_body
        + alice.outbound._signing_key.sign(
            b"peertui-envelope-v2" + alice.outbound._group_raw + broken_body
        ).signature
    )
    before = bob.inbound.to_bytes()
    with pytest.raises(DecryptionFailed):
        bob.inbound.decrypt(resigned)
    assert bob.inbound.to_bytes() == before
    assert bob.read(envelope) == "hello"


def test_removed_member_cannot_read_anything_after_rotation():
    group_id, (alice, bob, carol) = make_group(3)
    assert carol.read(alice.send("before removal")) == "before removal"
    carol_state = carol.inbound.to_bytes()
    # The engine removes carol: everyone left starts epoch 1 and shares only with who remains.
    remaining = [alice, bob]
    sealed_for_bob = {}
    for member in remaining:
        member.outbound = OutboundSession.create(member.identity, group_id, epoch=1, roster=HEAD)
        sealed_for_bob[member] = seal_share(member.identity, member.outbound, bundle(bob.identity))
        member.share_with(remaining)
    after = [alice.send("after removal"), bob.send("bob after removal")]
    carol_real = InboundSessions.from_bytes(carol_state)
    for envelope in after:
        with pytest.raises(UnknownSession):
            carol_real.decrypt(envelope)
    # The relay can hand carol every share addressed to others; she cannot open them.
    for sealed in sealed_for_bob.values():
        with pytest.raises(DecryptionFailed):
            open_share(carol.identity, secrets(carol.identity), sealed, group_id)
    read = [bob.inbound.decrypt(e) for e in after]
    assert [(r.plaintext, r.epoch) for r in read] == [
        (b"after removal", 1),
        (b"bob after removal", 1),
    ]


def test_late_joiner_cannot_read_what_came_before():
    group_id, members = make_group(3)
    before = [m.send("before dave") for m in members for _ in range(3)]
    dave = Member(group_id)
    for member in members:
        member.share_with([dave])
    for envelope in before:
        with pytest.raises(DecryptionFailed):
            dave.inbound.decrypt(envelope)
    after = [m.send("after dave") for m in members]
    assert [dave.read(e) for e in after] == ["after dave"] * 3


def test_share_rules_new_session_lower_index_only_and_no_rewriting_history():
    group_id, (alice, bob) = make_group(2)
    envelopes = [alice.send(str(i)) for i in range(6)]
    late = Member(group_id)
    alice.share_with([late])  # at index 6
    current = alice.outbound.share(alice.identity)
    assert late.inbound.add_share(current) is False  # same index again
    assert bob.inbound.add_share(current) is False  # higher index than bob holds
    # A re-share at a lower index (the engine kept an old share) opens the earlier messages.
    bob_old = InboundSessions.from_bytes(bob.inbound.to_bytes())
    assert bob.read(envelopes[0]) == "0" and bob.read(envelopes[3]) == "3"
    early = SessionShare(
        group_id,
        current.sender_key,
        current.session_id,
        0,
        2,
        _chain_key_at(bob_old, alice, 2),
        current.verify_key,
        current.roster_index,
        current.roster_hash,
    )
    assert late.inbound.add_share(early) is True
    assert [late.read(e) for e in envelopes[2:]] == ["2", "3", "4", "5"]
    with pytest.raises(DecryptionFailed):
        late.inbound.decrypt(envelopes[1])
    with pytest.raises(ReplayedMessage):
        late.inbound.decrypt(envelopes[4])
    # A "lower" share from another chain would rewrite history: refused.
    forged = SessionShare(
        group_id,
        current.sender_key,
        current.session_id,
        0,
        0,
        b"\x07" * 32,
        current.verify_key,
        current.roster_index,
        current.roster_hash,
    )
    fresh = Member(group_id)
    fresh.inbound.add_share(current)
    assert fresh.inbound.add_share(forged) is False
    # A new session id is always taken.
    alice.outbound = OutboundSession.create(alice.identity, group_id, epoch=0, roster=HEAD)
    assert late.inbound.add_share(alice.outbound.share(alice.identity)) is True
    with pytest.raises(MalformedData):
        InboundSessions(group_id_for(Identity.generate().public_key)).add_share(current)


def _chain_key_at(inbound: InboundSessions, sender: Member, index: int) -> bytes:
    session = inbound._sessions[(sender.identity.public_key, sender.outbound.session_id)]
    chain_key = session.chain_key
    for _ in range(session.next_index, index):
        chain_key = next_chain_key(chain_key)
    return chain_key


def test_used_message_keys_are_deleted():
    _, (alice, bob) = make_group(2)
    chain_key = alice.outbound.share(alice.identity).chain_key
    envelopes = [alice.send(str(i)) for i in range(3)]
    assert chain_key not in alice.outbound.to_bytes()
    bob.read(envelopes[2])
    stored = bob.inbound.to_bytes()
    keys = [message_key(chain_key), message_key(next_chain_key(chain_key))]
    assert keys[0] in stored and keys[1] in stored  # skipped, still needed
    bob.read(envelopes[0])
    stored = bob.inbound.to_bytes()
    assert keys[0] not in stored and keys[1] in stored
    assert chain_key not in stored


def test_state_survives_serialisation_mid_conversation():
    group_id, (alice, bob) = make_group(2)
    envelopes = [alice.send(str(i)) for i in range(10)]
    assert bob.read(envelopes[7]) == "7"
    bob.inbound = InboundSessions.from_bytes(bob.inbound.to_bytes())
    alice.outbound = OutboundSession.from_bytes(alice.outbound.to_bytes())
    assert bob.read(envelopes[3]) == "3"
    with pytest.raises(ReplayedMessage):
        bob.inbound.decrypt(envelopes[7])
    assert bob.read(alice.send("ten")) == "ten"
    assert alice.outbound.index == 11 and alice.outbound.group_id == group_id
    bob.inbound.forget_sender(alice.identity.public_key)
    with pytest.raises(UnknownSession):
        bob.inbound.decrypt(envelopes[5])


def test_rotation_after_100_messages_or_7_days():
    group_id = group_id_for(Identity.generate().public_key)
    me = Identity.generate()
    session = OutboundSession.create(me, group_id, 0, now_ms=1_000, roster=HEAD)
    assert not session.needs_rotation(now_ms=1_000 + 7 * DAY_MS - 1)
    assert session.needs_rotation(now_ms=1_000 + 7 * DAY_MS)
    for _ in range(99):
        session.encrypt(me, b"x")
    assert not session.needs_rotation(now_ms=1_000)
    session.encrypt(me, b"x")
    assert session.needs_rotation(now_ms=1_000)


def test_ciphertext_length_depends_only_on_the_padding_bucket():
    _, (alice, _bob) = make_group(2)
    lengths = {}
    for size in [0, 1, 100, 243, 244, 499, 4083, 4084, 8179, 8180, 20000]:
        # The signed time (8 bytes) and counter (4) travel inside, before the payload.
        lengths.setdefault(bucket_size(size + INNER_HEADER_BYTES), set()).add(
            len(alice.send("a" * size))
        )
    overhead = ENVELOPE_HEADER_BYTES + TAG_BYTES + SIGNATURE_BYTES
    assert lengths == {bucket: {bucket + overhead} for bucket in lengths}
    assert sorted(lengths) == [256, 512, 4096, 8192, 12288, 20480]


def test_misuse_gives_crypto_errors_in_words():
    group_id, (alice, bob) = make_group(2)
    with pytest.raises(CryptoError, match="different identity"):
        alice.outbound.encrypt(bob.identity, b"x")
    with pytest.raises(MalformedData, match="too long"):
        alice.outbound.encrypt(alice.identity, b"x" * 50_000)
    with pytest.raises(MalformedData):
        OutboundSession.create(alice.identity, group_id, epoch=-1, roster=HEAD)
    with pytest.raises(MalformedData):
        InboundSessions("not a group id")
    with pytest.raises(MalformedData):
        envelope_sender(b"\x01M")
    with pytest.raises(MalformedData, match="version 1, but only version 2"):
        bob.inbound.decrypt(b"\x01" + alice.send("x")[1:])


def test_envelope_carries_signed_time_counter_and_roster_head():
    """v2: the sender's clock and counter are inside the ciphertext, the roster head is signed."""
    from peertui.core.crypto import RosterHead, envelope_id

    _, (alice, bob) = make_group(2)
    head = RosterHead(7, b"\x42" * 32)
    envelope = alice.outbound.encrypt(alice.identity, b"hi", head=head, sent_ms=1234)
    second = alice.outbound.encrypt(alice.identity, b"again", head=head, sent_ms=1300)
    read = bob.inbound.decrypt(envelope)
    assert (read.plaintext, read.sent_ms, read.counter, read.head) == (b"hi", 1234, 0, head)
    assert read.session_roster == HEAD and read.envelope_id == envelope_id(envelope)
    assert bob.inbound.decrypt(second).counter == 1
    # The relay cannot change the head a sender signed (index or hash).
    for offset in (58, 62):
        with pytest.raises(InvalidSignature):
            bob.inbound.decrypt(_splice(second, offset, b"\x00\x00\x00\x01"))
    # The counter continues into the next session, so a drop across a rotation shows too.
    alice.outbound = OutboundSession.create(
        alice.identity, alice.group_id, 1, roster=head, counter=alice.outbound.counter
    )
    alice.share_with([bob])
    assert bob.inbound.decrypt(alice.send("new session")).counter == 2
