"""Join requests against a real relay: one size, readable by moderators only, deleted when decided
or when their invite expires.

The attacker here holds what the old protocol needed: the invite token (any invitee has it)
and a copy of the relay's store.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from nacl.signing import SigningKey
from tests.e2e.conftest import form_group
from tests.e2e.harness import Person, wait_until

from peertui.core import joinbox, payloads
from peertui.core.crypto import Invite
from peertui.core.events import ErrorOccurred, JoinApproved, JoinDenied, JoinRequested, Said
from peertui.core.relay_client import RelayClient
from peertui_wire.encoding import b64d, b64e
from peertui_wire.protocol import JOIN_BLOB_BYTES

INTRO = "recovering from an eating disorder"


def relay_rows(data_dir: Path, sql: str) -> list[tuple]:
    """Read a copy of the relay's store, as someone who took it would."""
    copy = data_dir.parent / "stolen.sqlite3"
    shutil.copyfile(data_dir / "relay.sqlite3", copy)
    wal = data_dir / "relay.sqlite3-wal"
    if wal.exists():
        shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
    db = sqlite3.connect(copy)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()
        for leftover in copy.parent.glob("stolen.sqlite3*"):
            leftover.unlink()


def stored_requests(data_dir: Path) -> list[tuple[str, str]]:
    return relay_rows(data_dir, "SELECT status, sealed FROM join_requests")


def stored_request_events(data_dir: Path) -> int:
    return relay_rows(data_dir, "SELECT COUNT(*) FROM events WHERE kind='join_request'")[0][0]


async def test_token_and_relay_store_together_open_no_request(relay, tmp_path, closing):
    host = await Person.open(tmp_path / "host")
    closing.append(host)
    gid = (await host.engine.host_group("Circle", relay.url, nick="host")).group_id
    token = await host.engine.create_invite(gid, uses=3)
    joiner = await Person.open(tmp_path / "joiner")
    closing.append(joiner)
    await joiner.engine.join(token, "quietfalcon", pronouns="they/them", intro=INTRO)
    seen = await host.wait_for(lambda e: isinstance(e, JoinRequested))
    assert (seen.request.nick, seen.request.intro) == ("quietfalcon", INTRO)

    [(status, sealed_b64)] = stored_requests(relay.data_dir)
    assert status == "pending"
    everything = b"".join(f.read_bytes() for f in relay.data_dir.iterdir() if f.is_file())
    assert b"quietfalcon" not in everything and INTRO.encode() not in everything
    # Every 32-byte value the token carries, and the secret's halves as v1 derived them, fail.
    sealed = b64d(sealed_b64)
    invite = Invite.parse(token)
    candidates = [invite.secret, invite.join_key, invite.owner_key]
    assert all(joinbox.open_request(c, gid, sealed) is None for c in candidates)
    # The moderator's held key opens it: the request was really sealed, not garbled.
    [keys] = host.engine._active(gid).live_invite_keys()
    assert joinbox.open_request(b64d(keys.join_secret), gid, sealed) is not None


async def test_every_request_has_the_same_size(relay, tmp_path, closing):
    host = await Person.open(tmp_path / "host")
    closing.append(host)
    gid = (await host.engine.host_group("Circle", relay.url, nick="host")).group_id
    token = await host.engine.create_invite(gid, uses=3)
    shortest = ("a", "", "")
    longest = ("b" * 40, "🌙" * 40, "🌊" * 200)  # emoji are 12 bytes each once JSON-escaped
    for index, (nick, pronouns, intro) in enumerate((shortest, longest)):
        person = await Person.open(tmp_path / f"joiner{index}")
        closing.append(person)
        await person.engine.join(token, nick, pronouns=pronouns, intro=intro)
    await wait_until(lambda: len(host.engine.pending_requests(gid)) == 2, what="both requests")
    sizes = {len(sealed) for _status, sealed in stored_requests(relay.data_dir)}
    assert len(sizes) == 1
    assert [r.intro for r in host.engine.pending_requests(gid) if r.nick.startswith("b")] == [
        "🌊" * 200
    ]
    assert {len(b64d(s)) for _st, s in stored_requests(relay.data_dir)} == {JOIN_BLOB_BYTES}


async def test_decided_requests_are_deleted_and_the_reason_reaches_only_the_joiner(
    relay, tmp_path, closing
):
    host = await Person.open(tmp_path / "host")
    closing.append(host)
    gid = (await host.engine.host_group("Circle", relay.url, nick="host")).group_id
    token = await host.engine.create_invite(gid, uses=3)
    admitted = await Person.open(tmp_path / "linden")
    declined = await Person.open(tmp_path / "rowan")
    closing.extend([admitted, declined])
    await admitted.engine.join(token, "linden", intro=INTRO)
    await declined.engine.join(token, "rowan", intro="second intro")
    await wait_until(lambda: len(host.engine.pending_requests(gid)) == 2, what="both requests")
    assert stored_request_events(relay.data_dir) == 2

    await host.engine.approve(gid, "linden")
    await admitted.wait_for(lambda e: isinstance(e, JoinApproved))
    await host.engine.deny(gid, "rowan", reason="the group is full this month")
    denied = await declined.wait_for(lambda e: isinstance(e, JoinDenied))
    assert denied.reason == "the group is full this month"

    # Nothing of either request is left: the admitted one entirely, the declined one but for
    # the note the joiner needed (its key and the reason sealed to it).
    rows = stored_requests(relay.data_dir)
    assert rows == [("denied", "")]
    assert stored_request_events(relay.data_dir) == 0
    [(sealed_reason,)] = relay_rows(relay.data_dir, "SELECT sealed_reason FROM join_requests")
    reason_blob = b64d(sealed_reason)
    assert len(reason_blob) == JOIN_BLOB_BYTES
    invite = Invite.parse(token)
    [keys] = host.engine._active(gid).live_invite_keys()
    holders = [invite.secret, invite.join_key, b64d(keys.join_secret)]
    assert all(joinbox.open_reply(c, gid, reason_blob) is None for c in holders)


async def test_a_request_goes_when_its_invite_expires(relay_factory, tmp_path, closing):
    relay = relay_factory("--purge-interval-seconds", "0.3")
    host = await Person.open(tmp_path / "host")
    closing.append(host)
    gid = (await host.engine.host_group("Circle", relay.url, nick="host")).group_id
    token = await host.engine.create_invite(gid, uses=2, expires_in_s=8)
    joiner = await Person.open(tmp_path / "joiner")
    closing.append(joiner)
    await joiner.engine.join(token, "quietfalcon", intro=INTRO)
    await host.wait_for(lambda e: isinstance(e, JoinRequested))

    expired = await joiner.wait_for(lambda e: isinstance(e, JoinDenied), timeout=30)
    assert "invite expired" in expired.reason
    await wait_until(lambda: stored_requests(relay.data_dir) == [], what="the purge")
    assert stored_request_events(relay.data_dir) == 0
    assert relay_rows(relay.data_dir, "SELECT COUNT(*) FROM invites") == [(0,)]
    # The moderator forgets the invite's keys too, so a later theft of its device opens nothing.
    assert host.engine._active(gid).live_invite_keys() == []
    assert host.engine._active(gid).state["invite_keys"] == []


async def test_a_new_moderator_reads_requests_a_plain_member_cannot(relay, tmp_path, closing):
    gid, (host, mod, member) = await form_group(relay.url, tmp_path, ["host", "alder", "birch"])
    closing.extend([host, mod, member])
    token = await host.engine.create_invite(gid, uses=1)
    await host.engine.promote(gid, "alder")
    secret = b64e(Invite.parse(token).secret)
    await wait_until(
        lambda: secret in [k.secret for k in mod.engine._active(gid).live_invite_keys()],
        what="the new moderator to hold the invite's keys",
    )
    joiner = await Person.open(tmp_path / "joiner")
    closing.append(joiner)
    await joiner.engine.join(token, "quietfalcon", intro=INTRO)
    seen = await mod.wait_for(lambda e: isinstance(e, JoinRequested))
    assert seen.request.intro == INTRO
    assert member.engine._active(gid).live_invite_keys() == []
    assert not any(isinstance(e, JoinRequested) for e in member.events)


async def test_forged_requests_from_a_token_holder_are_ignored_in_words(relay, tmp_path, closing):
    """Anyone with the token can seal to the join key; a request naming another key than the
    one that posted it, or with a damaged reply key, is refused by the moderator's client."""
    host = await Person.open(tmp_path / "host")
    closing.append(host)
    gid = (await host.engine.host_group("Circle", relay.url, nick="host")).group_id
    invite = Invite.parse(await host.engine.create_invite(gid, uses=3))

    async def post(poster: SigningKey, named: SigningKey, reply: str) -> None:
        payload = payloads.encode(
            "join",
            key=b64e(bytes(named.verify_key)),
            reply=reply,
            nick="mallory",
            pronouns="",
            intro="",
        )
        async with RelayClient(relay.url, poster) as client:
            sealed = joinbox.seal_request(invite.join_key, gid, payload)
            await client.request_join(gid, invite.secret, sealed)

    poster, victim = SigningKey.generate(), SigningKey.generate()
    await post(poster, victim, b64e(b"r" * 32))
    await host.wait_for(lambda e: isinstance(e, ErrorOccurred) and e.said is Said.JOIN_KEY_ALTERED)
    other = SigningKey.generate()
    await post(other, other, "not a key")
    await host.wait_for(
        lambda e: isinstance(e, ErrorOccurred) and e.said is Said.JOIN_REPLY_DAMAGED
    )
    assert host.engine.pending_requests(gid) == []
