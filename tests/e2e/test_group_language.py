"""A group declares its language (issue 13): moderators set it, members learn it end-to-end
encrypted, a newcomer gets it in the welcome before reading the guidelines, and the relay
never holds it readable."""

from __future__ import annotations

import pytest
from tests.e2e.conftest import form_group
from tests.e2e.harness import Person

from peertui.core.errors import InvalidInput, NotAllowed
from peertui.core.events import GroupLanguageChanged, JoinApproved
from peertui.ui import wording
from peertui.ui.problems import problem

pytestmark = pytest.mark.timeout(90)


async def test_a_declared_language_reaches_members_and_newcomers_encrypted(
    relay, tmp_path, closing
):
    gid, people = await form_group(relay.url, tmp_path, ["host", "robin"])
    host, robin = people
    closing.extend(people)

    with pytest.raises(NotAllowed):
        await robin.engine.set_group_language(gid, "es")  # members may not
    with pytest.raises(InvalidInput) as refused:
        await host.engine.set_group_language(gid, "Spanish please")
    assert problem(refused.value) == (
        'A group language is a language code such as "es" or "pt_BR", not "Spanish please".'
    )

    assert await host.engine.set_group_language(gid, "pt-br") == "pt_BR"
    changed = await robin.wait_for(lambda e: isinstance(e, GroupLanguageChanged))
    assert (changed.language, changed.by) == ("pt_BR", "host")
    assert robin.engine.group(gid).language == "pt_BR"
    assert host.engine.group(gid).language == "pt_BR"
    line = wording.event_lines(changed, wording.EventContext("Tuesday circle"))[0].text
    assert line == "host declared the group's language: Português (Brasil)."

    # A newcomer learns it in the welcome, with the guidelines, before posting anything.
    kit = await Person.open(tmp_path / "kit")
    closing.append(kit)
    await kit.engine.join(await host.engine.create_invite(gid), "kit")
    await host.wait_for(lambda e: type(e).__name__ == "JoinRequested")
    await host.engine.approve(gid, "kit")
    welcome = await kit.wait_for(lambda e: isinstance(e, JoinApproved))
    assert welcome.language == "pt_BR"
    lines = [x.text for x in wording.event_lines(welcome, wording.EventContext("Tuesday circle"))]
    assert lines[:2] == [
        "You are now a member of Tuesday circle.",
        "This group's language: Português (Brasil).",
    ]

    # Kept over a restart, taken away with "".
    await robin.reopen()
    assert robin.engine.group(gid).language == "pt_BR"
    assert await host.engine.set_group_language(gid, "") == ""
    gone = await kit.wait_for(lambda e: isinstance(e, GroupLanguageChanged) and not e.language)
    assert gone.by == "host"

    # The relay only ever held ciphertext: no language tag, no settings payload in its store.
    stored = [f for f in relay.data_dir.rglob("*") if f.is_file()]
    assert stored, "the relay keeps its store in its data directory"
    for file in stored:
        raw = file.read_bytes()
        assert b"pt_BR" not in raw and b'"settings"' not in raw and b"language" not in raw, file
