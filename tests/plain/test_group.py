"""Two people in plain mode on a real relay: host, invite, join, approve, talk."""

from __future__ import annotations

import pytest
from tests.plain.people import invite_of, message_lines, start_pair

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
    host.run("/search long week", "-- 1 message found.")
    host.expect_exact("robin: thank you, it has been a long week")
    host.run("/search zebra crossing", "-- Nothing found in your history.")  # the app's words
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
    host.expect(r"#(\d+) robin: \[content warning: loss\] /open \d+ shows it")
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
        # One line when the relay goes away and one when it is back, however long it took.
        assert user.transcript.count("is not reachable; peertui keeps trying by itself") == 1
        assert user.transcript.count("Connected to the relay of Tuesday circle again.") == 1


def test_deny_with_a_reason_and_leave(plain_user):
    host = plain_user("host").ready()
    host.run("/host Quiet room", "-- Quiet room is ready")
    token = invite_of(host)
    asker = plain_user("asker").ready()
    asker.run(f"/join {token}", "?? Do you accept these guidelines: yes or no?")
    asker.run("yes", "?? Nickname to use in this group (one word, or /cancel)?")
    asker.run("kit", "-- Asked to join as 'kit'")
    host.expect_exact("-- kit asks to join.")
    host.run("/deny kit the group is full this week", "-- Declined kit's request")
    asker.expect_exact("was declined: the group is full this week")

    guest = plain_user("guest").ready()
    guest.join(token)
    guest.expect_exact("-- Asked to join as 'robin'")
    host.expect_exact("-- robin asks to join.")
    host.run("/approve robin", "-- Moderation: host (owner) admitted robin.")
    guest.expect_exact("-- You are now a member of Quiet room.")
    guest.run("/leave", "?? Leave Quiet room: yes or no?")
    guest.run("n", "-- Stayed in Quiet room.")
    guest.run("/leave", "?? Leave Quiet room: yes or no?")
    guest.run("y", "-- You left Quiet room.")
    guest.run("n", "-- Quiet room's history stays on this device.")
    host.expect_exact("robin left.")
    guest.run("hello?", "!! You are not in a group yet")
    for user in (host, asker, guest):
        assert user.quit() == 0


def test_join_requests_survive_a_restart_and_bad_input_is_refused_in_words(plain_user, relay):
    host = plain_user("host").ready()
    host.run(f"/host Evening group {relay.url}", "-- Evening group is ready")
    token = invite_of(host)

    asker = plain_user("asker").ready()
    # A damaged invite is refused before any question is asked.
    asker.run("/join peertui:garbage", "!! That invite does not work")
    # A command typed at the nickname question is not taken as a nickname.
    asker.run(f"/join {token}", "?? Do you accept these guidelines: yes or no?")
    asker.run("yes", "?? Nickname to use in this group")
    asker.run("/members", "!! A question is open, so this did not run: /members.")
    asker.expect_exact("?? Nickname to use in this group")
    asker.run("kit", "-- Asked to join as 'kit'")
    host.expect_exact("-- kit asks to join. Type /approve kit")
    assert host.quit() == 0

    # After a restart the request is announced again and /requests and /approve find it.
    again = plain_user("host").ready()
    again.expect_exact("-- kit asks to join. Type /approve kit")
    again.type("/requests")
    again.expect(r"\n  kit, id \w+, asked \d{4}-\d\d-\d\d \d\d:\d\d UTC, no introduction\r\n")
    again.run("/approve kit", "-- Moderation: host (owner) admitted kit.")
    asker.expect_exact("-- You are now a member of Evening group.")
    asker.type("hello everyone")
    again.expect_exact("kit: hello everyone")
    # Printed means read: the current group shows no unread count.
    again.type("/groups")
    listed = again.expect(r"\n  1\. Evening group - ([^\r]*)\r\n").group(1)
    assert "current" in listed and "unread" not in listed
    again.run("/history 0", "!! Ask for 1 message or more. Usage: /history [n]")
    asker.run("/leave", "?? Leave Evening group: yes or no?")
    asker.run("y", "-- You left Evening group.")
    again.expect_exact("kit left.")
    assert again.quit() == 0
    assert asker.quit() == 0

    assert "?? Nickname" not in asker.transcript.split("/join peertui:garbage")[1].split(token)[0]
    assert "Asked to join as '/members'" not in asker.transcript
    assert asker.transcript.count("You left") == 1
    # The first line that interrupts the prompt comes with the reprint hint, once per run.
    assert host.transcript.count("-- Tip: if you were typing when this arrived") == 1
    # The group's guidelines are the general ones kit accepted at /join: not shown again.
    assert "Group guidelines:" not in asker.transcript


def test_profile_thanks_and_the_current_group_survives_a_restart(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)
    guest.run(
        "/profile they/them | here for the Tuesday chats",
        "Your profile in Tuesday circle is updated",
    )
    host.type("glad you are here")
    number = guest.expect(r"#(\d+) host: glad you are here").group(1)
    guest.run(f"/thanks {number}", f"Thanked host for message #{number}.")
    host.expect_exact(f"-- robin thanked you for message #{number}.")
    host.run("/members", "robin (member, they/them) id")
    host.expect_exact("- here for the Tuesday chats")
    # A second group becomes current; after a restart it is still the current one.
    host.run(f"/host Second room {relay.url}", "-- Second room is ready")
    assert host.quit() == 0
    again = plain_user("host").ready()
    again.expect_exact("-- Current group: Second room.")
    assert again.quit() == 0


def test_a_refused_message_is_given_back_and_a_bad_nickname_is_asked_again(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)
    host.run("/readonly on", "-- Moderation: host (owner) set read-only on.")
    guest.expect_exact("-- Moderation: host (owner) set read-only on.")
    guest.type("can I still talk here")
    guest.expect(r"!! .*read-only")
    guest.expect_exact(
        "  Not sent; kept as your draft (/draft send sends it later): can I still talk here"
    )
    # A second person joining types a nickname that is not allowed: asked again, not dropped.
    host.type("/invite")
    token = host.expect(r"\n(peertui:\S+)\r\n").group(1)
    third = plain_user("third").ready()
    third.type(f"/join {token}")
    third.run("yes", "?? Nickname to use in this group")
    third.type("two words")
    third.expect_exact("!! A nickname is one word")
    third.expect_exact("?? Nickname to use in this group")
    third.type("wren")
    third.expect_exact("-- Asked to join as 'wren'")
