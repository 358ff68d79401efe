"""Issue 10 item 7 / issue 11: a waiting message that can no longer go out comes back as a
draft with the reason, and the draft survives a restart; temporary trouble keeps it queued."""

from __future__ import annotations

import pytest
from tests.e2e.conftest import form_group
from tests.e2e.harness import wait_until

from peertui.core.events import MessageReturned, SendingWaits

pytestmark = pytest.mark.timeout(120)


async def test_read_only_turned_on_during_slow_mode_returns_the_waiting_message_as_a_draft(
    relay, tmp_path, closing
):
    gid, (host, sage) = await form_group(relay.url, tmp_path, ["host", "sage"])
    closing.extend([host, sage])
    await host.engine.set_slowmode(gid, 4)
    await wait_until(lambda: sage.engine._session(gid).roster.slowmode_seconds == 4)
    # Sage's own introduction just went out, so both of these wait for slow mode.
    waiting = ["one waits for slow mode", "two waits for slow mode"]
    for text in waiting:
        await sage.engine.send(gid, text)
    await sage.wait_for(lambda e: isinstance(e, SendingWaits) and e.slow_mode)
    assert [item["text"] for _g, _i, item in sage.engine.store.outbox_list(gid)] == waiting
    sage.engine.save_draft(gid, "half-typed")
    await host.engine.set_readonly(gid, True)

    await wait_until(
        lambda: sum(isinstance(e, MessageReturned) for e in sage.events) == 2, timeout=30
    )
    returned = [e for e in sage.events if isinstance(e, MessageReturned)]
    assert [e.text for e in returned] == waiting
    assert all("read-only" in e.reason for e in returned)
    assert not sage.engine.store.outbox_list(gid)
    await sage.reopen()
    assert sage.engine.draft(gid) == "half-typed\n" + "\n".join(waiting)
    assert "read-only" in sage.engine.draft_reason(gid)
    sage.engine.save_draft(gid, "")
    assert sage.engine.draft_reason(gid) == ""
    assert not set(waiting) & set(host.texts(gid))
