"""With a notice (not a message) highlighted in the conversation, typing a word that starts
with a message key ('r' reports, 'h' hides...) puts the whole word in the composer."""

from __future__ import annotations

import pytest

from peertui.tui.app import PeertuiApp
from peertui.tui.widgets.conversation import MessageList, SystemLine

from .test_keyboard_and_commands import hosted, ready  # noqa: F401 - a fixture, found by name

pytestmark = pytest.mark.timeout(60)


async def test_a_word_typed_on_a_highlighted_notice_reaches_the_composer(hosted):  # noqa: F811
    paths, _group_id = hosted
    app = PeertuiApp(paths)
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, app)
        messages = app.screen.query_one(MessageList)
        messages.focus()
        await pilot.pause()
        notices = [i for i, item in enumerate(messages.items) if isinstance(item, SystemLine)]
        assert notices, "the fixture's read-only on/off left notices in the conversation"
        messages.highlighted = notices[-1]
        await pilot.pause()
        assert messages.selected_message() is None
        await pilot.press(*"really")
        await pilot.pause(0.2)
        assert app.screen.query_one("#composer").value == "really"
        assert not any("Highlight a message first" in str(n.message) for n in app._notifications)
