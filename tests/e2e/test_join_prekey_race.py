"""A join whose prekey is refused as "not a member" is still a join (CI, main e516464).

A host who approves at once can admit a requester while the requester's prekey is on its way;
the relay deleted the request in the admission's transaction and (for a moment) did not have the
member in its roster state yet, so the prekey was refused and plain mode said "The join request
was not accepted" to someone who was in fact being admitted.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.fault_proxy import FaultProxy
from tests.e2e.harness import Person, wait_until

from peertui.core.events import JoinApproved, JoinRequested
from peertui.core.models import ACTIVE


async def host_and_guest(
    proxy: FaultProxy, tmp_path: Path, closing: list[Person]
) -> tuple[Person, str, str, Person]:
    """A host with a group behind the proxy and an invite to it, and a guest yet to join."""
    host = await Person.open(tmp_path / "host")
    closing.append(host)
    gid = (await host.engine.host_group("Tuesday circle", proxy.url, nick="host")).group_id
    invite = await host.engine.create_invite(gid)
    guest = await Person.open(tmp_path / "guest")
    closing.append(guest)
    return host, gid, invite, guest


async def test_a_refused_prekey_after_the_request_does_not_fail_the_join(relay, tmp_path, closing):
    proxy = FaultProxy(relay.url).start()
    try:
        host, gid, invite, guest = await host_and_guest(proxy, tmp_path, closing)
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
        host, gid, invite, guest = await host_and_guest(proxy, tmp_path, closing)
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


async def test_a_member_whose_first_publish_is_refused_publishes_again_and_is_welcomed(
    relay, tmp_path, closing
):
    """CI, main bebd50e: the requester saw itself admitted while its prekey was still held back;
    its publish as a new member was refused too, which failed its first post (the profile) and
    ended its session; and nothing would have tried the publish again (the welcome being owed
    to that very prekey), so it waited for ever."""
    proxy = FaultProxy(relay.url).start()
    try:
        host, gid, invite, guest = await host_and_guest(proxy, tmp_path, closing)
        proxy.prekeys_only_of = {host.engine._groups[gid].me}
        await guest.engine.join(invite, "robin")
        await host.wait_for(lambda e: isinstance(e, JoinRequested) and e.request.nick == "robin")
        await host.engine.approve(gid, "robin")
        group = guest.engine._groups[gid]
        # Held back until the guest has become a member and its own publish was refused.
        await wait_until(lambda: group.status == ACTIVE, what="the guest to see it is a member")
        assert group.state.get("prekey_unpublished"), "its publish as a member was refused"
        proxy.prekeys_only_of = None
        await guest.wait_for(lambda e: isinstance(e, JoinApproved))
        assert guest.engine.group(gid).name == "Tuesday circle"
    finally:
        proxy.stop()
