"""Two people in plain mode on a real relay: host, invite, join, approve, talk."""

from __future__ import annotations

import pytest
from tests.plain.people import INVITE_LINE, message_lines, start_pair

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
    # /search shows a message again on purpose; live delivery is counted without it.
    searched_from = len(host.transcript)
    host.run("/search long week", "-- 1 message(s) found.")
    host.expect_exact("robin: thank you, it has been a long week")
    exported = host.home.parent / "circle.txt"
    host.run(f"/export {exported}", "That file is not encrypted.")
    assert "take your time" in exported.read_text(encoding="utf-8")
    searched = (searched_from, len(host.transcript))
    host.type("yes, here")
    guest.expect_exact("host: yes, here")
    said += [(guest, "robin", "are you still there?"), (host, "host", "yes, here")]
    assert host.quit() == 0
    assert guest.quit() == 0
    for user in (host, guest):
        for _speaker, nick, text in said:
            skip = searched if user is host else (0, 0)
            assert len(message_lines(user, nick, text.replace("\x1b", ""), skip)) == 1, (nick, text)
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


def test_deny_with_a_reason_and_leave(plain_user):
    host = plain_user("host").ready()
    host.run("/host Quiet room", "-- Quiet room is ready")
    host.type("/invite")
    token = host.expect(INVITE_LINE).group(1)
    asker = plain_user("asker").ready()
    asker.type(f"/join {token}")
    asker.run("kit", "-- Asked to join as 'kit'")
    host.expect_exact("-- kit asks to join.")
    host.run("/deny kit the group is full this week", "-- Declined kit's request")
    asker.expect_exact("was declined: the group is full this week")

    guest = plain_user("guest").ready()
    guest.run(f"/join {token} robin", "-- Asked to join as 'robin'")
    host.expect_exact("-- robin asks to join.")
    host.run("/approve robin", "-- Approved robin")
    guest.expect_exact("-- You are now a member of Quiet room.")
    guest.run("/leave", "?? Leave Quiet room?")
    guest.run("n", "-- Stayed.")
    guest.run("/leave", "?? Leave Quiet room?")
    guest.run("y", "-- You left Quiet room.")
    host.expect_exact("robin left.")
    guest.run("hello?", "!! You are not in a group yet")
    for user in (host, asker, guest):
        assert user.quit() == 0
