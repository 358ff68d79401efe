"""Every word the TUI shows comes from the message catalogue: the real binary in tmux, in a
pseudo-locale (every catalogue message ⟦bracketed⟧, built with Babel at test time), a member
of a group on a loopback relay sends, opens help and the crisis lines, pastes a bad invite and
tries a command members may not use; no screen may show words outside brackets but content,
numbers, URLs, commands and key names."""

from __future__ import annotations

import asyncio
import re

import pytest
from tests.i18n.pseudo import (
    PSEUDO,
    cldr_list_words,
    install_pseudo_locale,
    words_outside_the_catalogue,
)

from peertui.core.engine import Engine
from peertui.paths import resolve_paths

from .conftest import PASSPHRASE
from .tmux import make_pair, start_peertui

pytestmark = pytest.mark.timeout(180)

SAID = "hello from bob"
GUIDELINES = "Be kind here."  # the host's own words: content, not the catalogue's


def ask_to_join_another(pair, relay_url: str) -> None:
    """Alice hosts a second group; Bob asks to join it and is never answered, so his group
    list holds a group with no name yet (core stores none; the shared layer words it)."""

    async def ask() -> None:
        alice = await Engine.open(resolve_paths(pair.alice_home), PASSPHRASE)
        bob = await Engine.open(resolve_paths(pair.bob_home), PASSPHRASE)
        try:
            group = await alice.host_group("morning", relay_url=relay_url, nick="alice")
            await bob.join(await alice.create_invite(group.group_id), "bob")
        finally:
            await bob.close()
            await alice.close()

    asyncio.run(ask())


def test_a_tui_session_in_a_pseudo_locale_shows_nothing_outside_the_catalogue(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url, guidelines=GUIDELINES)
    ask_to_join_another(pair, relay.url)
    folder = install_pseudo_locale(tmp_path / "pseudo-locale")
    env = {"LANG": f"{PSEUDO}.UTF-8", "PEERTUI_LOCALE_DIR": str(folder)}
    bob = start_peertui(pair.bob_home, width=120, height=36, env=env)
    screens: dict[str, str] = {}
    try:
        screens["start"] = bob.wait_for("⟦connected⟧")
        screens["pending group"] = bob.wait_for("⟦unnamed group")
        bob.type(SAID)
        bob.keys("Enter")
        screens["sent"] = bob.wait_for(f"bob: {SAID}")
        bob.type("/ban alice")
        bob.keys("Enter")
        # The refusal is said in a notice (the refused line itself may come back into the
        # box, selected, so "/ban" can stay on screen).
        screens["refused"] = bob.wait_for("⟦Only the group's owner and moderators can do that.⟧")
        bob.type("/help")
        bob.keys("Enter")
        screens["help"] = bob.wait_for("/quit")
        bob.keys("Escape")
        bob.wait_until(lambda s: "/help settings" not in s, "help closed")
        bob.keys("F1")
        screens["crisis"] = bob.wait_for("https://")
        bob.keys("Escape")
        bob.wait_until(lambda s: "https://" not in s, "the crisis lines closed")
        bob.type("/join peertui:garbage")
        bob.keys("Enter")
        screens["join form"] = bob.wait_for("⟦Join a group⟧")
        # The nickname field offers a made-up nickname (adjective-noun): content, not words.
        offered = re.search(r"▊  ([a-z]+-[a-z]+) ", screens["join form"])
        assert offered, "a nickname is offered"
        bob.keys("Enter")
        screens["bad invite"] = bob.wait_for("⟦That invite does not work")
    finally:
        bob.close()
    allowed = (
        "alice",
        "bob",
        "evening",
        SAID,
        GUIDELINES,
        offered.group(1),
        "peertui:garbage",
        *cldr_list_words(),
    )
    outside = {}
    for name, screen in screens.items():
        print(f"===== {name} =====\n{screen}")
        left = words_outside_the_catalogue(screen, allowed)
        if left:
            outside[name] = left
    assert not outside, outside
