"""Issue 11 row 3: a member's own disk fills up while messages arrive. Receiving pauses and
resumes from the saved cursor: nothing is skipped, before or after a restart."""

from __future__ import annotations

import pytest
from tests.e2e.conftest import form_group
from tests.e2e.faults import SmallDisk
from tests.e2e.harness import Person, wait_until

from peertui.core.events import ReceivingPaused
from peertui.core.store import StorageFull
from peertui.ui.wording import EventContext, event_lines

pytestmark = pytest.mark.timeout(150)


async def test_client_disk_full_pauses_receiving_and_loses_nothing(relay, tmp_path, closing):
    disk = SmallDisk(tmp_path / "disk", size_kib=8192)
    if not disk.real:
        pytest.skip("needs root for a small tmpfs under the member's home")  # CI runs as root
    try:
        gid, (host,) = await form_group(relay.url, tmp_path, ["host"])
        invite = await host.engine.create_invite(gid, uses=1)
        wren = await Person.open(disk.dir / "wren")
        closing.extend([host, wren])
        await wren.engine.join(invite, "wren")
        await wait_until(lambda: host.engine.pending_requests(gid), what="the request")
        await host.engine.approve(gid, "wren")
        await wait_until(lambda: "wren" in [m.nick for m in host.engine.members(gid)])
        await host.engine.send(gid, "hello before the disk filled")
        await wren.wait_for_texts(gid, ["hello before the disk filled"])

        disk.fill()
        sent = [f"sent while wren's disk was full {i}" for i in range(3)]
        for text in sent:
            await host.engine.send(gid, text)
        paused = await wren.wait_for(lambda e: isinstance(e, ReceivingPaused), timeout=30)
        assert isinstance(paused.problem, StorageFull)
        (said,) = event_lines(paused, EventContext("circle", []))
        assert said.kind == "error" and "disk is full" in said.text and "paused" in said.text
        assert not set(sent) & set(wren.texts(gid))
        disk.free()
        await wren.wait_for_texts(gid, sent, timeout=60)
        await wren.reopen()
        stored = [m.text for m in wren.engine.store.latest(gid, 20)]
        assert all(text in stored for text in sent), stored
        later = "after the restart"
        await host.engine.send(gid, later)
        await wren.wait_for_texts(gid, [later], timeout=30)
    finally:
        for person in closing:
            await person.engine.close()
        closing.clear()
        disk.close()
