"""The test vectors printed in docs/PROTOCOL.md, recomputed from fixed keys and randomness.

Regenerate the block for the document with `python tests/core/test_vectors.py`; a change to
any byte format shows up here as a mismatch with the published vectors.
"""

from __future__ import annotations

import re
from pathlib import Path

from peertui.core import joinbox, payloads
from peertui.core.crypto import (
    Identity,
    InboundSessions,
    Invite,
    OutboundSession,
    PrekeyBundle,
    PrekeySecrets,
    RosterHead,
    _random,
    envelope_id,
    open_sealed,
    open_share,
    seal,
    seal_share,
)
from peertui.core.crypto.sessions import message_key, next_chain_key
from peertui_wire import auth
from peertui_wire.encoding import b64d, b64e, canonical_json
from peertui_wire.ids import group_id_for, invite_secret_hash, member_id_for
from peertui_wire.roster import event_hash, genesis

DOC = Path(__file__).resolve().parents[2] / "docs" / "PROTOCOL.md"
RANDOM_SEED = b"peertui-test-vectors-v2"
TS = 1_700_000_000_000


def compute_vectors() -> dict[str, str]:
    alice = Identity.from_seed(bytes(range(32)))
    bob = Identity.from_seed(bytes(range(32, 64)))
    group_id = group_id_for(alice.public_key)
    first = genesis(alice.signing_key, ts=TS)
    head = RosterHead(0, b64d(event_hash(first)))
    v: dict[str, str] = {
        "alice.seed": alice.seed.hex(),
        "alice.public_key": alice.public_key.hex(),
        "alice.member_id": member_id_for(alice.public_key),
        "bob.seed": bob.seed.hex(),
        "bob.public_key": bob.public_key.hex(),
        "group_id": group_id,
        "roster.genesis": canonical_json(first).decode(),
        "roster.genesis_hash": event_hash(first),
    }
    with _random.deterministic(RANDOM_SEED):
        invite = Invite.create("https://relay.example:8765", alice.public_key)
        v["invite.secret"] = invite.secret.hex()
        v["invite.join_secret"] = invite.join_secret.hex()
        v["invite.join_key"] = invite.join_key.hex()
        v["invite.secret_hash"] = invite_secret_hash(invite.secret)
        v["invite.token"] = invite.token()
        bob_prekeys = PrekeySecrets.create(bob, group_id, now_ms=TS)
        v["bob.prekey_secret"] = bob_prekeys.secret_for(1).hex()
        v["bob.prekey"] = bob_prekeys.bundle(bob).to_bytes().hex()
        bob_prekey = PrekeyBundle.from_bytes(bytes.fromhex(v["bob.prekey"]), group_id)
        context = b"peertui-direct-v2|" + b64d(group_id)
        v["sealed.context"] = context.hex()
        v["sealed.payload"] = "hello bob"
        v["sealed"] = seal(alice, bob_prekey, b"hello bob", context=context).hex()
        session = OutboundSession.create(alice, group_id, epoch=0, roster=head, now_ms=TS)
        chain_key = session.share(alice).chain_key
        v["session.id"] = session.session_id.hex()
        v["session.chain_key_0"] = chain_key.hex()
        v["session.message_key_0"] = message_key(chain_key).hex()
        v["session.chain_key_1"] = next_chain_key(chain_key).hex()
        v["session.verify_key"] = session.share(alice).verify_key.hex()
        v["session.stored"] = session.to_bytes().hex()
        v["share.sealed_for_bob"] = seal_share(alice, session, bob_prekey).hex()
        v["envelope.0.payload"] = "hello group"
        v["envelope.0.sent_ms"] = str(TS + 1)
        envelope = session.encrypt(alice, b"hello group", sent_ms=TS + 1)
        v["envelope.0"] = envelope.hex()
        v["envelope.0.id"] = b64e(envelope_id(envelope))
        v["envelope.1.payload"] = "second"
        v["envelope.1.sent_ms"] = str(TS + 2)
        v["envelope.1"] = session.encrypt(alice, b"second", sent_ms=TS + 2).hex()
        reply = joinbox.KeyPair.generate()
        v["join.reply_secret"] = reply.secret.hex()
        v["join.reply_key"] = reply.public.hex()
        request = payloads.encode(
            "join",
            key=b64e(bob.public_key),
            reply=b64e(reply.public),
            nick="river",
            pronouns="they/them",
            intro="new here",
        )
        v["join.request.payload"] = request.decode()
        v["join.request"] = joinbox.seal_request(invite.join_key, group_id, request).hex()
        denial = payloads.encode("deny", reason="the group is full")
        v["join.reply.payload"] = denial.decode()
        v["join.reply"] = joinbox.seal_reply(reply.public, group_id, denial).hex()
    signed = auth.signing_bytes(
        "POST",
        f"/v1/groups/{group_id}/messages",
        TS,
        "AAAAAAAAAAAAAAAAAAAAAA",
        b"{}",
        "relay.example.org",
    )
    v["request.signing_bytes"] = signed.hex()
    v["request.signature"] = alice.signing_key.sign(signed).signature.hex()
    return v


def published_vectors() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(
        r"<!-- vectors:begin -->\n```text\n(.*?)```\n<!-- vectors:end -->", text, re.S
    )
    assert block, "docs/PROTOCOL.md has no test-vector block"
    return dict(line.split(" = ", 1) for line in block.group(1).splitlines() if line)


def test_published_vectors_match_the_implementation():
    assert published_vectors() == compute_vectors()


def test_published_vectors_decrypt_for_the_recipient():
    v = published_vectors()
    bob = Identity.from_seed(bytes.fromhex(v["bob.seed"]))
    alice_pk = bytes.fromhex(v["alice.public_key"])
    # Bob's prekey secret as published (his device's state), not derived from his seed.
    prekeys = PrekeySecrets.create(bob, v["group_id"])
    prekeys._secrets[0].secret = bytes.fromhex(v["bob.prekey_secret"])
    sender, payload = open_sealed(
        bob, prekeys, bytes.fromhex(v["sealed"]), context=bytes.fromhex(v["sealed.context"])
    )
    assert (sender, payload.decode()) == (alice_pk, v["sealed.payload"])
    share = open_share(bob, prekeys, bytes.fromhex(v["share.sealed_for_bob"]), v["group_id"])
    assert share.chain_key.hex() == v["session.chain_key_0"]
    inbound = InboundSessions(v["group_id"])
    inbound.add_share(share)
    for n in ("1", "0"):
        result = inbound.decrypt(bytes.fromhex(v[f"envelope.{n}"]))
        assert (result.sender_key, result.plaintext.decode(), str(result.sent_ms)) == (
            alice_pk,
            v[f"envelope.{n}.payload"],
            v[f"envelope.{n}.sent_ms"],
        )
        assert b64e(result.head.hash) == v["roster.genesis_hash"]
    invite = Invite.parse(v["invite.token"])
    assert invite.secret.hex() == v["invite.secret"]
    assert invite.join_key.hex() == v["invite.join_key"]
    group_id = v["group_id"]
    opened = joinbox.open_request(
        bytes.fromhex(v["invite.join_secret"]), group_id, bytes.fromhex(v["join.request"])
    )
    assert opened == v["join.request.payload"].encode()
    answer = joinbox.open_reply(
        bytes.fromhex(v["join.reply_secret"]), group_id, bytes.fromhex(v["join.reply"])
    )
    assert answer == v["join.reply.payload"].encode()


if __name__ == "__main__":
    for name, value in compute_vectors().items():
        print(f"{name} = {value}")
