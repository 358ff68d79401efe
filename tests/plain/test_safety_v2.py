"""Issue 10, items 5 and 6 in plain mode: quick exit, safety commands at the passphrase question,
settings by command, folds, hiding one message, one announcement per event."""

from __future__ import annotations

import time

import pexpect
import pytest
from tests.plain.people import PASSPHRASE, start_pair

pytestmark = pytest.mark.timeout(120)

CLEAR = "\x1b[3J\x1b[2J\x1b[H\x1b[3J"


def make_home(plain_user, name: str = "home") -> None:
    """A home that exists and needs the passphrase typed (no environment variable)."""
    first = plain_user(name, passphrase=None)
    first.expect_exact("-- Choose a passphrase")
    first.expect_exact("?? Passphrase (")
    first.type(PASSPHRASE)
    first.expect_exact("?? The same passphrase again?")
    first.type(PASSPHRASE)
    first.ready()
    assert first.quit() == 0


def test_crisis_and_grounding_at_the_passphrase_question_are_not_wrong_passphrases(plain_user):
    make_home(plain_user)
    user = plain_user("home", passphrase=None)
    user.expect_exact("?? Passphrase (not shown as you type; /crisis, /ground, /x work here)?")
    user.type("/crisis GB")
    user.expect_exact("United Kingdom (GB) emergency: 999 or 112")
    user.expect_exact("Samaritans: call 116 123")
    user.expect_exact("?? Passphrase (")
    user.type("/plan")
    user.expect_exact("-- Your safety plan is kept encrypted on this computer")
    user.expect_exact("?? Passphrase (")
    user.type("/ground box")
    user.expect_exact("(press Enter for the next step, /stop to stop)")
    user.type("/stop")
    user.expect_exact("-- Box breathing stopped.")
    user.expect_exact("?? Passphrase (")
    user.type(PASSPHRASE)
    user.ready()
    assert user.quit() == 0
    assert "Wrong passphrase" not in user.transcript
    assert PASSPHRASE not in user.transcript


def test_quick_exit_clears_the_screen_and_scrollback(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)
    host.type("something private on screen")
    guest.expect_exact("host: something private on screen")
    started = time.monotonic()
    guest.type("/x")
    guest.child.expect(pexpect.EOF, timeout=10)
    guest.child.close()
    assert guest.child.exitstatus == 0
    assert time.monotonic() - started < 8
    # The very last thing written clears the screen and the scrollback, like the TUI's F12.
    assert guest.transcript.endswith(CLEAR)
    # Ctrl+\ does the same at any moment, here at the passphrase question.
    make_home(plain_user, "other")
    locked = plain_user("other", passphrase=None)
    locked.expect_exact("?? Passphrase (")
    locked.child.sendcontrol("\\")
    locked.child.expect(pexpect.EOF, timeout=10)
    locked.child.close()
    assert locked.child.exitstatus == 0
    assert locked.transcript.endswith(CLEAR)
    assert host.quit() == 0


def test_every_setting_is_shown_and_set_by_command(plain_user, tmp_path):
    user = plain_user(offline=True).ready()
    user.type("/settings")
    for name in (
        "theme", "reduced_motion", "country", "language", "history_retention_days", "proxy",
        "keybindings", "plain_prefixes", "read_digits",
    ):  # fmt: skip
        user.expect_exact(f"  {name} = ")
    user.run("/set country gb", "-- Saved: country = GB.")
    user.run("/crisis", "United Kingdom (GB) emergency: 999 or 112")
    user.run("/set retention 30", "-- Saved: history_retention_days = 30.")
    user.run("/set proxy ftp://nope", "!! Setting 'proxy' must be a URL starting with socks5://")
    user.run("/set proxy socks5://127.0.0.1:9050", "-- Saved: proxy = socks5://127.0.0.1:9050.")
    user.run("/set keys peertui.crisis ctrl+l", "-- Saved: keybindings = peertui.crisis=ctrl+l.")
    user.run("/set language de", "-- Saved: language = de.")
    user.run("/set colour blue", "!! There is no setting 'colour'. The settings are:")
    user.run("/set digits on", "-- Saved: read_digits = on.")
    user.run("/crisis GB", "emergency: 9 9 9 or 1 1 2")
    user.run("/set digits off", "-- Saved: read_digits = off.")
    user.run("/set prefixes words", "Notice: Saved: plain_prefixes = words.")
    user.run("/hepl", "Error: There is no command /hepl.")
    assert user.quit() == 0
    config = (tmp_path / "home" / "config.toml").read_text(encoding="utf-8")
    for line in (
        'country = "GB"', 'language = "de"', 'plain_prefixes = "words"',
        '"peertui.crisis" = "ctrl+l"',
    ):  # fmt: skip
        assert line in config, config
    # The proxy (it says Tor is used) and the retention are kept in the encrypted store.
    assert "socks5" not in config and "retention" not in config, config
    again = plain_user(offline=True)
    again.expect_exact("Notice: peertui plain mode.")
    again.type("/settings")
    again.expect_exact("  history_retention_days = 30 ")
    again.expect_exact("  proxy = socks5://127.0.0.1:9050 ")
    assert again.quit() == 0


def test_folds_hiding_one_message_and_moderation_said_once_with_nicknames(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)
    # Only method details fold a message; a cry for help is shown with a note for the reader.
    guest.type("I have 40 paracetamol counted out for tonight")
    number = host.expect(
        r"#(\d+) robin: \[folded: may describe a method of self-harm\] /open \d+ shows it"
    ).group(1)
    host.run(f"/open {number}", f"#{number} robin: I have 40 paracetamol counted out for tonight")
    guest.type("I am going to end my life tonight")
    cry = host.expect(r"#(\d+) robin: I am going to end my life tonight").group(1)
    host.expect_exact("-- The writer may be in crisis. You could reply with care")
    host.expect_exact(f"/report {cry} tells the moderators")
    guest.type("a message to hide")
    hidden = host.expect(r"#(\d+) robin: a message to hide").group(1)
    host.run(f"/hide {hidden}", f"-- Message #{hidden} is hidden for you only; /open {hidden}")
    host.run("/history 5", f"#{hidden} robin: [hidden: you hid this message] /open {hidden}")
    host.run("/mute robin 5 a pause", "-- Moderation: host (owner) muted robin until ")
    host.type("/modlog")
    host.expect(r"  #\d+ \d{4}-\d\d-\d\d \d\d:\d\d UTC host \(owner\) admitted robin\r\n")
    host.expect(
        r"  #\d+ \d{4}-\d\d-\d\d \d\d:\d\d UTC host \(owner\) muted robin until .* UTC: a pause"
    )
    guest.expect_exact("-- Moderation: host (owner) muted robin until ")
    for user in (host, guest):
        assert user.quit() == 0
        # Each event is announced once, and people are named by nickname, never member-<id>.
        assert user.transcript.count("admitted robin.") == (1 if user is host else 0)
        assert "member-" not in user.transcript
    assert "Approved robin" not in host.transcript
