"""Issue 11 row 10: a retried post (the answer was lost after the commit) is stored once."""

from __future__ import annotations

import asyncio
import os

import pytest

from .groupkit import GroupKit

pytestmark = pytest.mark.timeout(60)


async def test_retries_with_the_same_message_id_get_the_original_seq_and_store_once(relay):
    kit = await GroupKit.create(relay.url)
    client = kit.owner.client
    first = await client.post_message(kit.group_id, os.urandom(200), idempotency_key="a" * 32)
    again = await client.post_message(kit.group_id, os.urandom(200), idempotency_key="a" * 32)
    racing = await asyncio.gather(
        *(
            client.post_message(kit.group_id, os.urandom(200), idempotency_key="b" * 32)
            for _ in range(8)
        )
    )
    other = await client.post_message(kit.group_id, os.urandom(200), idempotency_key="c" * 32)
    assert again == first
    assert len(set(racing)) == 1 and racing[0] not in (first, other)
    log, _ = await client.log(kit.group_id, 0)
    assert sorted(e.seq for e in log if e.kind == "message") == sorted({first, racing[0], other})
    await kit.close()


async def test_one_members_key_does_not_answer_for_another_member(relay):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    mine = await kit.owner.client.post_message(kit.group_id, b"x" * 50, idempotency_key="k" * 16)
    theirs = await member.client.post_message(kit.group_id, b"y" * 50, idempotency_key="k" * 16)
    assert mine != theirs
    await kit.close()
