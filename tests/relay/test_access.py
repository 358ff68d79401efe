"""Who may read and post: every refusal is checked against the real relay process."""

from __future__ import annotations

import asyncio
import os
import time

import httpx
import pytest
from nacl.signing import SigningKey

from peertui.core.crypto import envelope_id
from peertui.core.relay_client import RateLimited, RelayBusy, RelayClient, RelayRefused
from peertui_wire.auth import origin_of, sign_request
from peertui_wire.encoding import b64e
from peertui_wire.ids import invite_secret_hash

from .groupkit import GroupKit, collect

pytestmark = pytest.mark.timeout(60)


async def refused(coro) -> RelayRefused:
    with pytest.raises(RelayRefused) as info:
        await coro
    return info.value


async def test_non_member_can_neither_read_nor_post(relay):
    kit = await GroupKit.create(relay.url)
    async with RelayClient(relay.url, SigningKey.generate()) as stranger:
        for attempt in (
            stranger.post_message(kit.group_id, b"x"),
            stranger.log(kit.group_id, 0),
            stranger.get_roster(kit.group_id),
            collect(stranger, kit.group_id, 0, 1),
        ):
            error = await refused(attempt)
            assert (error.status, error.code) == (403, "not_member")
            assert "not a member" in str(error)
        assert (await stranger.membership(kit.group_id))["status"] == "unknown"
    await kit.close()


@pytest.mark.parametrize("kind", ["remove", "ban"])
async def test_removed_or_banned_key_is_refused_and_its_stream_closed(relay, kind):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    received = []

    async def read_until_closed():
        async for item in member.client.stream(kit.group_id, 0):
            received.append(item)

    reader = asyncio.create_task(read_until_closed())
    await asyncio.sleep(0.3)
    await kit.roster(None, kind, target=member.public)
    await asyncio.wait_for(reader, 5)  # the relay ended the stream by itself
    assert received[-1].kind == "roster" and received[-1].body["event"]["kind"] == kind
    error = await refused(member.client.post_message(kit.group_id, b"x"))
    assert (error.status, error.code) == (403, "banned" if kind == "ban" else "not_member")
    error = await refused(collect(member.client, kit.group_id, 0, 1))
    assert error.status == 403
    expected = "banned" if kind == "ban" else "removed"
    assert (await member.client.membership(kit.group_id))["status"] == expected
    await kit.close()


async def test_muted_key_is_refused_until_the_mute_ends(relay):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    until = int(time.time() * 1000) + 1500
    await kit.roster(None, "mute", target=member.public, until=until)
    error = await refused(member.client.post_message(kit.group_id, b"x"))
    assert (error.status, error.code) == (403, "muted")
    assert str(error).startswith("You were muted by the moderators until ")
    await asyncio.sleep(max(0.0, until / 1000 - time.time()) + 0.2)
    assert await member.client.post_message(kit.group_id, b"x") > 0
    await kit.close()


async def test_admit_signed_by_a_plain_member_is_refused(relay):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    error = await refused(
        kit.roster(member, "admit", target=bytes(SigningKey.generate().verify_key))
    )
    assert (error.status, error.code) == (403, "not_moderator")
    await kit.close()


async def test_moderator_admit_is_accepted(relay):
    kit = await GroupKit.create(relay.url)
    moderator = await kit.add_member(role="moderator")
    newcomer = SigningKey.generate()
    async with RelayClient(relay.url, newcomer) as client:
        await client.request_join(kit.group_id, await kit.invite(), kit.sealed(b"x"))
        assert len(await moderator.client.join_requests(kit.group_id)) == 1
        await kit.roster(moderator, "admit", target=bytes(newcomer.verify_key))
        assert (await client.membership(kit.group_id))["status"] == "member"
    await kit.close()


async def test_one_member_cannot_read_another_members_direct_deliveries(relay):
    kit = await GroupKit.create(relay.url)
    alice, bob, eve = await kit.add_member(), await kit.add_member(), await kit.add_member()
    await alice.client.send_direct(kit.group_id, bob.public, b"private")
    await alice.client.post_message(kit.group_id, b"public")
    eve_events = await collect(eve.client, kit.group_id, 0, 5)  # 4 roster + 1 message
    assert [e.kind for e in eve_events] == ["roster"] * 4 + ["message"]
    bob_log, _ = await bob.client.log(kit.group_id, 0)
    assert sum(e.kind == "direct" for e in bob_log) == 1
    await kit.close()


async def test_plain_member_cannot_see_join_requests(relay):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    error = await refused(member.client.join_requests(kit.group_id))
    assert (error.status, error.code) == (403, "not_moderator")
    log, _ = await member.client.log(kit.group_id, 0)
    assert all(e.kind != "join_request" for e in log)
    await kit.close()


async def test_join_without_valid_invite_is_refused(relay):
    kit = await GroupKit.create(relay.url)
    async with RelayClient(relay.url, SigningKey.generate()) as joiner:
        error = await refused(joiner.request_join(kit.group_id, b"\x01" * 32, kit.sealed(b"x")))
        assert (error.status, error.code) == (403, "invite_refused")
        secret = await kit.invite()
        await kit.owner.client.revoke_invite(kit.group_id, invite_secret_hash(secret))
        error = await refused(joiner.request_join(kit.group_id, secret, kit.sealed(b"x")))
        assert error.code == "invite_refused"
        assert "ask the host for a new one" in str(error)
    await kit.close()


async def test_used_up_or_expired_invite_is_refused(relay):
    kit = await GroupKit.create(relay.url)
    once = await kit.invite(uses=1)
    brief = await kit.invite(expires_in_ms=300)
    async with (
        RelayClient(relay.url, SigningKey.generate()) as first,
        RelayClient(relay.url, SigningKey.generate()) as second,
    ):
        await first.request_join(kit.group_id, once, kit.sealed(b"x"))
        error = await refused(second.request_join(kit.group_id, once, kit.sealed(b"x")))
        assert "used up" in str(error)
        await asyncio.sleep(0.5)
        error = await refused(second.request_join(kit.group_id, brief, kit.sealed(b"x")))
        assert "expired" in str(error)
    await kit.close()


async def test_slow_mode_refuses_with_429_and_a_clear_message(relay):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    await kit.roster(None, "slowmode", value=30)
    await member.client.post_message(kit.group_id, b"first")
    with pytest.raises(RateLimited) as limited:
        await member.client.post_message(kit.group_id, b"second")
    assert (limited.value.status, limited.value.code) == (429, "slow_mode")
    assert 25 <= limited.value.retry_after <= 30
    assert str(limited.value).startswith("Slow mode is on: you can post again in")
    await kit.owner.client.post_message(kit.group_id, b"moderators are exempt")
    await kit.owner.client.post_message(kit.group_id, b"twice")
    await kit.close()


async def test_read_only_group_refuses_members_but_not_moderators(relay):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    await kit.roster(None, "readonly", value=1)
    error = await refused(member.client.post_message(kit.group_id, b"x"))
    assert (error.status, error.code) == (403, "read_only")
    assert await kit.owner.client.post_message(kit.group_id, b"announcement") > 0
    await kit.close()


async def test_deleted_message_is_no_longer_served(relay):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    doomed = await member.client.post_message(kit.group_id, b"doomed")
    kept = await member.client.post_message(kit.group_id, b"kept")
    # v2: the delete names the message by its envelope id, never by the relay's number.
    await kit.roster(None, "delete", value=b64e(envelope_id(b"doomed")))
    log, _ = await member.client.log(kit.group_id, 0)
    messages = [e.seq for e in log if e.kind == "message"]
    assert messages == [kept]
    streamed = await collect(member.client, kit.group_id, doomed - 1, 2)
    assert [e.seq for e in streamed][0] == kept
    await kit.close()


async def test_unsigned_and_replayed_requests_are_refused(relay):
    kit = await GroupKit.create(relay.url)
    path = f"/v1/groups/{kit.group_id}/log?since=0"
    unsigned = httpx.get(relay.url + path)
    assert unsigned.status_code == 401
    assert unsigned.json()["error"]["code"] == "unauthenticated"
    headers = sign_request(kit.owner.key, "GET", path, b"", origin=origin_of(relay.url))
    assert httpx.get(relay.url + path, headers=headers).status_code == 200
    replay = httpx.get(relay.url + path, headers=headers)
    assert (replay.status_code, replay.json()["error"]["code"]) == (401, "replayed_request")
    await kit.close()


async def test_group_storage_quota_is_507_and_nothing_partial_is_stored(relay_factory):
    relay = relay_factory("--group-quota-mib", "1", "--rate-burst", "1000")
    kit = await GroupKit.create(relay.url)
    envelope = os.urandom(48 * 1024)
    accepted = []
    with pytest.raises(RelayBusy) as full:  # a 5xx: the client keeps the message and retries
        for _ in range(40):  # 40 x 64 KiB of base64 is well over 1 MiB
            accepted.append(await kit.owner.client.post_message(kit.group_id, envelope))
    assert (full.value.status, full.value.code) == (507, "quota_exceeded")
    assert 10 <= len(accepted) < 40
    log, _ = await kit.owner.client.log(kit.group_id, 0)
    assert [e.seq for e in log if e.kind == "message"] == accepted
    await kit.close()
