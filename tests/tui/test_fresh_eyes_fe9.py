"""What the ninth fresh-eyes tester found in the TUI, with the real binary in tmux, a plain
host in a pty and the relay on loopback: at 80x24 a request waiting for approval was said
twice in the status line ("unnamed group (waiting for approval): you are robin · waiting for
approval") and twice in the groups list."""

from __future__ import annotations

import pytest
from nacl.signing import SigningKey
from tests.plain.people import host_group

from peertui.core.crypto import Invite

from .test_guidelines_and_sanctions_tmux import ask_to_join, flat, wait_words
from .tmux import start_peertui

pytestmark = pytest.mark.timeout(180)


def test_waiting_for_approval_is_said_once_in_the_status_line_and_the_list(tmp_path, relay, plain):
    host = plain(tmp_path / "host")
    token = host_group(host, relay.url)
    ask_to_join(tmp_path / "river", token, "river")
    host.expect_exact("-- river asks to join.")
    river = start_peertui(tmp_path / "river", width=80, height=24)
    try:
        screen = river.wait_for("you are river")
        rows = screen.splitlines()
        top = next(i for i, row in enumerate(rows) if row.startswith("╭"))
        status = flat("\n".join(rows[:top]))
        assert status.count("waiting for approval") == 1, screen
        sidebar = flat("\n".join(row[:20] for row in rows[top:]))
        assert sidebar.count("waiting for approval") == 1, screen
        river.keys("C-q")
        river.wait_until_shell_runs()
    finally:
        river.close()


def test_a_refused_plaintext_keyring_is_not_called_no_keyring(tmp_path, monkeypatch):
    """keyrings.alt's plaintext file answers as the keyring, and peertui refuses it: the notice
    names it, so the new-passphrase dialog must not say there is no keyring at all."""
    from peertui.paths import resolve_paths

    from .tmux import PEERTUI, Tmux, terminal_env

    monkeypatch.delenv("PEERTUI_PASSPHRASE", raising=False)  # tmux passes the test's environment
    home = tmp_path / "home"
    for marker in ("welcome-seen", "country-asked"):
        (resolve_paths(home).config_dir / marker).touch()
    env = terminal_env(home)
    del env["PEERTUI_PASSPHRASE"]
    env["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    tmux = Tmux(env, 80, 24)
    try:
        tmux.type(f"{PEERTUI} --tui")
        tmux.keys("Enter")
        screen = tmux.wait_for("Create a passphrase")
        assert "no system keyring" not in flat(screen), screen
        assert "no usable system keyring" in flat(screen), screen
        secret = "river stones at dusk"
        tmux.type(secret)
        tmux.keys("Enter")
        tmux.type(secret)
        tmux.keys("Enter")
        screen = tmux.wait_for("PlaintextKeyring")  # the notice says which keyring, and why
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


def test_an_exercise_with_no_clock_offers_no_seconds_per_count(tmp_path):
    """5-4-3-2-1 says "There is no clock"; its intro offered "press 2, 3 or 4 for counts of
    that many seconds" all the same, and pressing 3 claimed "Own pace: 3-second counts"."""
    tmux = start_peertui(tmp_path / "home", width=60, height=20)
    try:
        tmux.wait_for("F1 crisis")
        tmux.keys("F2")
        tmux.wait_for("choose an exercise")
        tmux.keys("Enter")  # the five senses come first
        screen = tmux.wait_for("Press Enter to begin")
        assert "There is no clock" in flat(screen), screen
        assert "Your own pace" not in flat(screen), screen
        tmux.keys("3", "Enter")
        screen = tmux.wait_until(lambda s: "Press Enter to begin" not in s, "the first step")
        assert "3-second counts" not in flat(screen), screen
        tmux.keys("Escape")
        tmux.wait_until(lambda s: "There is no clock" not in s, "the exercise stopped")
        tmux.keys("Escape")
        tmux.wait_until(lambda s: "choose an exercise" not in s, "back home")
        tmux.keys("F2")
        tmux.wait_for("choose an exercise")
        tmux.keys("Down", "Enter")  # box breathing is timed: the pace is offered
        screen = tmux.wait_until(lambda s: "Your own pace" in flat(s), "the pace offered")
        tmux.keys("F12")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


def test_enter_that_arrives_as_a_line_feed_moves_a_form_on(tmp_path):
    """Keys typed while peertui starts, before the terminal is in raw mode, have their Enter
    turned into a line feed, which Textual reads as Ctrl+J: F5, an invite, Enter and a nickname
    typed at once put the nickname in the invite field, and no verdict was said. Ctrl+J is
    sent here on purpose, the app up, so the test does not race the terminal's mode.

    A damaged invite keeps the focus, decided with the key: what is typed after it goes on
    into the invite, all of it (when the form took the focus back after its check, and a
    nickname typed meanwhile was split between the two fields)."""
    token = Invite.create("http://127.0.0.1:9", bytes(SigningKey.generate().verify_key)).token()
    tmux = start_peertui(tmp_path / "home", width=80, height=24)
    try:
        tmux.wait_for("No groups yet")
        tmux.keys("F5")
        tmux.wait_for("Join a group")
        tmux.type("abc")
        tmux.keys("C-j")
        tmux.type("wren")
        # (The verdict is shown, and taken away by the next letter: it was about "abc".)
        tmux.wait_until(lambda s: "abcwren" in s, "what was typed after Enter, in the invite")
        for _ in "abcwren":
            tmux.keys("BSpace")
        tmux.type(token)
        tmux.keys("C-j")
        tmux.type("wren")
        screen = wait_words(tmux, "The invite is whole")
        rows = screen.splitlines()
        invite_row = next(i for i, row in enumerate(rows) if "Invite (starts with" in row) + 2
        assert "wren" not in rows[invite_row], screen
        tmux.wait_until(
            lambda s: any("wren" in row and "▊" in row for row in s.splitlines()[invite_row + 1 :]),
            "the nickname typed after Enter, in the nickname's field",
        )
        tmux.keys("Escape")
        tmux.wait_until(lambda s: "Join a group" not in s, "the form closed")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


def test_a_line_that_wraps_once_the_scrollbar_shows_keeps_its_last_words(tmp_path, relay, plain):
    """At 60x20 a conversation that fills the pane gets a scrollbar two columns wide, with no
    resize: lines wrapped for the wider width kept their heights, and one that now needs a
    second row lost its last word ("#5 host: message while relay", no "down")."""
    host = plain(tmp_path / "host")
    token = host_group(host, relay.url)
    ask_to_join(tmp_path / "river", token, "river")
    host.expect_exact("-- river asks to join.")
    host.run("/approve river", "admitted river.")
    for n in range(1, 10):
        host.run(f"filler {n}", f"host: filler {n}")
    # "  #10 host: " and these 23 characters fill 35 columns: one row of the 36 the pane's
    # lines have (38 less the option's padding), two of the 34 left beside the scrollbar.
    # Not the last line: the highlighted one is drawn again with its marker, at the width of
    # that moment.
    last = "the last word: pinecone"
    host.run(last, f"host: {last}")
    for n in range(10, 13):
        host.run(f"filler {n}", f"host: filler {n}")
    first = start_peertui(tmp_path / "river", width=60, height=20)
    try:
        first.wait_for("filler 12")
        first.keys("C-q")
        first.wait_until_shell_runs()
    finally:
        first.close()
    # Opened again, the conversation comes from the history all at once.
    river = start_peertui(tmp_path / "river", width=60, height=20)
    try:
        river.wait_for("filler 12")
        screen = river.wait_until(lambda s: "pinecone" in s, "the message's last word")
        assert "the last word:" in screen, screen
        river.keys("C-q")
        river.wait_until_shell_runs()
    finally:
        river.close()
