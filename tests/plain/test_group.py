"""Two people in plain mode on a real relay: host, invite, join, approve, talk."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.timeout(90)

INVITE = re.compile(r"\n(peertui:\S+)\r?\n")


def message_lines(user, nick: str, text: str) -> list[str]:
    """Printed lines carrying this message (the terminal's echo of typed input has no nick)."""
    return [
        line
        for line in user.lines()
        if re.fullmatch(rf"(\[[^\]]*\] )?#\d+ {re.escape(nick)}: {re.escape(text)}", line)
    ]


def start_pair(plain_user, relay_url: str | None):
    host = plain_user("host").ready()
    host.type(f"/host Tuesday circle {relay_url}" if relay_url else "/host Tuesday circle")
    host.expect_exact("-- Tuesday circle is ready")
    host.type("/invite")
    host.expect_exact("-- Invite for Tuesday circle")
    token = host.expect(r"\n(peertui:\S+)\r\n").group(1)

    guest = plain_user("guest").ready()
    guest.type(f"/join {token} robin")
    guest.expect_exact("-- Asked to join as 'robin'")
    host.expect_exact("-- robin asks to join. Type /approve robin to let them in")
    host.type("/approve robin")
    host.expect_exact("-- Approved robin in Tuesday circle.")
    guest.expect_exact("-- You are now a member of Tuesday circle.")
    return host, guest


def test_host_invite_join_approve_and_talk(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)

    said = [
        (host, "host", "welcome robin, glad you found us"),
        (guest, "robin", "thank you, it has been a long week"),
        (host, "host", "take your time"),
        (guest, "robin", "a line with an escape \x1b[2J inside"),
    ]
    for speaker, nick, text in said:
        speaker.type(text)
        shown = text.replace("\x1b", "")
        for user in (host, guest):
            user.expect_exact(f"{nick}: {shown}")

    guest.run("/members", "robin (member, you)")
    host.run("/groups", "1. Tuesday circle - active, owner")
    assert host.quit() == 0
    assert guest.quit() == 0
    for user in (host, guest):
        for _speaker, nick, text in said:
            assert len(message_lines(user, nick, text.replace("\x1b", ""))) == 1, (nick, text)
        assert "\x1b" not in user.transcript
        assert "Traceback" not in user.transcript


def test_embedded_relay_history_numbers_and_content_warning(plain_user):
    host, guest = start_pair(plain_user, None)

    guest.type("/cw loss | my dog died on sunday")
    host.expect(r"#(\d+) robin: \[content warning: loss\] /open \d+ to read")
    number = host.child.match.group(1)
    guest.expect_exact("robin: [content warning: loss]")
    host.run(f"/open {number}", f"#{number} robin: [content warning: loss] my dog died on sunday")
    host.type("so sorry")
    guest.expect_exact("host: so sorry")

    # History repeats the same numbers; it is not a second live delivery.
    host.type("/history 5")
    host.expect_exact(f"#{int(number) + 1} host: so sorry")
    assert host.quit() == 0
    assert guest.quit() == 0
