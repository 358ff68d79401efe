"""Issue 10, items 5 and 7, with every part a real program: the TUI binary in tmux, plain mode
in a pseudo-terminal (pexpect), the relay on loopback.

Item 7: a message waiting for slow mode that can no longer go out (read-only turned on) comes
back into the TUI's composer with the reason in words, and is still there after a restart.
Item 5: moderation actions done in the TUI are announced once, by nickname (never a raw member
id), and the TUI's moderation log has the same lines as plain mode's /modlog."""

from __future__ import annotations

import pytest
from tests.plain.people import PlainUser

from .conftest import PASSPHRASE
from .tmux import make_pair, start_peertui

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def plain(tmp_path):
    started: list[PlainUser] = []

    def start(home) -> PlainUser:
        user = PlainUser(home, passphrase=PASSPHRASE, timeout=30)
        started.append(user)
        return user.ready()

    yield start
    for user in started:
        user.close()
        print(f"===== {user.home.name} (plain) =====\n{user.transcript}")


def test_a_returned_waiting_message_is_in_the_composer_and_survives_a_restart(
    tmp_path, relay, plain
):
    pair = make_pair(tmp_path, relay.url)
    host = plain(pair.alice_home)
    bob = start_peertui(pair.bob_home, width=120, height=36)
    try:
        bob.wait_for("you are bob")
        bob.wait_for("connected")
        host.run("/slowmode 30", "alice (owner) set slow mode to 30 seconds")
        bob.wait_for("slow mode 30 s")
        bob.type("first under slow mode")
        bob.keys("Enter")
        bob.wait_for("bob: first under slow mode")
        bob.type("this one has to wait")
        bob.keys("Enter")
        bob.wait_for("this one has to wait (waiting to send)")
        host.run("/readonly on", "alice (owner) set read-only on")
        # The reason in words, in the conversation (it stays there after the pop-up has gone).
        screen = bob.wait_until(
            lambda s: "Your words: this one has to wait" in conversation_text(s),
            "the waiting message said to be returned",
            timeout=40,
        )
        said = conversation_text(screen)
        assert "Could not send a waiting message: The group is read-only" in said, screen
        assert "It is back in the message box" in said, screen
        assert "this one has to wait" in composer_text(screen), screen
        bob.keys("C-q")
        bob.wait_until_shell_runs()
    finally:
        bob.close()

    # Started again, the words are where the member left them: in the message box.
    again = start_peertui(pair.bob_home, width=120, height=36)
    try:
        again.wait_for("you are bob")
        screen = again.wait_until(
            lambda s: "this one has to wait" in composer_text(s),
            "the returned words back in the message box after a restart",
        )
        assert "(waiting to send)" not in screen, "nothing is sent again by itself"
        again.keys("C-q")
        again.wait_until_shell_runs()
    finally:
        again.close()
    assert "bob: this one has to wait" not in host.transcript
    assert host.quit() == 0


def conversation_text(screen: str) -> str:
    """The conversation pane's rows joined into one line of words (wrapped lines rejoined)."""
    rows = [row.split("││")[1] for row in screen.splitlines() if row.count("││") >= 2]
    return " ".join(" ".join(row.strip("│ ▶").split()) for row in rows)


def composer_text(screen: str) -> str:
    """What is in the message box: the row under its "Focus:" or top edge."""
    rows = screen.splitlines()
    top = next(i for i, row in enumerate(rows) if "▊▔" in row)
    return rows[top + 1].split("▊", 1)[1].rstrip("│ ▎")
