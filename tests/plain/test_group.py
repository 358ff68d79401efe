"""Two people in plain mode on a real relay: host, invite, join, approve, talk."""

from __future__ import annotations

import pytest
from tests.plain.people import message_lines, start_pair

pytestmark = pytest.mark.timeout(90)


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
    # In another current group, messages name the group they belong to.
    host.run(f"/host Second room {relay.url}", "-- Second room is ready")
    guest.type("are you still there?")
    host.expect_exact("[Tuesday circle] #")
    host.expect_exact(" robin: are you still there?")
    host.run("/groups", "1. Tuesday circle - active, owner")
    host.expect_exact("2. Second room - active, owner")
    host.run("/switch tues", "-- Current group: Tuesday circle.")
    host.type("yes, here")
    guest.expect_exact("host: yes, here")
    said += [(guest, "robin", "are you still there?"), (host, "host", "yes, here")]
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


def test_message_typed_while_the_relay_is_down_is_sent_once_it_returns(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)
    relay.kill()
    guest.type("typed while the relay was down")
    guest.expect(r"-- Not connected: message #\d+ is saved")
    relay.restart()
    for user in (host, guest):
        user.expect_exact("robin: typed while the relay was down", timeout=40)
    guest.type("and this one after")
    host.expect_exact("robin: and this one after")
    assert host.quit() == 0
    assert guest.quit() == 0
    for user in (host, guest):
        assert len(message_lines(user, "robin", "typed while the relay was down")) == 1
