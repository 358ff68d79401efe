"""Three people in separate homes talk through a real relay process."""

from __future__ import annotations

import asyncio

from tests.e2e.conftest import form_group

from peertui.core.events import MessageReceived


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
