"""A reply typed while a question dialog is open (the personal-details check) is never taken as
the answer and never dropped: it is shown in the dialog and goes on to the message box."""

from __future__ import annotations

import pytest

from peertui.core.engine import Engine
from peertui.tui.app import PeertuiApp
from peertui.tui.screens.dialogs import ChoiceScreen

from .conftest import PASSPHRASE, wait_for
from .screen_text import screen_text

pytestmark = pytest.mark.timeout(90)


async def test_keys_typed_into_the_personal_details_question_reach_the_composer(make_paths, relay):
    paths = make_paths("alice")
    owner = await Engine.open(paths, PASSPHRASE)
    group = await owner.host_group("circle", relay_url=relay.url, nick="alice")
    await owner.close()
    gid = group.group_id

    app = PeertuiApp(paths)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None and "circle" in screen_text(app))
        composer = app.screen.query_one("#composer")
        composer.focus()
        await pilot.press(*"mail me at robin.q@example.org", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="the check")
        dialog = app.screen
        # Typed on, as if the question had not appeared: letters, a space, a slip, and Enter.
        await pilot.press(*"yes and morex", "backspace", "enter")
        await pilot.pause()
        assert app.screen is dialog, "neither a letter nor the line's Enter answered"
        assert "Kept for your message box: yes and more" in screen_text(app)
        assert not any("robin.q" in m.text for m in app.engine.history(gid))

        await pilot.press("escape")  # not sent: the message is kept
        await wait_for(pilot, lambda: not isinstance(app.screen, ChoiceScreen), what="closed")
        await wait_for(pilot, lambda: "yes and more" in composer.value, what="typing kept")
        assert "robin.q@example.org" in composer.value, composer.value
        assert composer.value.index("robin.q@example.org") < composer.value.index("yes and more")
        assert not any("robin.q" in m.text for m in app.engine.history(gid))
