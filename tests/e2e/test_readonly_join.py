"""A read-only group still admits people: the newcomer is told they are a member and sees the
group's members, though only moderators may post."""

from __future__ import annotations

import pytest
from tests.e2e.harness import Person, wait_until

from peertui.core.errors import NotAllowed
from peertui.core.events import JoinApproved, JoinRequested
from peertui.ui.problems import problem


async def test_a_member_admitted_to_a_read_only_group_is_told_and_cannot_post(
    relay, tmp_path, closing
):
    host = await Person.open(tmp_path / "host")
    closing.append(host)
    gid = (await host.engine.host_group("announcements", relay.url, nick="host")).group_id
    await host.engine.set_readonly(gid, True)
    invite = await host.engine.create_invite(gid)
    newcomer = await Person.open(tmp_path / "newcomer")
    closing.append(newcomer)
    await newcomer.engine.join(invite, "robin")
    await host.wait_for(lambda e: isinstance(e, JoinRequested))
    await host.engine.approve(gid, "robin")
    await newcomer.wait_for(lambda e: isinstance(e, JoinApproved), timeout=20)
    await wait_until(
        lambda: sorted(m.nick for m in newcomer.engine.members(gid)) == ["host", "robin"],
        what="the newcomer to see both members",
    )
    await host.engine.send(gid, "welcome, this channel is for announcements")
    await newcomer.wait_for_texts(gid, ["welcome, this channel is for announcements"])
    with pytest.raises(NotAllowed) as refused:
        await newcomer.engine.send(gid, "can I say something?")
    assert "the group is read-only" in problem(refused.value)

    # Read-only off: the newcomer's owed profile goes out and they can talk.
    await host.engine.set_readonly(gid, False)
    await wait_until(
        lambda: not newcomer.engine._groups[gid].state.get("profile_owed"),
        what="the owed profile to be sent",
    )
    await newcomer.engine.send(gid, "thanks for letting me in")
    await host.wait_for_texts(gid, ["thanks for letting me in"])
