"""What the fifth fresh-eyes round found in the TUI, with the real binary in tmux and the relay
on loopback; keys in one burst and at 30 ms a key."""

from __future__ import annotations

import asyncio
import time

import pytest

from peertui.core.engine import Engine
from peertui.paths import resolve_paths

from .conftest import PASSPHRASE
from .tmux import history_of, make_pair, start_peertui

pytestmark = pytest.mark.timeout(180)

FROM_BOB = "the hawthorn is out along the canal"


def _bob_says(pair, text: str) -> None:
    async def write() -> None:
        bob = await Engine.open(resolve_paths(pair.bob_home), PASSPHRASE)
        try:
            await bob.send(pair.group_id, text)
        finally:
            await bob.close()

    asyncio.run(write())


@pytest.mark.parametrize("slowly", [False, True], ids=["burst", "30ms"])
def test_letters_after_escape_from_a_search_result_are_words_after_any_later_dialog(
    tmp_path, relay, slowly
):
    """A search result is highlighted in the conversation with the keyboard on it; Escape
    goes back to typing. A dialog opened and closed after that must give the keyboard back to
    the message box, not to the message list (where t thanks and h hides)."""
    pair = make_pair(tmp_path, relay.url)
    _bob_says(pair, FROM_BOB)
    tmux = start_peertui(pair.alice_home)
    try:
        tmux.wait_for(f"bob: {FROM_BOB}")
        tmux.keys("F7")
        tmux.wait_for("Words to find")
        tmux.type("hawthorn")
        tmux.keys("Enter")
        tmux.wait_for("Search: hawthorn")
        tmux.keys("Enter")  # open the result: the conversation, the message highlighted
        tmux.wait_for("Focus: Conversation")
        tmux.keys("Escape")
        tmux.wait_for("Focus: Message")
        tmux.keys("F7")  # another dialog, closed unanswered
        tmux.wait_for("Words to find")
        # An Escape followed at once by letters reads as Alt+letter in a terminal: the form
        # is seen to close first.
        tmux.keys("Escape")
        tmux.wait_until(lambda s: "Words to find" not in s, "the search form closed")
        words = "the hat then"
        if slowly:
            tmux.type_slowly(list(words))
        else:
            tmux.type(words)
        screen = tmux.wait_until(lambda s: words in s, "the words in the message box")
        assert "Focus: Message" in screen, screen
        assert "Hidden" not in screen and "hidden" not in screen.split("Focus: Message")[0], screen
        tmux.keys("Enter")
        tmux.wait_for(f"alice: {words}")
    finally:
        tmux.close()
    texts = history_of(pair.bob_home, pair.group_id, wait_for=2)
    assert words in texts, texts


def _field_row(screen: str, label: str) -> str:
    """The row of the first field drawn below the line holding `label`, whole."""
    rows = screen.splitlines()
    start = next(i for i, row in enumerate(rows) if label in row)
    return next(row for row in rows[start + 1 :] if "▊  " in row)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_a_notice_arriving_while_a_form_is_open_never_covers_the_form(tmp_path, relay, size):
    """A report arrives while the owner is typing in the Host form: the notice is said in a
    line of the screen's own, below the form; the field being typed in, its label and the
    form's title stay whole, and typing goes on in the field."""
    pair = make_pair(tmp_path, relay.url)

    async def alice_writes() -> None:
        alice = await Engine.open(resolve_paths(pair.alice_home), PASSPHRASE)
        try:
            await alice.send(pair.group_id, "anyone around tonight?")
        finally:
            await alice.close()

    asyncio.run(alice_writes())
    width, height = size
    tmux = start_peertui(pair.alice_home, width=width, height=height)
    try:
        tmux.wait_for("connected")
        tmux.keys("F4")
        tmux.wait_for("Host a new group")
        words = "Tuesday evening circle for carers"
        tmux.type(words)
        clean = tmux.wait_until(lambda s: words in s, "the name typed")

        async def bob_reports() -> None:
            bob = await Engine.open(resolve_paths(pair.bob_home), PASSPHRASE)
            try:
                deadline = time.monotonic() + 20
                while not (mine := [m for m in bob.history(pair.group_id) if m.seq > 0]):
                    assert time.monotonic() < deadline, "bob never received alice's message"
                    await asyncio.sleep(0.1)
                await bob.report(pair.group_id, mine[-1].msg_id, "testing the notice")
            finally:
                await bob.close()

        asyncio.run(bob_reports())
        screen = tmux.wait_for("was reported", timeout=30)
        assert "Host a new group" in screen, screen
        assert _field_row(screen, "Group name") == _field_row(clean, "Group name"), screen
        label = next(row for row in clean.splitlines() if "Group name" in row)
        assert label in screen.splitlines(), screen
        # The form is still being typed into.
        tmux.type(" too")
        tmux.wait_until(lambda s: f"{words} too" in s, "the words typed after the notice")
    finally:
        tmux.close()


FORMS_BEFORE_READY = [
    ("F7", "Words to find", "hawthorn"),
    ("F4", "Group name", "Tuesday circle"),
    ("F5", "Invite (starts with peertui:)", "peertui:abc"),
]


@pytest.mark.parametrize("slowly", [False, True], ids=["burst", "30ms"])
@pytest.mark.parametrize(("key", "label", "words"), FORMS_BEFORE_READY, ids=["F7", "F4", "F5"])
def test_a_key_pressed_before_the_history_is_open_acts_once_it_is(
    tmp_path, relay, key, label, words, slowly
):
    """F7 (and F4, F5 …) pressed while "Opening your encrypted history…" is shown opens its
    form once the history is open, and what was typed after it is in the form's first field,
    not in the message box."""
    from .test_keys_while_a_form_opens import field_after

    pair = make_pair(tmp_path, relay.url)
    _bob_says(pair, FROM_BOB)
    tmux = start_peertui(pair.alice_home)
    try:
        tmux.wait_for("Opening your encrypted history")
        if slowly:
            tmux.keys(key)
            tmux.type_slowly(list(words))
        else:
            tmux.keys(key)
            tmux.type(words)
        screen = tmux.wait_until(
            lambda s: field_after(s, label) == words, f"{words!r} in the form {key} opens"
        )
        assert words not in field_after(screen, "Focus: Message"), screen  # not the message box
    finally:
        tmux.close()


def test_a_safety_key_never_waits_behind_a_key_kept_for_the_history(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url)
    tmux = start_peertui(pair.alice_home)
    try:
        tmux.wait_for("Opening your encrypted history")
        tmux.keys("F7", "F1")
        tmux.wait_for("call your emergency number")  # the screen, not the F1 key label
    finally:
        tmux.close()


ENTRIES = 30
LAST = ENTRIES + 2  # after the guidelines and bob's admission


def test_the_moderation_log_is_drawn_whole_under_load(tmp_path, relay):
    """Thirty entries, F10 pressed in a burst with the keys that follow it: every frame that
    shows the log shows a screenful of rows in order, never one row alone."""
    import re

    pair = make_pair(tmp_path, relay.url)

    async def alice_warns() -> None:
        alice = await Engine.open(resolve_paths(pair.alice_home), PASSPHRASE)
        try:
            for n in range(ENTRIES):
                await alice.warn(pair.group_id, "bob", f"reminder {n}")
        finally:
            await alice.close()

    asyncio.run(alice_warns())
    tmux = start_peertui(pair.alice_home)
    try:
        tmux.wait_for("connected")
        for _round in range(3):
            tmux.keys("F10", "Down", "Down", "End")
            # Only frames tmux shows twice running: tmux 3.3 has no synchronized output (mode
            # 2026), so a frame written in several reads of the terminal can be captured half
            # drawn, the new rows above the old ones (CI saw #25-#28 then #6-#9). The app drew
            # each frame whole; a frame it really drew stays up until the next one.
            frames = []
            previous = ""
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                screen = tmux.screen()
                if screen == previous:
                    frames.append(screen)
                previous = screen
                if frames and "Moderation log" in screen and f"#{LAST} " in frames[-1]:
                    break
            for frame in frames:
                if "Moderation log" not in frame:
                    continue
                numbers = [int(n) for n in re.findall(r"▊ (?:▶ )?#(\d+) ", frame)]
                assert len(numbers) != 1, frame
                assert numbers == sorted(numbers), frame
            assert f"#{LAST} " in frames[-1], frames[-1]
            tmux.keys("Escape")
            tmux.wait_until(lambda s: "Moderation log" not in s, "the log closed")
    finally:
        tmux.close()


@pytest.mark.parametrize("slowly", [False, True], ids=["burst", "30ms"])
def test_a_new_passphrase_typed_twice_quickly_opens_the_history(tmp_path, monkeypatch, slowly):
    """No keyring: the first screen asks for a new passphrase twice. Typed in one go (the
    passphrase, Enter, the same again, Enter, then F4), the history opens and F4 acts."""
    from peertui.paths import resolve_paths as paths_of

    from .tmux import PEERTUI, Tmux, terminal_env

    monkeypatch.delenv("PEERTUI_PASSPHRASE")  # tmux passes the test's environment on
    home = tmp_path / "home"
    for marker in ("welcome-seen", "country-asked"):
        (paths_of(home).config_dir / marker).touch()
    env = terminal_env(home)
    del env["PEERTUI_PASSPHRASE"]
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    tmux = Tmux(env)
    try:
        tmux.type(f"{PEERTUI} --tui")
        tmux.keys("Enter")
        tmux.wait_for("Create a passphrase")
        secret = "river stones at dusk"
        if slowly:
            tmux.type_slowly([*secret, "Enter", *secret, "Enter"])
            tmux.keys("F4")
        else:
            tmux.type(secret)
            tmux.keys("Enter")
            tmux.type(secret)
            tmux.keys("Enter", "F4")
        tmux.wait_for("Host a new group", timeout=30)
    finally:
        tmux.close()
