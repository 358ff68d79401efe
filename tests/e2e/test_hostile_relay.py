"""Protocol v2 against a hostile relay: each attack of issue 14's table, rows 1-6, now fails.

Real clients (engines with their encrypted stores) talk to a real relay process through
`HostileRelay`, which forwards every request but rewrites what chosen members receive, and keeps
a copy of everything it delivered — what an operator who never deletes anything would hold.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from tests.e2e.conftest import form_group
from tests.e2e.harness import Person, wait_until
from tests.e2e.hostile import HostileRelay

from peertui.core import payloads, receive_rules
from peertui.core.crypto import (
    CryptoError,
    DecryptionFailed,
    Identity,
    InboundSessions,
    OutboundSession,
    PrekeyBundle,
    PrekeySecrets,
    open_sealed,
    open_share,
    seal,
    seal_share,
    sealed_prekey_id,
)
from peertui.core.encoding import b64d, b64e
from peertui.core.events import JoinApproved, JoinRequested, Notice
from peertui.core.protocol import DIRECT_CONTEXT as DIRECT
from peertui.core.relay_client import RelayClient


@pytest.fixture
async def hostile(relay):
    proxy = await HostileRelay(relay.url).start()
    yield proxy
    await proxy.stop()


def session(person, gid):
    return person.engine._groups[gid]


async def test_a_group_works_normally_through_the_proxy(hostile, tmp_path, closing):
    gid, people = await form_group(hostile.url, tmp_path, ["owner", "river", "bob"])
    closing.extend(people)
    owner, river, bob = people
    await river.engine.send(gid, "hello through the middle")
    await bob.wait_for_texts(gid, ["hello through the middle"])
    await wait_until(lambda: bool(hostile.delivered), what="the proxy to see traffic")


def key_of(person, gid) -> bytes:
    return session(person, gid).me


def texts_readable_with(inbound: InboundSessions, events: list[dict]) -> list[str]:
    """What a copy of someone's receiving state decrypts from a pile of relay events."""
    read = []
    for event in events:
        if event["kind"] != "message":
            continue
        try:
            body = json.loads(inbound.decrypt(b64d(event["body"]["envelope"])).plaintext)
        except CryptoError:
            continue
        if body.get("t") == "msg":
            read.append(body["text"])
    return read


def open_every_share(identity, prekeys, inbound, events, gid) -> int:
    """Feed every share a thief can open (with these prekey secrets) into `inbound`."""
    opened = 0
    for event in events:
        if event["kind"] != "direct":
            continue
        try:
            _sender, inner = open_sealed(
                identity, prekeys, b64d(event["body"]["payload"]), context=DIRECT + b64d(gid)
            )
            body = json.loads(inner)
            if body.get("t") == "share":
                inbound.add_share(open_share(identity, prekeys, b64d(body["blob"]), gid))
                opened += 1
        except CryptoError:
            continue
    return opened


async def test_row1_stolen_seed_reads_nothing_before_the_theft_nor_after_the_next_rotation(
    hostile, relay, tmp_path, closing
):
    gid, people = await form_group(hostile.url, tmp_path, ["owner", "river", "bob"])
    closing.extend(people)
    owner, river, bob = people
    before = ["before the theft, one", "before the theft, two"]
    for text in before:
        await river.engine.send(gid, text)
    await bob.wait_for_texts(gid, before)
    victim = session(bob, gid)
    bob_key = victim.me

    # Bob read his shares, so the relay deleted them (POST /direct/ack).
    async with RelayClient(relay.url, victim.identity.signing_key) as as_bob:

        async def directs_left() -> int:
            events, _gap = await as_bob.log(gid, 0)
            return sum(e.kind == "direct" for e in events)

        deadline = time.monotonic() + 15
        while await directs_left() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert await directs_left() == 0

    # The theft: bob's 32-byte seed. The hostile relay kept a copy of every direct delivery
    # and envelope it ever gave bob.
    thief = Identity.from_seed(victim.identity.seed)
    kept = list(hostile.delivered[bob_key])
    sealed_to_bob = [e for e in kept if e["kind"] == "direct"]
    assert len(sealed_to_bob) >= 2  # the owner's and river's shares did travel
    # v1's hole: the seed's X25519 twin opened every share. v2 seals to prekeys instead.
    twin = PrekeySecrets.create(thief, gid)
    for event in sealed_to_bob:
        blob = b64d(event["body"]["payload"])
        twin._secrets[0].prekey_id = sealed_prekey_id(blob)
        twin._secrets[0].secret = bytes(thief.signing_key.to_curve25519_private_key())
        with pytest.raises(DecryptionFailed):
            open_sealed(thief, twin, blob, context=DIRECT + b64d(gid))
    assert open_every_share(thief, twin, InboundSessions(gid), kept, gid) == 0
    assert texts_readable_with(InboundSessions(gid), kept) == []

    # Worse: the thief copied bob's whole device state at the theft (prekeys, sessions).
    stolen_prekeys = PrekeySecrets.from_bytes(victim.prekeys.to_bytes())
    stolen_inbound = InboundSessions.from_bytes(victim.inbound.to_bytes())
    stolen_prekey_id = stolen_prekeys.current_id
    await river.engine.send(gid, "between the theft and the rotation")
    await bob.wait_for_texts(gid, ["between the theft and the rotation"])

    # The next rotation: a membership change (carol joins) rotates every prekey and session.
    carol = await Person.open(tmp_path / "carol")
    closing.append(carol)
    invite = await owner.engine.create_invite(gid)
    await carol.engine.join(invite, "carol")
    await owner.wait_for(lambda e: isinstance(e, JoinRequested))
    await owner.engine.approve(gid, "carol")
    await carol.wait_for(lambda e: isinstance(e, JoinApproved))

    def knows_new_bob_prekey(person) -> bool:
        held = session(person, gid).state.get("prekeys", {}).get(b64e(bob_key))
        return bool(held) and PrekeyBundle.from_bytes(b64d(held)).prekey_id > stolen_prekey_id

    await wait_until(lambda: knows_new_bob_prekey(river) and knows_new_bob_prekey(owner))
    after = ["after the rotation, from river", "after the rotation, from the owner"]
    await river.engine.send(gid, after[0])
    await owner.engine.send(gid, after[1])
    await bob.wait_for_texts(gid, after)

    kept = list(hostile.delivered[bob_key])
    open_every_share(thief, stolen_prekeys, stolen_inbound, kept, gid)
    read = texts_readable_with(stolen_inbound, kept)
    # Honest about the window: what river sent before the rotation, on the stolen session...
    assert "between the theft and the rotation" in read
    # ...but nothing sent before the theft (its keys were used and deleted) and nothing after.
    assert not set(read) & set(before + after)


class Replace:
    """Tamper: replace the next events from `carrier` to `reader` with forged ones, in turn."""

    def __init__(self, reader: bytes, carrier: bytes, forged: list[dict]):
        self.reader, self.carrier, self.forged = reader, carrier, list(forged)

    def __call__(self, reader: bytes, event: dict) -> list[dict]:
        if (
            reader == self.reader
            and self.forged
            and event["kind"] == "message"
            and b64d(event["sender"]) == self.carrier
        ):
            forged = self.forged.pop(0)
            return [{**forged, "seq": event["seq"], "ts": event["ts"]}]
        return [event]


def forged_message(sender: bytes, envelope: bytes) -> dict:
    return {"kind": "message", "sender": b64e(sender), "body": {"envelope": b64e(envelope)}}


def forged_direct(sender: bytes, to: bytes, sealed: bytes) -> dict:
    return {
        "kind": "direct",
        "sender": b64e(sender),
        "body": {"to": b64e(to), "payload": b64e(sealed)},
    }


async def test_row2_injected_share_and_message_from_a_removed_or_muted_key_are_refused(
    hostile, tmp_path, closing
):
    gid, people = await form_group(hostile.url, tmp_path, ["owner", "river", "bob", "mallory"])
    closing.extend(people)
    owner, river, bob, mallory = people
    bob_key, river_key, mallory_key = (key_of(p, gid) for p in (bob, river, mallory))
    await owner.engine.remove(gid, "mallory", "left abusive messages")
    await wait_until(lambda: not session(bob, gid).roster.is_member(mallory_key))

    # Mallory, colluding with the relay: a fresh session, its share sealed to bob's current
    # prekey, and a message in it — injected into bob's stream in place of river's posts.
    me = session(mallory, gid)
    outbound = OutboundSession.create(
        me.identity, gid, 9, roster=receive_rules.head_of(session(bob, gid).roster)
    )
    prekey = PrekeyBundle.from_bytes(session(bob, gid).prekey_bundle())
    share = payloads.encode("share", blob=b64e(seal_share(me.identity, outbound, prekey)))
    sealed = seal(me.identity, prekey, share, context=DIRECT + b64d(gid))
    envelope = outbound.encrypt(
        me.identity, payloads.encode("msg", id="m1", text="from a removed key", nick="x", cw="")
    )
    hostile.tamper = Replace(
        bob_key,
        river_key,
        [forged_direct(mallory_key, bob_key, sealed), forged_message(mallory_key, envelope)],
    )
    await river.engine.send(gid, "filler one")
    await river.engine.send(gid, "filler two")
    await river.engine.send(gid, "river's real message")
    await bob.wait_for_texts(gid, ["river's real message"])
    await bob.wait_for(
        lambda e: isinstance(e, Notice) and "session key from someone not in the group" in e.text
    )
    assert "from a removed key" not in bob.texts(gid)

    # A muted member's message, which the relay should have refused but passes on anyway.
    await owner.engine.mute(gid, "river", 3600)
    await wait_until(lambda: session(bob, gid).roster.is_muted(river_key))
    muted = session(river, gid)
    sneaky = (await muted._ensure_outbound()).encrypt(
        muted.identity,
        payloads.encode("msg", id="m2", text="posted while muted", nick="river", cw=""),
        head=receive_rules.head_of(muted.roster),
    )
    owner_key = key_of(owner, gid)
    hostile.tamper = Replace(bob_key, owner_key, [forged_message(river_key, sneaky)])
    await owner.engine.send(gid, "owner filler")
    await owner.engine.send(gid, "owner's real message")
    await bob.wait_for_texts(gid, ["owner's real message"])
    await bob.wait_for(
        lambda e: isinstance(e, Notice) and "was not shown" in e.text and "muted" in e.text
    )
    assert "posted while muted" not in bob.texts(gid)
