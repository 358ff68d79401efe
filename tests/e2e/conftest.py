from __future__ import annotations

import contextlib

import pytest
from tests.e2e.harness import Person, wait_until

from peertui.core.events import JoinApproved, JoinRequested


async def form_group(relay_url: str, tmp_path, nicks: list[str], name: str = "Tuesday circle"):
    """The first nick hosts; every other nick joins with one invite and is approved."""
    host = await Person.open(tmp_path / nicks[0])
    info = await host.engine.host_group(name, relay_url, nick=nicks[0])
    gid = info.group_id
    invite = await host.engine.create_invite(gid, uses=len(nicks))
    people = [host]
    for nick in nicks[1:]:
        person = await Person.open(tmp_path / nick)
        await person.engine.join(invite, nick)
        await host.wait_for(lambda e, n=nick: isinstance(e, JoinRequested) and e.request.nick == n)
        assert nick in [r.nick for r in host.engine.pending_requests(gid)]
        await host.engine.approve(gid, nick)
        assert nick not in [r.nick for r in host.engine.pending_requests(gid)]
        await person.wait_for(lambda e: isinstance(e, JoinApproved))
        people.append(person)
    # Everyone knows everyone by nickname once profiles and welcomes have gone round.
    for person in people:
        await wait_until(
            lambda p=person: sorted(m.nick for m in p.engine.members(gid)) == sorted(nicks),
            what=f"{person.home.name} to see every member",
        )
    return gid, people


@pytest.fixture
async def closing():
    """Engines opened by a test are closed even when it fails."""
    people: list[Person] = []
    yield people
    for person in people:
        with contextlib.suppress(Exception):  # already closed or wiped by the test
            await person.engine.close()
