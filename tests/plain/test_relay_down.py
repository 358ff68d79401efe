"""The relay goes away while a member writes: one notice says so and that messages wait, each
message says once that it is queued, and its line is printed only when the relay took it.

Before, plain mode printed the relay notice, then "Could not send yet: ... check the address
and your connection, then try again" (while the first said peertui keeps trying by itself),
then "Not connected: ... saved": three notices, two contradicting each other.
"""

from __future__ import annotations

import re

import pytest
from tests.plain.people import message_lines, start_pair

pytestmark = pytest.mark.timeout(120)

WRITTEN = ("first while the relay is down", "second while the relay is down")


def test_relay_down_is_said_once_and_messages_are_shown_when_accepted(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)
    relay.kill()
    guest.expect_exact("-- The relay of Tuesday circle is not reachable", timeout=30)
    for text in WRITTEN:
        guest.type(text)
        guest.expect(r"-- Not connected: message #(\d+) is saved")
    before_restart = len(guest.transcript)
    relay.restart()
    for user in (host, guest):
        for text in WRITTEN:
            user.expect_exact(f"robin: {text}", timeout=60)
    assert host.quit() == 0
    assert guest.quit() == 0

    down = guest.transcript[:before_restart]
    said = [line for line in guest.lines() if "not reachable" in line]
    assert len(said) == 1, said
    assert "messages you write wait" in said[0]
    # Back: said once, before or after the waiting messages' lines.
    assert guest.transcript.count("Connected to the relay of Tuesday circle again.") == 1
    assert "Could not send yet" not in guest.transcript
    assert "then try again" not in guest.transcript
    queued = re.findall(r"-- Not connected: message #\d+ is saved[^\r\n]*", guest.transcript)
    assert len(queued) == len(WRITTEN)
    assert all("sent when the relay is back" in line for line in queued)
    for text in WRITTEN:
        # Not shown as sent while the relay was away; one line once it took the message.
        assert not re.search(rf"#\d+ robin: {re.escape(text)}", down)
        assert len(message_lines(guest, "robin", text)) == 1
        assert len(message_lines(host, "robin", text)) == 1
