"""What a new-user tester found in the TUI, each through the real binary in tmux at 80x24:

- a Tab sent in a burst with the keys after it was applied after those keys (every letter
  ended in the first field); Enter in the join and host forms the same;
- the join form's "tick the box" left the focus where Ctrl+S was pressed;
- toasts covered the conversation's lines;
- after a dialog about a highlighted message, the conversation stopped following new ones;
- the invite dialog showed 72 of the invite's 196 characters at 80 columns;
- `/set theme <name>` took any name, and `/set` alone did not list the settings.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time

import pytest

from peertui.config import load_settings
from peertui.core.engine import Engine
from peertui.paths import resolve_paths
from peertui.ui.settings import MEANINGS

from .conftest import PASSPHRASE
from .test_stale_view import host_with_history
from .tmux import Tmux, make_pair, start_peertui

pytestmark = pytest.mark.timeout(150)


def highlighted(text: str):
    """A screen test: `text` is on the highlighted line ("▶", then its number if shown)."""
    return lambda screen: re.search(r"▶ (#\d+ )?" + re.escape(text), screen) is not None


def host_with_invite(home, relay_url: str) -> str:
    """A group hosted at `home`, and an invite to it (to paste into a Join form)."""

    async def prepare() -> str:
        engine = await Engine.open(resolve_paths(home), PASSPHRASE)
        try:
            group = await engine.host_group("evening", relay_url=relay_url, nick="alice")
            return await engine.create_invite(group.group_id)
        finally:
            await engine.close()

    return asyncio.run(prepare())


def field_rows(screen: str) -> list[str]:
    """The text inside each one-line field on screen (between the field's ▊ … ▎ edges)."""
    return [m.group(1).strip() for m in re.finditer(r"▊  ?(.*?)\s*▎", screen)]


def one_key_at_a_time(keys: list[str]) -> list[str]:
    """Words split into their letters (named keys such as Tab stay whole), for 30 ms a key."""
    named = {"Tab", "BTab", "Enter", "Escape", "BSpace"}
    return [part for key in keys for part in ([key] if key in named else list(key))]


def quit_app(tmux: Tmux) -> None:
    tmux.keys("C-q")
    tmux.wait_until_shell_runs()


# ----- keys in the order typed, in every dialog field ------------------------------------------
@pytest.mark.parametrize("pace", ["burst", "30ms"])
def test_tab_and_enter_in_a_form_move_on_before_the_keys_typed_after_them(tmp_path, relay, pace):
    host_with_invite(tmp_path / "alice", relay.url)
    tmux = start_peertui(tmp_path / "alice")
    try:
        tmux.wait_for("you are alice")
        tmux.keys("F5")
        tmux.wait_for("Join a group")
        # Invite, Tab, nickname (replacing the suggested one), Tab past "Another", Tab,
        # pronouns, Enter (moves on too), a line for the moderators.
        keys = ["peertui:abc", "Tab", "robin", "Tab", "Tab", "they", "Enter", "hi all"]
        if pace == "burst":
            tmux.keys(*keys)  # one send-keys: one burst
        else:
            tmux.type_slowly(one_key_at_a_time(keys))
        # The last key typed is in its field: every key before it has been taken, so this
        # very screen is the one judged (a second look could catch the form mid-scroll).
        screen = tmux.wait_until(
            lambda s: "hi all" in "".join(field_rows(s)), "the last field typed"
        )
        rows = field_rows(screen)
        assert rows[:4] == ["peertui:abc", "robin", "they", "hi all"], (rows, screen)

        tmux.keys("Escape")
        tmux.wait_for("Enter sends")
        tmux.keys("F4")
        tmux.wait_for("Host a new group")
        tmux.keys("C-u")  # the name field starts empty; the nickname is prefilled "host"
        burst = ["Sunday", "Enter", "C-u", "sam", "Tab"]
        if pace == "burst":
            tmux.keys(*burst)
        else:
            tmux.type_slowly(one_key_at_a_time(["Sunday", "Enter"]))
            tmux.keys("C-u")
            tmux.type_slowly(one_key_at_a_time(["sam", "Tab"]))
        tmux.wait_until(lambda s: "sam" in s, "the nickname typed")
        time.sleep(0.3)
        # The host form is taller than 80x24 (its guidelines box alone is 8 rows): the Tab
        # into that box scrolls the name above the fold. Back to the first field, which
        # scrolls the form to its top, to read both fields (the keys are all applied by now).
        tmux.keys("BTab", "BTab")
        screen = tmux.wait_until(lambda s: "Host a new group" in s, "the form's top in view")
        rows = field_rows(screen)
        assert rows[:2] == ["Sunday", "sam"], (rows, screen)
        tmux.keys("Escape")
        tmux.wait_for("Enter sends")
        quit_app(tmux)
    finally:
        tmux.close()


def test_typing_letters_between_tabs_at_30ms_fills_each_field_of_a_moderation_form(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url)
    tmux = start_peertui(pair.alice_home)
    try:
        tmux.wait_for("connected")
        tmux.type("/warn")
        tmux.keys("Enter")
        tmux.wait_for("Warn a member")
        tmux.keys("C-u")
        tmux.type_slowly(one_key_at_a_time(["bob", "Tab", "be kind"]))
        screen = tmux.wait_until(
            lambda s: "be kind" in "".join(field_rows(s)), "the last field typed"
        )
        rows = field_rows(screen)
        assert rows[:2] == ["bob", "be kind"], (rows, screen)
        tmux.keys("Escape")
        tmux.wait_for("Enter sends")
        quit_app(tmux)
    finally:
        tmux.close()


# ----- the join form points at what needs doing -------------------------------------------------
def test_join_with_the_box_unticked_puts_the_focus_on_the_box(tmp_path, relay):
    token = host_with_invite(tmp_path / "alice", relay.url)
    tmux = start_peertui(tmp_path / "bob")
    try:
        tmux.wait_for("Enter sends")
        tmux.keys("F5")
        tmux.wait_for("Join a group")
        tmux.paste(token)
        tmux.keys("Enter")
        tmux.wait_for("The invite is whole")
        tmux.keys("C-s")
        tmux.wait_for("tick the box")
        tmux.keys("Space")  # ticks the box only if the focus is on it
        tmux.wait_for("[x] I have read and accept these guidelines")
        tmux.keys("Escape")
        quit_app(tmux)
    finally:
        tmux.close()


# ----- notices never cover the conversation ------------------------------------------------------
def conversation_rows(screen: str) -> list[str]:
    """The rows inside the conversation's box (between its top and bottom borders)."""
    lines = screen.splitlines()
    top = next(i for i, line in enumerate(lines) if "Conversation" in line)
    bottom = next(i for i in range(top + 1, len(lines)) if "╰" in lines[i][19:])
    return lines[top + 1 : bottom]


def test_a_notice_takes_a_line_of_its_own_and_covers_no_message(tmp_path, relay):
    host_with_history(tmp_path / "alice", relay.url, 30, long_every=100)
    tmux = start_peertui(tmp_path / "alice")
    try:
        tmux.wait_for("you are alice · connected")
        tmux.wait_until(highlighted("alice: message 29"), "alice: message 29 highlighted")
        tmux.type("/set country GB")
        tmux.keys("Enter")
        # The conversation gives the notice a row, and stays at the newest message.
        screen = tmux.wait_until(
            lambda s: "Saved: country = GB." in s and highlighted("alice: message 29")(s),
            "the notice shown and the newest message in view",
            timeout=3,
        )
        rows = conversation_rows(screen)
        assert len(rows) >= 10, screen
        for row in rows:
            # Every row of the conversation is whole: its own text and its right-hand border,
            # with nothing laid over it.
            assert re.fullmatch(r"│.{18}││ [ ▶] .*│", row), f"covered: {row!r}\n{screen}"
        assert "Saved: country = GB." not in "\n".join(rows), "said outside the conversation"
        tmux.wait_until(lambda s: "Saved: country" not in s, "the notice gone", timeout=15)
        quit_app(tmux)
    finally:
        tmux.close()


# ----- the conversation follows again after a dialog about a message -----------------------------
class Member:
    """Bob's engine, running in a thread of its own while Alice uses the binary."""

    def __init__(self, home, group_id: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.group_id = group_id
        self.engine = self.run(Engine.open(resolve_paths(home), PASSPHRASE))

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    def say(self, text: str) -> None:
        self.run(self.engine.send(self.group_id, text))

    def close(self) -> None:
        self.run(self.engine.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def test_after_a_dialog_about_a_message_new_messages_are_followed_again(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url)
    bob = Member(pair.bob_home, pair.group_id)
    try:
        for n in range(20):
            bob.say(f"early {n}")
        tmux = start_peertui(pair.alice_home)
        try:
            tmux.wait_for("connected")
            tmux.wait_until(highlighted("bob: early 19"), "bob: early 19 highlighted")
            tmux.keys("BTab")  # to the conversation
            tmux.wait_for("Focus: Conversation")
            tmux.keys("Up", "Up")
            tmux.wait_until(highlighted("bob: early 17"), "bob: early 17 highlighted")
            tmux.keys("w")  # warn about the highlighted message's sender
            tmux.wait_for("Warn a member")
            tmux.keys("Escape")
            tmux.wait_for("Focus: Message")
            for n in range(3):
                bob.say(f"after {n}")
            screen = tmux.wait_until(highlighted("bob: after 2"), "bob: after 2 highlighted")
            assert "new message" not in screen, screen

            # Typed, not keyed: /report highlights Bob's newest message (above Alice's own).
            tmux.type("my own line")
            tmux.keys("Enter")
            tmux.wait_until(highlighted("alice: my own line"), "alice: my own line highlighted")
            tmux.type("/report")
            tmux.keys("Enter")
            tmux.wait_until(
                lambda s: re.search(r"The message: (#\d+ )?bob: after 2", s) is not None,
                "the report form about Bob's newest message",
            )
            tmux.keys("Escape")
            tmux.wait_for("Focus: Message")
            bob.say("later 0")
            screen = tmux.wait_until(highlighted("bob: later 0"), "bob: later 0 highlighted")
            assert "new message" not in screen, screen
            quit_app(tmux)
        finally:
            tmux.close()
    finally:
        bob.close()


# ----- the whole invite at 80 columns -------------------------------------------------------------
def test_the_whole_invite_is_in_view_at_80_columns_and_copied_as_one_line(tmp_path, relay):
    host_with_invite(tmp_path / "alice", relay.url)
    tmux = start_peertui(tmp_path / "alice")
    try:
        tmux.run("set-option", "-s", "set-clipboard", "on")
        tmux.wait_for("you are alice")
        tmux.keys("F6")
        screen = tmux.wait_for("Invite to evening")
        tmux.keys("C-y")
        tmux.wait_for("clipboard")
        token = tmux.run("show-buffer").strip()
        assert token.startswith("peertui:") and "\n" not in token and len(token) > 150
        lines = screen.splitlines()
        first = next(i for i, line in enumerate(lines) if "peertui:" in line)
        shown = []
        for line in lines[first:]:
            part = line.strip(" │█▌▐")
            if not part or " " in part:
                break
            shown.append(part)
        assert "".join(shown) == token, f"the whole invite is on screen:\n{screen}"
        assert f"{len(token)} characters" in screen

        # The rows as a mouse copies them from the terminal, line breaks and all, still join.
        tmux.keys("Escape")
        tmux.wait_for("Enter sends")
        tmux.keys("F5")
        tmux.wait_for("Join a group")
        tmux.paste("\n".join(shown) + "\n")
        tmux.keys("Enter")
        tmux.wait_for("The invite is whole")
        tmux.keys("Escape")
        quit_app(tmux)
    finally:
        tmux.close()


# ----- /set in the TUI: the themes there are, and every setting --------------------------------
def test_set_theme_refuses_an_unknown_name_and_bare_set_lists_every_setting(tmp_path, relay):
    host_with_invite(tmp_path / "alice", relay.url)
    tmux = start_peertui(tmp_path / "alice", width=100, height=30)
    try:
        tmux.wait_for("you are alice")
        tmux.type("/set theme neon")
        tmux.keys("Enter")
        screen = tmux.wait_for("There is no theme 'neon'.")
        assert "calm, dark, high-contrast, light" in " ".join(screen.split()), screen
        tmux.wait_for("/set theme neon")  # the typed line is given back

        tmux.keys("C-u")
        tmux.type("/set")
        tmux.keys("Enter")
        screen = tmux.wait_for("changes one")
        flat = " ".join(screen.split())
        for name in MEANINGS:
            assert f"{name} = " in flat, f"{name} is not listed:\n{screen}"
        assert "theme = dark" in flat
        tmux.keys("Escape")
        tmux.wait_for("Enter sends")
        quit_app(tmux)
    finally:
        tmux.close()
    assert load_settings(resolve_paths(tmp_path / "alice"))[0].theme == "dark"
