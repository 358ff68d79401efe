"""The relay's side of join requests: one size only, and nothing kept once it is decided."""

from __future__ import annotations

import pytest
from nacl.signing import SigningKey
from tests.relay.groupkit import GroupKit

from peertui.core.relay_client import RelayClient, RelayRefused
from peertui_wire.protocol import JOIN_BLOB_BYTES


@pytest.mark.parametrize("size", [0, 1, JOIN_BLOB_BYTES - 1, JOIN_BLOB_BYTES + 1, 16 * 1024])
async def test_a_request_of_any_other_size_is_refused_naming_the_field(relay, size):
    kit = await GroupKit.create(relay.url)
    async with RelayClient(relay.url, SigningKey.generate()) as joiner:
        secret = await kit.invite(uses=1)
        with pytest.raises(RelayRefused) as refused:
            await joiner.request_join(kit.group_id, secret, b"\x02J" + b"x" * max(0, size - 2))
        assert refused.value.status == 422 and "sealed" in str(refused.value)
        # Nothing was spent: the real, padded request still gets in with the one use.
        await joiner.request_join(kit.group_id, secret, kit.sealed())
        assert len(await kit.owner.client.join_requests(kit.group_id)) == 1
    await kit.close()


async def test_a_denial_reason_of_another_size_is_refused(relay):
    kit = await GroupKit.create(relay.url)
    async with RelayClient(relay.url, SigningKey.generate()) as joiner:
        request_id = await joiner.request_join(kit.group_id, await kit.invite(), kit.sealed())
        with pytest.raises(RelayRefused) as refused:
            await kit.owner.client.deny_join(kit.group_id, request_id, b"the reason in clear")
        assert refused.value.status == 422 and "sealed_reason" in str(refused.value)
        assert (await joiner.membership(kit.group_id))["status"] == "pending"
    await kit.close()


async def test_moderators_stream_loses_the_request_once_decided(relay):
    kit = await GroupKit.create(relay.url)
    await kit.add_member()  # asked and was admitted: its request must be gone from the log
    async with RelayClient(relay.url, SigningKey.generate()) as joiner:
        request_id = await joiner.request_join(kit.group_id, await kit.invite(), kit.sealed())
        log, _ = await kit.owner.client.log(kit.group_id, 0)
        assert [e.body["request_id"] for e in log if e.kind == "join_request"] == [request_id]
        await kit.owner.client.deny_join(kit.group_id, request_id, kit.reply())
        log, _ = await kit.owner.client.log(kit.group_id, 0)
        assert [e for e in log if e.kind == "join_request"] == []
        # Asking again (a new invite) makes a new request: the note does not block it.
        again = await joiner.request_join(kit.group_id, await kit.invite(), kit.sealed())
        assert again != request_id
        assert (await joiner.membership(kit.group_id))["status"] == "pending"
    await kit.close()
