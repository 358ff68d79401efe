"""What a fresh-eyes tester found in the TUI, driven as the real binary in tmux at 80x24 on a
real relay: dialogs whose buttons fell off the screen, a pasted invite after `/join `."""

from __future__ import annotations

import asyncio
import textwrap
import time

import pytest

from peertui.core.engine import Engine
from peertui.paths import resolve_paths

from .conftest import PASSPHRASE
from .tmux import PEERTUI, Tmux, history_of, make_pair, start_peertui, terminal_env

pytestmark = pytest.mark.timeout(150)

LONG_GUIDELINES = "\n".join(
    f"{n}. Rule number {n}: be kind, keep what is said here private, and listen first."
    for n in range(1, 16)
)


def change_guidelines(home, group_id: str, text: str) -> None:
    async def change() -> None:
        engine = await Engine.open(resolve_paths(home), PASSPHRASE)
        try:
            await engine.set_guidelines(group_id, text)
        finally:
            await engine.close()

    asyncio.run(change())


def test_long_guidelines_scroll_and_their_buttons_stay_in_view_at_80x24(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url)
    change_guidelines(pair.alice_home, pair.group_id, LONG_GUIDELINES)
    tmux = start_peertui(pair.bob_home)
    try:
        tmux.wait_for("you are bob")
        tmux.wait_for("Enter sends")
        tmux.type("/accept")
        tmux.keys("Enter")
        screen = tmux.wait_for("Please read this group's guidelines")
        # The text is longer than the screen: its end is out of view, the answers are not.
        assert "Rule number 15" not in screen
        assert "I accept" in screen and "Leave the group" in screen, screen
        tmux.keys("Tab")
        screen = tmux.screen()
        assert "Leave the group" in screen, "the focused button is on the screen"
        tmux.keys("BTab")
        tmux.keys("Enter")  # the first (safe) answer
        tmux.wait_until(lambda s: "Please read" not in s, "the dialog closed")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


def test_host_and_join_forms_show_their_buttons_at_80x24(tmp_path):
    tmux = start_peertui(tmp_path / "alice")
    try:
        tmux.wait_for("Enter sends")
        tmux.keys("F4")
        screen = tmux.wait_for("Host (Ctrl+S)")
        assert "Cancel" in screen
        tmux.keys("Escape")
        tmux.wait_until(lambda s: "Host (Ctrl+S)" not in s, "the host form closed")
        tmux.keys("F5")
        screen = tmux.wait_for("Join a group")
        assert "Ask to join (Ctrl+S)" in screen, screen
        tmux.keys("Escape")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


def test_an_invite_pasted_over_lines_after_join_is_read_whole(tmp_path, relay):
    async def host() -> str:
        engine = await Engine.open(resolve_paths(tmp_path / "alice"), PASSPHRASE)
        try:
            group = await engine.host_group("evening", relay_url=relay.url, nick="alice")
            return await engine.create_invite(group.group_id)
        finally:
            await engine.close()

    token = asyncio.run(host())
    tmux = start_peertui(tmp_path / "bob")
    try:
        tmux.wait_for("Enter sends")
        tmux.type("/join ")
        tmux.paste("\n".join(textwrap.wrap(token, 50)) + "\n")
        tmux.type(" river")
        tmux.keys("Enter")
        screen = tmux.wait_for("Join a group")
        rows = screen.splitlines()
        nick_label = next(i for i, row in enumerate(rows) if "Nickname" in row)
        nick_box = " ".join(rows[nick_label + 1 : nick_label + 4])
        assert "river" in nick_box and "/" not in nick_box, screen
        tmux.keys("Enter")  # in the invite field: checks it
        tmux.wait_for("The invite is whole")
        tmux.keys("Escape")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


def test_guidelines_are_shown_to_the_host_and_edited_with_the_cursor_at_the_end(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url, guidelines="1. Be kind.\n2. Listen first.")
    tmux = start_peertui(pair.alice_home)
    try:
        tmux.wait_for("you are alice")
        tmux.wait_for("Enter sends")
        tmux.type("/guidelines")
        tmux.keys("Enter")
        screen = tmux.wait_for("Guidelines — evening")
        assert "2. Listen first." in screen and "Edit the group's guidelines" not in screen
        tmux.keys("Escape")
        tmux.wait_until(lambda s: "Guidelines — evening" not in s, "the guidelines closed")
        tmux.type("/guidelines edit")
        tmux.keys("Enter")
        tmux.wait_for("Edit the group's guidelines")
        tmux.keys("C-Home")
        tmux.keys("C-End")
        tmux.keys("Enter")
        tmux.type("3. No crypto scams.")
        tmux.keys("C-s")
        tmux.wait_for("Guidelines updated")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()

    async def read() -> str:
        engine = await Engine.open(resolve_paths(pair.alice_home), PASSPHRASE)
        try:
            return engine.group(pair.group_id).guidelines
        finally:
            await engine.close()

    lines = [line for line in asyncio.run(read()).splitlines() if line.strip()]
    assert lines == ["1. Be kind.", "2. Listen first.", "3. No crypto scams."]


def test_the_country_question_waits_for_a_quiet_moment_and_never_takes_a_command(tmp_path, relay):
    home = tmp_path / "fresh"
    (resolve_paths(home).config_dir / "welcome-seen").touch()
    tmux = Tmux(terminal_env(home), width=80, height=24)
    try:
        tmux.type(f"{PEERTUI} --tui")
        tmux.keys("Enter")
        tmux.wait_for("Enter sends")
        # Typing at once, an unhurried 120 ms per key (over five seconds), while the first run
        # is still getting ready: the question must not open under the keys.
        tmux.type_slowly([*f"/host Tuesday circle {relay.url}", "Enter"], delay=0.12)
        tmux.wait_for("Host (Ctrl+S)")
        # Opening a new home takes seconds (the key derivation); the question used to come some
        # seconds after that, over whatever was open. Watched for eight seconds.
        deadline = time.monotonic() + 8.0
        while time.monotonic() < deadline:
            screen = tmux.screen()
            assert "Which country" not in screen, f"not over the Host form:\n{screen}"
            assert "Host (Ctrl+S)" in screen
            time.sleep(0.2)
        tmux.keys("Escape")
        screen = tmux.wait_for("Which country are you in")
        assert "does not know a country" not in tmux.everything()
        tmux.keys("Escape")  # skip
        tmux.wait_for("No country chosen")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


def test_a_delivered_message_typed_at_30_ms_per_key_loses_its_waiting_mark(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url)
    tmux = start_peertui(pair.alice_home)
    try:
        tmux.wait_for("you are alice")
        tmux.wait_for("Enter sends")
        for text in ("slow typed message at thirty ms", "and a second one after it"):
            tmux.type_slowly([*text, "Enter"])
            tmux.wait_for(f"alice: {text}")
        assert history_of(pair.bob_home, pair.group_id, wait_for=2)[-2:] == [
            "slow typed message at thirty ms",
            "and a second one after it",
        ]
        # The relay took both: neither line may still say it is waiting.
        tmux.wait_until(
            lambda s: "alice: and a second one after it" in s and "waiting to send" not in s,
            "both lines shown as sent",
        )
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


def test_a_late_queued_never_marks_a_delivered_line_as_waiting(tmp_path, relay):
    """The race the 30 ms typist met: a flush already under way delivers the message (told
    "received", seq > 0) before the send that wrote it reports "queued"; and both told in one
    batch. The real home screen of the real app, given the engine's events in those orders."""

    from peertui.tui.app import PeertuiApp

    pair = make_pair(tmp_path, relay.url)
    paths = resolve_paths(pair.alice_home)
    (paths.config_dir / "welcome-seen").touch()
    (paths.config_dir / "country-asked").touch()
    app = PeertuiApp(paths)
    asyncio.run(_late_queued(app, pair))


async def _late_queued(app, pair) -> None:
    from dataclasses import replace

    from peertui.core import events as ev

    from .conftest import wait_for
    from .screen_text import screen_text

    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "you are alice" in screen_text(app), what="the group")
        home = app._home()
        assert home is not None
        sent = await app.ready_engine().send(pair.group_id, "first one, delivered")
        assert sent.seq > 0
        await wait_for(
            pilot, lambda: "alice: first one, delivered" in screen_text(app), what="the line"
        )
        await pilot.pause(0.3)  # the engine's own events for it are all handled
        queued = replace(sent, seq=0)
        # Delivered, then a late "queued" for the same message.
        home.handle_events([ev.MessageQueued(pair.group_id, queued)])
        await pilot.pause(0.2)
        assert "first one, delivered (waiting to send)" not in screen_text(app)
        # Queued and delivered told in one batch: the line ends up delivered.
        second = await app.ready_engine().send(pair.group_id, "second one")
        fresh = replace(second, msg_id="f" * 32)
        home.handle_events(
            [
                ev.MessageQueued(pair.group_id, replace(fresh, seq=0)),
                ev.MessageReceived(pair.group_id, fresh),
            ]
        )
        await pilot.pause(0.2)
        text = screen_text(app)
        assert "second one (waiting to send)" not in text and "second one" in text


def test_at_60x20_the_hidden_members_panel_says_how_to_see_them(tmp_path, relay):
    pair = make_pair(tmp_path, relay.url)
    tmux = start_peertui(pair.alice_home, width=60, height=20)
    try:
        screen = tmux.wait_for("Enter sends")
        tmux.wait_for("see /members")
        tmux.wait_for("you are alice")
        tmux.type("/members")
        tmux.keys("Enter")
        screen = tmux.wait_for("Members — evening")
        assert "bob" in screen and "alice" in screen
        tmux.keys("Escape")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()
