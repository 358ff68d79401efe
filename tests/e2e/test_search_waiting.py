"""A message written while the relay is away waits in the outbox, in no index yet: a search
for it found nothing (fresheyes4), though the conversation showed it "waiting to send". It is
found, marked waiting, and once the relay has taken it, found once, as sent."""

from __future__ import annotations

import asyncio

import pytest
from tests.e2e.conftest import form_group
from tests.e2e.harness import wait_until

pytestmark = pytest.mark.timeout(120)


async def test_a_message_waiting_to_be_sent_is_found_by_search(relay, tmp_path, closing):
    gid, (host, rowan) = await form_group(relay.url, tmp_path, ["host", "rowan"])
    closing.extend([host, rowan])
    await rowan.engine.send(gid, "the heron came back to the pond")
    relay.kill()
    await wait_until(lambda: rowan.engine.group(gid).connection == "offline", what="offline")
    # Sent from a task: with no relay, `send` keeps trying (its message waits meanwhile).
    sending = asyncio.ensure_future(rowan.engine.send(gid, "thinking of the heron tonight"))
    await wait_until(lambda: rowan.engine.store.outbox_list(gid), what="the message waiting")

    found = rowan.engine.search("hero")
    assert [(m.text, m.seq > 0) for m in found] == [
        ("thinking of the heron tonight", False),
        ("the heron came back to the pond", True),
    ]
    assert found[0].number > found[1].number > 0, "numbered as the conversation shows it"
    assert found[0].sender == found[1].sender, "written by rowan"
    assert [m.text for m in rowan.engine.search("tonight", group_id=gid)] == [
        "thinking of the heron tonight"
    ]
    assert rowan.engine.search("tonight heron pond") == [], "every word must be in one message"
    assert host.engine.search("tonight") == [], "only the writer has it"
    assert rowan.engine.search('"tonight* OR') == rowan.engine.search("tonight OR"), "words only"

    relay.start(port=relay.port)
    await asyncio.wait_for(sending, timeout=60)
    await wait_until(lambda: not rowan.engine.store.outbox_list(gid), what="the outbox emptied")
    found = rowan.engine.search("tonight")
    assert [(m.text, m.seq > 0) for m in found] == [("thinking of the heron tonight", True)]
