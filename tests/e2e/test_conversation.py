"""Three people in separate homes talk through a real relay process."""

from __future__ import annotations

import asyncio

import pytest
from tests.e2e.conftest import form_group
from tests.e2e.harness import Person, wait_until

from peertui.core.errors import InvalidInput, Why
from peertui.core.events import JoinApproved, JoinRequested, MessageReceived, Notice, Said
from peertui.ui import wording
from peertui.ui.problems import problem


async def test_three_members_each_see_every_message_once_in_sender_order(relay, tmp_path, closing):
    gid, people = await form_group(relay.url, tmp_path, ["ash", "birch", "cedar"])
    closing.extend(people)
    sent: dict[str, list[str]] = {}
    for round_ in range(4):
        for person in people:
            nick = person.engine.group(gid).nick
            text = f"{nick} says hello number {round_}"
            sent.setdefault(nick, []).append(text)
            await person.engine.send(gid, text)
    everything = [t for texts in sent.values() for t in texts]
    for person in people:
        await person.wait_for_texts(gid, everything)
    await asyncio.sleep(0.5)  # let any duplicate arrive before counting
    for person in people:
        received = [e.message for e in person.events if isinstance(e, MessageReceived)]
        texts = [m.text for m in received]
        assert sorted(texts) == sorted(everything), "each message exactly once"
        for nick, own in sent.items():
            assert [m.text for m in received if m.nick == nick] == own, "order per sender kept"
        # Unread counts what others said; reading the group clears it.
        others = len(everything) - len(sent[person.engine.group(gid).nick])
        assert person.engine.group(gid).unread == others
        person.engine.mark_read(gid)
        assert person.engine.group(gid).unread == 0
        # History on disk agrees with what was shown.
        assert sorted(m.text for m in person.engine.history(gid, limit=100)) == sorted(everything)


async def test_a_second_member_using_the_owners_nickname_cannot_pass_as_the_owner(
    relay, tmp_path, closing
):
    gid, people = await form_group(relay.url, tmp_path, ["host", "wren"])
    closing.extend(people)
    host, wren = people
    impostor = await Person.open(tmp_path / "impostor")
    closing.append(impostor)
    invite = await host.engine.create_invite(gid)
    await impostor.engine.join(invite, "host")
    await host.wait_for(lambda e: isinstance(e, JoinRequested) and e.request.nick == "host")
    # Two people are now called "host"; the request is named by its member id.
    await host.engine.approve(gid, host.engine.pending_requests(gid)[0].member_id)
    await impostor.wait_for(lambda e: isinstance(e, JoinApproved))
    await impostor.engine.send(gid, "I am the host, send me your number")
    for person in (host, wren, impostor):
        await person.wait_for_texts(gid, ["I am the host, send me your number"])
        shown = next(m for m in person.engine.history(gid) if m.text.startswith("I am the host"))
        assert shown.nick.startswith("host~"), "the later 'host' carries its member id"
        names = {m.nick for m in person.engine.members(gid)}
        assert "host" in names and any(n.startswith("host~") for n in names)
    with pytest.raises(InvalidInput) as taken:
        await wren.engine.set_nick(gid, "HOST")
    assert taken.value.why is Why.NICK_LOOKS_TAKEN  # a fact; the words are the front-ends'
    assert "already called host" in problem(taken.value)


async def test_profiles_and_thanks_reach_the_other_members(relay, tmp_path, closing):
    gid, people = await form_group(relay.url, tmp_path, ["host", "fern"])
    closing.extend(people)
    host, fern = people
    await fern.engine.set_profile(gid, "she/her", "new here, night owl")
    await wait_until(
        lambda: any(
            m.pronouns == "she/her" and m.intro == "new here, night owl"
            for m in host.engine.members(gid)
        ),
        what="fern's profile at the host",
    )
    await host.engine.send(gid, "welcome, fern")
    await fern.wait_for_texts(gid, ["welcome, fern"])
    welcome = next(m for m in fern.engine.history(gid) if m.text == "welcome, fern")
    await fern.engine.thank(gid, welcome.msg_id)
    thanked = await host.wait_for(lambda e: isinstance(e, Notice) and e.said is Said.THANKED_YOU)
    mine = next(m for m in host.engine.history(gid) if m.text == "welcome, fern")
    assert wording.told(thanked, "g") == f"fern thanked you for message #{mine.number}."
