"""Protocol v2 against a hostile relay: each attack of issue 14's table, rows 1-6, now fails.

Real clients (engines with their encrypted stores) talk to a real relay process through
`HostileRelay`, which forwards every request but rewrites what chosen members receive, and keeps
a copy of everything it delivered — what an operator who never deletes anything would hold.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time

import pytest
from tests.e2e.conftest import form_group
from tests.e2e.harness import Person, wait_until
from tests.e2e.hostile import HostileRelay, Replace, equivocation, forged_roster

from peertui.core import payloads, receive_rules
from peertui.core.crypto import (
    CryptoError,
    Decrypted,
    DecryptionFailed,
    Identity,
    InboundSessions,
    OutboundSession,
    PrekeyBundle,
    PrekeySecrets,
    RosterHead,
    check_share,
    envelope_id,
    open_sealed,
    seal,
    seal_share,
    sealed_prekey_id,
)
from peertui.core.crypto import prekeys as prekeys_module
from peertui.core.events import (
    JoinApproved,
    JoinRequested,
    MessageQueued,
    MessageRemoved,
    MessagesMissing,
    Notice,
    RosterWarning,
    Said,
)
from peertui.core.relay_client import RelayClient
from peertui.ui import received, wording
from peertui_wire.encoding import b64d, b64e
from peertui_wire.protocol import DIRECT_CONTEXT as DIRECT
from peertui_wire.roster import RosterState, event_hash, genesis, make_event


def told(event: Notice) -> str:
    """A notice as both front-ends word it."""
    return wording.told(event, "the group")


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
            sealed_by, inner = open_sealed(
                identity, prekeys, b64d(event["body"]["payload"]), context=DIRECT + b64d(gid)
            )
            body = json.loads(inner)
            if body.get("t") == "share":
                inbound.add_share(check_share(sealed_by, b64d(body["blob"]), gid))
                opened += 1
        except CryptoError:
            continue
    return opened


def assert_the_seed_alone_opens_nothing(thief: Identity, events: list[dict], gid: str) -> None:
    """Every direct delivery tried with the X25519 twin of the identity seed (v1's hole)."""
    sealed = [e for e in events if e["kind"] == "direct"]
    assert len(sealed) >= 2  # the owner's and river's shares did travel
    twin = PrekeySecrets.create(thief, gid)
    for event in sealed:
        blob = b64d(event["body"]["payload"])
        twin._secrets[0].prekey_id = sealed_prekey_id(blob)
        twin._secrets[0].secret = bytes(thief.signing_key.to_curve25519_private_key())
        with pytest.raises(DecryptionFailed):
            open_sealed(thief, twin, blob, context=DIRECT + b64d(gid))


async def test_row1_stolen_seed_reads_nothing_before_the_theft_nor_after_the_next_rotation(
    hostile, relay, tmp_path, closing, monkeypatch
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

    # A day passes (the one clock mocked: the prekeys' age). Bob's prekey has opened shares,
    # so before his next send it is replaced, and an hour later the one before it is deleted.
    first_prekey = victim.prekeys.current_id
    day_later = int(time.time() * 1000) + 25 * 60 * 60 * 1000
    monkeypatch.setattr(prekeys_module, "_now_ms", lambda: day_later)
    await bob.engine.send(gid, "bob, a day later")
    monkeypatch.setattr(prekeys_module, "_now_ms", lambda: day_later + 61 * 60 * 1000)
    await bob.engine.send(gid, "bob, an hour after that")
    assert victim.prekeys.current_id == first_prekey + 1
    with pytest.raises(DecryptionFailed, match="no longer held"):
        victim.prekeys.secret_for(first_prekey)

    # The theft: bob's 32-byte seed. The hostile relay kept a copy of every direct delivery
    # and envelope it ever gave bob.
    thief = Identity.from_seed(victim.identity.seed)
    kept = list(hostile.delivered[bob_key])
    # v1's hole: the seed's X25519 twin opened every share. v2 seals to prekeys instead.
    assert_the_seed_alone_opens_nothing(thief, kept, gid)

    # Worse: the thief copied bob's whole device state at the theft (prekeys, sessions).
    stolen_prekeys = PrekeySecrets.from_bytes(victim.prekeys.to_bytes())
    stolen_inbound = InboundSessions.from_bytes(victim.inbound.to_bytes())
    stolen_prekey_id = stolen_prekeys.current_id
    # Going back through the relay's copies: a fresh receiving state and every kept share.
    fresh = InboundSessions(gid)
    open_every_share(thief, stolen_prekeys, fresh, kept, gid)
    assert not set(texts_readable_with(fresh, kept)) & set(before)
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
    # The seed alone (a passive thief after the theft) still opens nothing, old or new.
    assert_the_seed_alone_opens_nothing(thief, kept, gid)
    fresh = InboundSessions(gid)
    open_every_share(thief, stolen_prekeys, stolen_inbound, kept, gid)
    open_every_share(thief, stolen_prekeys, fresh, kept, gid)
    read = texts_readable_with(stolen_inbound, kept) + texts_readable_with(fresh, kept)
    # Honest about the window: what river sent before the rotation, on the stolen session...
    assert "between the theft and the rotation" in read
    # ...but nothing sent before the theft (its keys were used and deleted) and nothing after.
    assert not set(read) & set(before + after)


async def test_row1_a_stolen_device_state_reads_nothing_after_the_weekly_prekey_rotation(
    hostile, tmp_path, closing, monkeypatch
):
    """Post-compromise security without any membership change: a week after the theft the
    victim's prekey rotates (§4), every sender notices the newer prekey and starts a new
    session sealed to it (§9.4), and the stolen copy opens nothing from then on."""
    gid, people = await form_group(hostile.url, tmp_path, ["owner", "river", "bob"])
    closing.extend(people)
    owner, river, bob = people
    await river.engine.send(gid, "before the theft")
    await bob.wait_for_texts(gid, ["before the theft"])
    victim = session(bob, gid)
    bob_key = victim.me
    thief = Identity.from_seed(victim.identity.seed)
    stolen_prekeys = PrekeySecrets.from_bytes(victim.prekeys.to_bytes())
    stolen_inbound = InboundSessions.from_bytes(victim.inbound.to_bytes())
    stolen_prekey_id = stolen_prekeys.current_id
    river_session = session(river, gid).outbound.session_id
    await river.engine.send(gid, "between the theft and the rotation")
    await bob.wait_for_texts(gid, ["between the theft and the rotation"])

    # Eight days pass (the one clock mocked: the prekeys' age).
    later = int(time.time() * 1000) + 8 * 24 * 60 * 60 * 1000
    monkeypatch.setattr(prekeys_module, "_now_ms", lambda: later)
    await bob.engine.send(gid, "bob, a week later")  # before each send: the prekey's age
    await river.wait_for_texts(gid, ["bob, a week later"])

    def knows_new_bob_prekey() -> bool:
        held = session(river, gid).state.get("prekeys", {}).get(b64e(bob_key))
        return bool(held) and PrekeyBundle.from_bytes(b64d(held)).prekey_id > stolen_prekey_id

    await wait_until(knows_new_bob_prekey, what="river to see bob's new prekey")
    await river.engine.send(gid, "after the rotation")
    await bob.wait_for_texts(gid, ["after the rotation"])
    assert session(river, gid).outbound.session_id != river_session  # river rotated

    kept = list(hostile.delivered[bob_key])
    open_every_share(thief, stolen_prekeys, stolen_inbound, kept, gid)
    read = texts_readable_with(stolen_inbound, kept)
    assert "between the theft and the rotation" in read  # the window, stated in THREAT_MODEL
    assert "after the rotation" not in read
    assert "before the theft" not in read


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
    await bob.wait_for_texts(gid, ["river's real message"], timeout=45)
    await bob.wait_for(
        lambda e: isinstance(e, Notice) and e.said is Said.FOREIGN_SHARE_IGNORED,
        timeout=45,  # event-driven; generous because the machine may be shared
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
    await bob.wait_for_texts(gid, ["owner's real message"], timeout=45)
    await bob.wait_for(
        lambda e: isinstance(e, Notice) and "was not shown" in told(e) and "muted" in told(e),
        timeout=45,
    )
    assert "posted while muted" not in bob.texts(gid)


async def test_row2_a_members_message_in_a_read_only_group_is_refused_on_receipt(
    hostile, tmp_path, closing
):
    """Read-only is enforced by every receiver, not only by the relay (docs/PROTOCOL.md §9.1)."""
    gid, people = await form_group(hostile.url, tmp_path, ["owner", "river", "bob"])
    closing.extend(people)
    owner, river, bob = people
    bob_key, owner_key, river_key = (key_of(p, gid) for p in (bob, owner, river))
    await owner.engine.set_readonly(gid, True)
    await wait_until(lambda: session(bob, gid).roster.readonly)
    member = session(river, gid)
    sneaky = (await member._ensure_outbound()).encrypt(
        member.identity,
        payloads.encode("msg", id="m3", text="posted in a read-only group", nick="river", cw=""),
        head=receive_rules.head_of(member.roster),
    )
    hostile.tamper = Replace(bob_key, owner_key, [forged_message(river_key, sneaky)])
    await owner.engine.send(gid, "owner filler")
    await owner.engine.send(gid, "the owner's announcement")
    await bob.wait_for_texts(gid, ["the owner's announcement"], timeout=45)
    await bob.wait_for(
        lambda e: isinstance(e, Notice) and "was not shown" in told(e) and "read-only" in told(e),
        timeout=45,
    )
    assert "posted in a read-only group" not in bob.texts(gid)


def hide_from(reader: bytes, kinds: tuple[str, ...]):
    """Tamper and roster view that hide roster events of these kinds (and all after) from one
    member: the relay pretends the roster stopped before them."""

    hidden_from: list[int] = []

    def tamper(who: bytes, event: dict) -> list[dict]:
        if who == reader and event["kind"] == "roster":
            roster_event = event["body"]["event"]
            if roster_event["kind"] in kinds or (
                hidden_from and roster_event["index"] >= hidden_from[0]
            ):
                hidden_from[:] = hidden_from or [roster_event["index"]]
                return []
        return [event]

    def view(who: bytes, events: list[dict]) -> list[dict]:
        if who != reader or not hidden_from:
            return events
        return events[: hidden_from[0]]

    return tamper, view


async def test_row3_a_hidden_ban_does_not_let_the_banned_member_read_later_messages(
    hostile, relay, tmp_path, closing
):
    gid, people = await form_group(hostile.url, tmp_path, ["owner", "alice", "bob", "mallory"])
    closing.extend(people)
    owner, alice, bob, mallory = people
    bob_key, mallory_key = key_of(bob, gid), key_of(mallory, gid)
    await bob.engine.send(gid, "bob before the ban")
    await mallory.wait_for_texts(gid, ["bob before the ban"])
    hostile.tamper, hostile.roster_view = hide_from(bob_key, ("ban",))
    await owner.engine.ban(gid, "mallory", "threats")
    await wait_until(lambda: not session(alice, gid).roster.is_member(mallory_key))
    assert session(bob, gid).roster.is_member(mallory_key)  # the relay hid it from bob

    # Alice's message carries the roster head she applied; bob cannot get that roster.
    await alice.engine.send(gid, "alice after the ban")
    await bob.wait_for_texts(gid, ["alice after the ban"])
    await bob.wait_for(lambda e: isinstance(e, RosterWarning) and e.kind == "withheld")
    # So bob's client holds his message back instead of sending it on his old session.
    await bob.engine.send(gid, "bob after the ban")
    await bob.wait_for(lambda e: isinstance(e, MessageQueued))

    # The relay stops hiding; the next message brings bob's roster up to date and his
    # message goes out on a new session shared only with who remains.
    hostile.tamper = hostile.roster_view = None
    await alice.engine.send(gid, "alice again")
    await wait_until(lambda: not session(bob, gid).roster.is_member(mallory_key))
    await alice.wait_for_texts(gid, ["bob after the ban"])

    # Mallory's real stored state against everything the relay stored after the ban.
    stolen = InboundSessions.from_bytes(b64d(mallory.engine.store.get(f"inbound:{gid}")))
    async with RelayClient(relay.url, session(owner, gid).identity.signing_key) as reader:
        events, _gap = await reader.log(gid, 0, limit=500)
    raw = [{"kind": e.kind, "body": e.body} for e in events]
    # She still holds bob's pre-ban session: had bob sent on it, she would have read it.
    assert any(sender == bob_key for sender, _session_id in stolen._sessions)
    read = texts_readable_with(stolen, raw)
    assert not {"alice after the ban", "bob after the ban", "alice again"} & set(read)
    assert "bob after the ban" not in mallory.texts(gid)


def test_receivers_refuse_a_session_older_than_a_removal_after_the_grace():
    """Members who applied a removal stop accepting pre-removal sessions 120 s after it."""
    owner = Identity.generate()
    member, removed = Identity.generate(), Identity.generate()
    state = RosterState.from_genesis(genesis(owner.signing_key, ts=1_000))
    events = [genesis(owner.signing_key, ts=1_000)]
    for kind, target in (("admit", member), ("admit", removed), ("remove", removed)):
        event = make_event(owner.signing_key, state, kind, target=target.public_key, ts=50_000)
        if kind == "admit":
            event = make_event(
                owner.signing_key, state, kind, target=target.public_key, role="member", ts=50_000
            )
        state.apply(event)
        events.append(event)
    old_session = RosterHead(2, b64d(event_hash(events[2])))
    new_session = receive_rules.head_of(state)

    def decrypted(session_head: RosterHead, sent_ms: int) -> Decrypted:
        return Decrypted(
            member.public_key, b"s" * 16, 0, 0, b"{}", sent_ms, 0, new_session, session_head, b""
        )

    assert receive_rules.refusal(state, events, decrypted(old_session, 50_000 + 120_000)) is None
    stale = receive_rules.refusal(state, events, decrypted(old_session, 50_000 + 120_001))
    assert stale is receive_rules.NotShown.KEYS_BEFORE_REMOVAL
    assert "before a removal" in received.not_shown(stale)
    assert receive_rules.refusal(state, events, decrypted(new_session, 10**12)) is None


async def test_row4_a_forked_roster_event_raises_a_warning(hostile, tmp_path, closing):
    gid, people = await form_group(hostile.url, tmp_path, ["owner", "river", "bob"])
    closing.extend(people)
    owner, river, bob = people
    await owner.engine.set_slowmode(gid, 5)
    await wait_until(lambda: session(bob, gid).roster.slowmode_seconds == 5)
    me = session(owner, gid)
    other = equivocation(me.identity.signing_key, me.state["roster"], gid)
    forged = forged_roster(me.me, other)
    hostile.tamper = Replace(key_of(bob, gid), key_of(river, gid), [forged])
    await river.engine.send(gid, "carrier")
    warning = await bob.wait_for(lambda e: isinstance(e, RosterWarning) and e.kind == "fork")
    assert f"entry {other['index']}" in received.roster_warning(warning)
    assert session(bob, gid).roster.slowmode_seconds == 5  # the applied branch is kept


async def test_row4_members_shown_different_rosters_detect_the_split(hostile, tmp_path, closing):
    gid, people = await form_group(hostile.url, tmp_path, ["owner", "river", "bob"])
    closing.extend(people)
    owner, river, bob = people
    bob_key = key_of(bob, gid)
    pending: list[dict] = []

    def show_bob_the_other_branch(reader: bytes, event: dict) -> list[dict]:
        if (
            reader == bob_key
            and event["kind"] == "roster"
            and pending
            and event["body"]["event"]["index"] == pending[0]["index"]
        ):
            return [{**event, "body": {"event": pending[0]}}]
        return [event]

    def roster_for_bob(reader: bytes, events: list[dict]) -> list[dict]:
        if reader == bob_key and pending and len(events) > pending[0]["index"]:
            events = list(events)
            events[pending[0]["index"]] = pending[0]
        return events

    # The other branch is signed before the real event is published, then shown to bob only.
    events = session(owner, gid).state["roster"]
    state = RosterState.replay(events, gid)
    pending.append(make_event(session(owner, gid).identity.signing_key, state, "slowmode", value=9))
    hostile.tamper, hostile.roster_view = show_bob_the_other_branch, roster_for_bob
    await owner.engine.set_slowmode(gid, 5)
    await wait_until(lambda: session(bob, gid).roster.slowmode_seconds == 9)
    assert session(river, gid).roster.slowmode_seconds == 5
    await owner.engine.send(gid, "hello, everyone")
    await bob.wait_for_texts(gid, ["hello, everyone"])
    warning = await bob.wait_for(lambda e: isinstance(e, RosterWarning) and e.kind == "split")
    assert "different versions" in received.roster_warning(warning)


async def test_row5_a_delete_removes_the_right_message_when_the_relay_swaps_numbers(
    hostile, relay, tmp_path, closing
):
    gid, people = await form_group(hostile.url, tmp_path, ["owner", "mallory", "river", "bob"])
    closing.extend(people)
    owner, mallory, river, bob = people
    bob_key, mallory_key, river_key = (key_of(p, gid) for p in (bob, mallory, river))
    held: list[dict] = []

    def swap_for_bob(reader: bytes, event: dict) -> list[dict]:
        """Bob gets mallory's and river's next messages under each other's numbers (holding
        whatever comes between, so his numbers still only go up)."""
        if reader != bob_key:
            return [event]
        sender = b64d(event["sender"]) if event["kind"] == "message" else b""
        if not held and sender == mallory_key:
            held.append(event)
            return []
        if held and sender == river_key:
            abusive, between = held[0], held[1:]
            held.clear()
            return [{**event, "seq": abusive["seq"]}, *between, {**abusive, "seq": event["seq"]}]
        if held:
            held.append(event)
            return []
        return [event]

    hostile.tamper = swap_for_bob
    await mallory.engine.send(gid, "an abusive message")
    await river.engine.send(gid, "a harmless message")
    await bob.wait_for_texts(gid, ["an abusive message", "a harmless message"])
    bob_store = bob.engine.store
    abusive = next(m for m in bob_store.latest(gid, 10) if m.text == "an abusive message")
    harmless = next(m for m in bob_store.latest(gid, 10) if m.text == "a harmless message")
    assert abusive.seq > harmless.seq  # bob's numbers are swapped

    await owner.wait_for_texts(gid, ["an abusive message"])
    target = next(m for m in owner.engine.store.latest(gid, 10) if m.text == "an abusive message")
    await owner.engine.delete_message(gid, target.msg_id, "abusive")
    removed = await bob.wait_for(lambda e: isinstance(e, MessageRemoved))
    assert removed.msg_id == abusive.msg_id
    assert bob_store.get_message(gid, harmless.msg_id).removed_reason is None
    # The relay deleted the abusive envelope too, found by its hash, not by a number.
    async with RelayClient(relay.url, session(owner, gid).identity.signing_key) as reader:
        events, _gap = await reader.log(gid, 0, limit=500)
    stored = {b64e(envelope_id(b64d(e.body["envelope"]))) for e in events if e.kind == "message"}
    assert target.extra["env"] not in stored
    assert harmless.extra["env"] in stored


async def test_row6_a_dropped_message_is_announced_and_reordered_ones_are_shown_in_order(
    hostile, tmp_path, closing
):
    gid, people = await form_group(hostile.url, tmp_path, ["owner", "river", "bob"])
    closing.extend(people)
    owner, river, bob = people
    bob_key, river_key = key_of(bob, gid), key_of(river, gid)
    seen: list[int] = []
    held: list[dict] = []

    def drop_then_swap(reader: bytes, event: dict) -> list[dict]:
        if reader != bob_key:
            return [event]
        from_river = event["kind"] == "message" and b64d(event["sender"]) == river_key
        if from_river:
            seen.append(event["seq"])
        if from_river and len(seen) == 2:
            return []  # the second message never reaches bob
        if from_river and len(seen) == 5:  # the fifth goes out under the fourth's number
            fourth, between = held[0], held[1:]
            held.clear()
            return [{**event, "seq": fourth["seq"]}, *between, {**fourth, "seq": event["seq"]}]
        if (from_river and len(seen) == 4) or held:
            held.append(event)
            return []
        return [event]

    hostile.tamper = drop_then_swap
    texts = ["one", "two (dropped)", "three", "four", "five"]
    for text in texts:
        await river.engine.send(gid, text)
    await bob.wait_for_texts(gid, ["one", "three", "four", "five"])
    missing = next(e for e in bob.events if isinstance(e, MessagesMissing))
    assert (missing.sender_nick, missing.count) == ("river", 1)
    assert received.messages_missing(missing).startswith("1 message from river is missing")
    assert "two (dropped)" not in bob.texts(gid)
    # Bob received "five" before "four", but shows them in the order river wrote them.
    shown = [m.text for m in sorted(bob.engine.store.latest(gid, 20), key=lambda m: m.ts)]
    assert shown[-3:] == ["three", "four", "five"]


async def test_row1_a_thief_who_publishes_a_prekey_with_the_stolen_seed_is_noticed(
    hostile, relay, tmp_path, closing
):
    """The limit of a stolen seed: it signs, so a thief can publish a prekey in bob's name and
    receive the next shares. Bob's client sees a key it never made and says so."""
    gid, people = await form_group(hostile.url, tmp_path, ["owner", "bob"])
    closing.extend(people)
    owner, bob = people
    victim = session(bob, gid)
    thief = Identity.from_seed(victim.identity.seed)
    thief_prekeys = PrekeySecrets.create(thief, gid)
    for _ in range(victim.prekeys.current_id + 3):
        thief_prekeys.rotate()
    async with RelayClient(relay.url, thief.signing_key) as as_bob:
        await as_bob.put_prekey(gid, thief_prekeys.bundle(thief).to_bytes())
    warning = await bob.wait_for(lambda e: isinstance(e, RosterWarning) and e.kind == "key")
    worded = received.roster_warning(warning)
    assert "may have been copied" in worded and "join again" in worded


async def test_a_share_sealed_to_a_deleted_prekey_is_asked_for_again(hostile, tmp_path, closing):
    """Forward secrecy's cost: a share sealed to a prekey bob has deleted cannot be opened by
    anyone, bob included. Bob asks again; river seals to bob's newest prekey; what was sent on
    the lost share is announced as missing, what follows is read."""
    gid, people = await form_group(hostile.url, tmp_path, ["owner", "river", "bob"])
    closing.extend(people)
    owner, river, bob = people
    bob_key, river_key = key_of(bob, gid), key_of(river, gid)

    def keep_rivers_copy_of_bobs_prekey_old(reader: bytes, event: dict) -> list[dict]:
        if reader == river_key and event["kind"] == "prekey" and b64d(event["sender"]) == bob_key:
            return []
        return [event]

    await river.engine.send(gid, "hello bob")
    await bob.wait_for_texts(gid, ["hello bob"])
    hostile.tamper = keep_rivers_copy_of_bobs_prekey_old
    old_id = session(bob, gid).prekeys.current_id
    assert (await session(river, gid)._prekey_of(bob_key)).prekey_id == old_id
    for _ in range(2):  # two rotations: the secret river's copy points at is deleted
        await session(bob, gid)._rotate_prekey()
    session(river, gid)._rotate()  # river's next message starts a session shared with bob
    await river.engine.send(gid, "sent on a share bob cannot open")

    def river_knows_bobs_newest() -> bool:
        held = session(river, gid).state.get("prekeys", {}).get(b64e(bob_key))
        return bool(held) and PrekeyBundle.from_bytes(b64d(held)).prekey_id == old_id + 2

    await wait_until(river_knows_bobs_newest, what="bob's request for a new share")
    await river.engine.send(gid, "sent after the new share")
    await bob.wait_for_texts(gid, ["sent after the new share"])
    assert "sent on a share bob cannot open" not in bob.texts(gid)
    missing = next(e for e in bob.events if isinstance(e, MessagesMissing))
    assert (missing.sender_nick, missing.count) == ("river", 1)


async def test_row10_welcomes_through_a_real_relay_do_not_grow_with_the_member_count(
    hostile, tmp_path, closing
):
    """What the relay sees of each welcome: the same size for the 1st and the 5th joiner."""
    nicks = ["owner", "ann", "ben", "cat", "dan", "eve"]
    gid, people = await form_group(hostile.url, tmp_path, nicks)
    closing.extend(people)
    welcome_sizes = []
    for person in people[1:]:
        to_joiner = hostile.delivered[key_of(person, gid)]
        sizes = [len(b64d(e["body"]["payload"])) for e in to_joiner if e["kind"] == "direct"]
        welcome_sizes.append(max(sizes))  # shares are a few hundred bytes; a welcome is 4 KiB+
    assert min(welcome_sizes) > 4096
    assert len(set(welcome_sizes)) == 1, welcome_sizes


async def test_a_copied_home_posting_elsewhere_is_noticed_by_the_member(hostile, tmp_path, closing):
    """A stolen device state: bob's whole home copied to another machine, which goes on
    posting as bob (same key, same sending session). The others accept those posts as bob's,
    as they must; bob's own client sees a post signed with its key that it never made, instead
    of skipping it as its own, and says so. Bob's own posts, before and after, raise nothing."""
    gid, people = await form_group(hostile.url, tmp_path, ["owner", "bob"])
    closing.extend(people)
    owner, bob = people
    await bob.engine.send(gid, "bob before the copy")
    await wait_until(lambda: "bob before the copy" in owner.texts(gid), what="bob's first post")
    await bob.engine.close()
    shutil.copytree(bob.home, tmp_path / "thief")
    await bob.reopen()
    thief = await Person.open(tmp_path / "thief")
    closing.append(thief)
    await bob.engine.send(gid, "bob after the copy")
    await wait_until(lambda: "bob after the copy" in owner.texts(gid), what="bob's own post")
    assert not [e for e in bob.events if isinstance(e, RosterWarning) and e.kind == "copied"]

    # The copy is one post behind: it reuses the index bob's second post took, which the
    # owner refuses as a replay; the relay stored it all the same.
    await thief.engine.send(gid, "the thief, as bob")
    await wait_until(
        lambda: "the thief, as bob" in thief.texts(gid), what="the relay to store the post"
    )
    warning = await bob.wait_for(lambda e: isinstance(e, RosterWarning) and e.kind == "copied")
    worded = received.roster_warning(warning)
    assert "another device" in worded and "join again" in worded
