"""The whole happy path against a real relay process: register, invite, join, admit, talk."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from nacl.signing import SigningKey

from peertui.core.relay_client import RelayClient, RelayRefused
from peertui_wire.encoding import b64e
from peertui_wire.roster import genesis

from .groupkit import GroupKit, collect

pytestmark = pytest.mark.timeout(60)


async def test_register_invite_join_admit_post_and_receive_over_sse(relay):
    kit = await GroupKit.create(relay.url)
    joiner_key = SigningKey.generate()
    joiner = RelayClient(relay.url, joiner_key)
    try:
        secret = await kit.invite(uses=1)
        request_id = await joiner.request_join(kit.group_id, secret, kit.sealed(b"sealed-intro"))
        assert (await joiner.membership(kit.group_id))["status"] == "pending"

        pending = await kit.owner.client.join_requests(kit.group_id)
        assert [(r["request_id"], r["key"]) for r in pending] == [
            (request_id, b64e(bytes(joiner_key.verify_key)))
        ]
        await kit.roster(None, "admit", target=bytes(joiner_key.verify_key))
        assert await kit.owner.client.join_requests(kit.group_id) == []
        assert await joiner.membership(kit.group_id) == {
            "status": "member",
            "role": "member",
            "sealed_reason": None,
        }

        live = asyncio.create_task(collect(kit.owner.client, kit.group_id, 3, 1))
        await asyncio.sleep(0.3)  # let the owner's stream reach its live phase
        seq = await joiner.post_message(kit.group_id, b"ciphertext-1")
        [event] = await live
        assert (event.seq, event.kind, event.sender) == (
            seq,
            "message",
            bytes(joiner_key.verify_key),
        )
        assert event.body == {"envelope": b64e(b"ciphertext-1")}

        # The joiner sees roster and messages, not the join request (moderators only).
        history = await collect(joiner, kit.group_id, 0, 3)
        assert [e.kind for e in history] == ["roster", "roster", "message"]
        roster = await joiner.get_roster(kit.group_id)
        assert [e["kind"] for e in roster] == ["genesis", "admit"]
    finally:
        await joiner.aclose()
        await kit.close()


async def test_same_key_asking_twice_gets_same_request_without_spending_a_use(relay):
    kit = await GroupKit.create(relay.url)
    key = SigningKey.generate()
    async with (
        RelayClient(relay.url, key) as joiner,
        RelayClient(relay.url, SigningKey.generate()) as other,
    ):
        secret = await kit.invite(uses=2)
        first = await joiner.request_join(kit.group_id, secret, kit.sealed(b"a"))
        assert await joiner.request_join(kit.group_id, secret, kit.sealed(b"a")) == first
        await other.request_join(
            kit.group_id, secret, kit.sealed(b"b")
        )  # the second use is still there
        assert len(await kit.owner.client.join_requests(kit.group_id)) == 2
    await kit.close()


async def test_denied_joiner_learns_it_with_the_sealed_reason(relay):
    kit = await GroupKit.create(relay.url)
    async with RelayClient(relay.url, SigningKey.generate()) as joiner:
        request_id = await joiner.request_join(kit.group_id, await kit.invite(), kit.sealed(b"x"))
        reason = kit.reply(b"why")
        await kit.owner.client.deny_join(kit.group_id, request_id, reason)
        assert await joiner.membership(kit.group_id) == {
            "status": "denied",
            "role": None,
            "sealed_reason": b64e(reason),
        }
        assert await kit.owner.client.join_requests(kit.group_id) == []
    await kit.close()


async def test_direct_delivery_reaches_only_its_recipient(relay):
    kit = await GroupKit.create(relay.url)
    alice, bob = await kit.add_member(), await kit.add_member()
    seq = await alice.client.send_direct(kit.group_id, bob.public, b"for-bob")
    bob_log, _ = await bob.client.log(kit.group_id, 0)
    alice_log, _ = await alice.client.log(kit.group_id, 0)
    owner_log, _ = await kit.owner.client.log(kit.group_id, 0)
    assert [(e.seq, e.body["payload"]) for e in bob_log if e.kind == "direct"] == [
        (seq, b64e(b"for-bob"))
    ]
    assert all(e.kind != "direct" for e in alice_log + owner_log)
    await kit.close()


async def test_group_id_is_taken_once(relay):
    key = SigningKey.generate()
    async with RelayClient(relay.url, key) as owner:
        event = genesis(key)
        assert await owner.create_group(event) == 1
        with pytest.raises(RelayRefused) as refused:
            await owner.create_group(event)
    assert (refused.value.status, refused.value.code) == (409, "group_exists")


async def test_health_and_metrics_describe_the_relay(relay_factory):
    relay = relay_factory("--metrics-token", "s3cret-metrics")
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    await member.client.post_message(kit.group_id, b"m")
    async with RelayClient(relay.url, SigningKey.generate()) as anyone:
        assert (await anyone.health())["status"] == "ok"
    # Issue 11 row 15: metrics are not for anyone who asks.
    assert httpx.get(relay.url + "/v1/metrics").status_code == 404
    wrong = {"Authorization": "Bearer guess"}
    assert httpx.get(relay.url + "/v1/metrics", headers=wrong).status_code == 404
    token = {"Authorization": "Bearer s3cret-metrics"}
    text = httpx.get(relay.url + "/v1/metrics", headers=token).text
    assert "peertui_relay_groups 1\n" in text
    # genesis, admit, message: the join request was deleted when it was decided
    assert "peertui_relay_stored_events 3\n" in text
    assert 'peertui_relay_requests_total{status="2xx"}' in text
    await kit.close()
