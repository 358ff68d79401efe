"""What a fresh-eyes tester found in plain mode, typed through a real pty on a real relay:
a pasted invite broken over spaces, thanking oneself, `/slowmode off`, the safety plan's crisis
lines, and the moderation log keeping the names people had at the time."""

from __future__ import annotations

import re

import pytest
from tests.plain.people import host_group, invite_of, start_pair

pytestmark = pytest.mark.timeout(150)


def test_an_invite_broken_by_spaces_is_read_whole_and_the_last_word_is_the_nickname(
    plain_user, relay
):
    host = plain_user("host").ready()
    token = host_group(host, relay.url)
    guest = plain_user("guest").ready()
    pieces = " ".join(token[i : i + 40] for i in range(0, len(token), 40))
    guest.type(f"/join {pieces} river")
    guest.expect_exact("?? Do you accept these guidelines: yes or no?")
    guest.type("yes")
    guest.expect_exact("-- Asked to join as 'river'")
    host.expect_exact("-- river asks to join. Type /approve river")


def test_thanking_ones_own_message_is_refused_in_words(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)
    host.type("my own words")
    number = host.expect(r"#(\d+) host: my own words").group(1)
    guest.expect_exact("host: my own words")
    host.run(f"/thanks {number}", "!! That is your own message")
    # Someone else's thanks still works, and nobody was told "host thanked host".
    guest.run(f"/thanks {number}", f"for message #{number}.")
    host.expect_exact(f"-- robin thanked you for message #{number}.")
    assert "host thanked host" not in host.transcript + guest.transcript


def test_slowmode_off_is_understood_like_readonly_off(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)
    host.run("/slowmode 5", "host (owner) set slow mode to 5 seconds")
    host.run("/slowmode off", "host (owner) set slow mode off")
    guest.expect_exact("host (owner) set slow mode off")
    host.run("/slowmode soon", "!! ")
    assert "Usage: /slowmode <seconds>|off" in host.transcript


def test_the_safety_plan_shows_the_countrys_crisis_lines_in_step_five(plain_user):
    user = plain_user("home").ready()
    user.run("/set country SG", "-- Saved: country = SG.")
    user.type("/plan")
    user.expect_exact("7. ")
    step = user.transcript.split("5. ")[-1].split("6. ")[0]
    assert "(nothing written yet)" not in step, step
    assert re.search(r"\d{3}", step), f"a crisis line with its number: {step!r}"


def test_the_moderation_log_reads_the_same_for_every_member_after_a_rename(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)
    # A second member is admitted while robin is in the group: robin's notice names nobody by
    # a raw member id (the newcomer's profile has not arrived at that moment).
    token = invite_of(host)
    river = plain_user("river").ready()
    river.join(token, "river")
    host.expect_exact("-- river asks to join. Type /approve river")
    host.run("/approve river", "-- Moderation: host (owner) admitted river.")
    guest.expect(r"-- Moderation: host \(owner\) admitted (river|a new member)\.")
    river.expect_exact("-- You are now a member of Tuesday circle.")

    host.run("/nick hostie", "hostie")
    guest.expect_exact("hostie")  # the new nickname has reached robin

    def admit_lines(person) -> list[str]:
        person.type("/modlog")
        person.expect(r"admitted river\r\n")
        log = person.transcript.replace("\r\n", "\n").split("/modlog\n")[-1]
        return [line for line in log.split("\n") if "admitted" in line]

    # Today's names, the same words for the host and for a member (names from before someone
    # joined are not known to everyone, so the log does not use them).
    host_lines, guest_lines = admit_lines(host), admit_lines(guest)
    assert any("hostie (owner) admitted river" in line for line in host_lines), host_lines
    assert [line.split(" ", 1)[1] for line in host_lines if "river" in line] == [
        line.split(" ", 1)[1] for line in guest_lines if "river" in line
    ]
    assert "member-" not in guest.transcript.split("/modlog")[-1]


def test_in_spanish_the_country_question_names_the_country_as_f1_does(plain_user):
    user = plain_user("es", offline=True, ask_country=True, lang="es_ES.UTF-8")
    user.expect_exact("España")
    user.type("")
    user.expect_exact("España (ES)")
    user.run("/crisis", "España")
    assert "Spain" not in user.transcript
    assert "libphonenumber emergency-number table" not in user.transcript
    assert user.quit() == 0
