"""A join whose prekey is refused as "not a member" is still a join (CI, main e516464).

A host who approves at once can admit a requester while the requester's prekey is on its way;
the relay deleted the request in the admission's transaction and (for a moment) did not have the
member in its roster state yet, so the prekey was refused and plain mode said "The join request
was not accepted" to someone who was in fact being admitted.
"""

from __future__ import annotations

from tests.e2e.fault_proxy import FaultProxy
from tests.e2e.harness import Person, wait_until

from peertui.core.events import JoinApproved, JoinRequested


async def test_a_refused_prekey_after_the_request_does_not_fail_the_join(relay, tmp_path, closing):
    proxy = FaultProxy(relay.url).start()
    try:
        host = await Person.open(tmp_path / "host")
        closing.append(host)
        gid = (await host.engine.host_group("Tuesday circle", proxy.url, nick="host")).group_id
        invite = await host.engine.create_invite(gid)
        guest = await Person.open(tmp_path / "guest")
        closing.append(guest)
        proxy.prekey_refusals_left = 1  # the guest's prekey, sent right after its request
        info = await guest.engine.join(invite, "robin")
        assert proxy.prekey_refusals_left == 0, "the refusal was served"
        group = guest.engine._groups[gid]
        assert group.state.get("prekey_unpublished"), "the session knows to publish it itself"
        # The running session publishes the prekey itself, while the request waits.
        await wait_until(
            lambda: not group.state.get("prekey_unpublished"), what="the prekey to be published"
        )
        await host.wait_for(lambda e: isinstance(e, JoinRequested) and e.request.nick == "robin")
        await host.engine.approve(gid, "robin")
        await guest.wait_for(lambda e: isinstance(e, JoinApproved))
        assert info.group_id == gid
    finally:
        proxy.stop()


async def test_a_requester_admitted_before_its_prekey_is_published_is_still_welcomed(
    relay, tmp_path, closing
):
    """CI, plain test_languages[pt_BR]: the host approved before the requester's prekey had
    reached the relay, so the welcome had nothing to be sealed to and was never sent; the
    requester became a member who was never told so (and never learnt the group's name)."""
    proxy = FaultProxy(relay.url).start()
    try:
        host = await Person.open(tmp_path / "host")
        closing.append(host)
        gid = (await host.engine.host_group("Tuesday circle", proxy.url, nick="host")).group_id
        invite = await host.engine.create_invite(gid)
        guest = await Person.open(tmp_path / "guest")
        closing.append(guest)
        # The host's own prekeys pass (an admission rotates them); no prekey of the guest's
        # gets through yet.
        proxy.prekeys_only_of = {host.engine._groups[gid].me}
        await guest.engine.join(invite, "robin")
        await host.wait_for(lambda e: isinstance(e, JoinRequested) and e.request.nick == "robin")
        await host.engine.approve(gid, "robin")  # nothing to seal the welcome to yet
        assert host.engine._groups[gid].state.get("owed_welcomes"), "the welcome is owed"
        proxy.prekeys_only_of = None  # now the guest's (member's) prekey gets through
        await guest.wait_for(lambda e: isinstance(e, JoinApproved))
        assert guest.engine.group(gid).name == "Tuesday circle"
        await wait_until(
            lambda: not host.engine._groups[gid].state.get("owed_welcomes"),
            what="the owed welcome to be paid",
        )
    finally:
        proxy.stop()
