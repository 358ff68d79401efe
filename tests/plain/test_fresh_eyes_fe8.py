"""What the eighth fresh-eyes tester found in plain mode, typed through a real pty on a real
relay: a first run that never said what peertui is not, a removal told twice, and a Spanish
moderation line about a banned requester that read "expulsó a a un miembro"."""

from __future__ import annotations

import re

import pytest
from tests.e2e.faults import SmallDisk
from tests.plain.people import INVITE_LINE, PlainUser, admitted, host_group

pytestmark = pytest.mark.timeout(200)


def test_the_first_run_says_peer_support_not_a_crisis_service_and_what_the_relay_sees(
    plain_user,
):
    user = plain_user(offline=True, ask_country=True)
    user.expect_exact("?? Your country")
    user.run("skip", "/set country")
    user.run("/help", "/help settings")
    first = user.transcript
    # The TUI's first screen says these; a screen-reader user is told them too, once.
    for words in ("Peer support, not therapy.", "not a crisis service", "What the relay can see"):
        assert first.count(words) == 1, first
    assert "/crisis" in first.split("not a crisis service", 1)[1].split("\n", 1)[0], first
    assert user.quit() == 0
    again = plain_user(offline=True).ready()
    again.run("/help", "/help settings")
    assert "Peer support, not therapy." not in again.transcript, again.transcript
    assert again.quit() == 0


def test_a_removed_or_banned_member_is_told_once_what_it_means(plain_user, relay):
    host = plain_user("host").ready()
    token = host_group(host, relay.url)
    guest = plain_user("guest").ready()
    admitted(host, guest, token)
    guest.expect_exact("-- You are now a member of Tuesday circle.")
    host.run("/remove robin", "host (owner) removed robin.")
    guest.expect_exact("-- Moderation: host (owner) removed robin.")
    guest.expect_exact("still work.")
    # A line of its own after the sentence, so anything said about the removal has arrived.
    guest.run("/status", "Tuesday circle")
    guest.expect_exact("> ")
    said = guest.transcript.split("removed robin.", 1)[1]
    assert len(re.findall(r"You were removed from Tuesday circle", said)) == 1, said

    third = plain_user("third").ready()
    admitted(host, third, token, "wren")
    third.expect_exact("-- You are now a member of Tuesday circle.")
    host.run("/ban wren", "host (owner) banned wren.")
    host.run("no", "-- Open invites stay valid.")
    third.expect_exact("still work.")
    third.run("/status", "Tuesday circle")
    third.expect_exact("> ")
    said = third.transcript.split("banned wren.", 1)[1]
    assert len(re.findall(r"You were banned from Tuesday circle", said)) == 1, said


def test_a_banned_requester_reads_as_one_spanish_sentence(plain_user, relay):
    host = plain_user("host", lang="es_ES.UTF-8")
    host.expect_exact("-- peertui en modo sencillo.")
    host.expect_exact("> ")
    host.run(f"/host Noche {relay.url}", "-- Noche está listo")
    host.type("/invite")
    token = host.expect(INVITE_LINE).group(1)
    guest = plain_user("guest").ready()
    guest.join(token, "robin")
    guest.expect_exact("-- Asked to join as 'robin'")
    host.expect_exact("robin pide unirse")
    host.type("/ban robin")
    line = host.expect(r"-- Moderación: host \(dueño\) expulsó a ([^\r\n]*)\.\r\n").group(1)
    assert not line.startswith("a "), line  # the verb already carries Spanish's personal "a"
    assert line.startswith("alguien que pidió unirse"), line


def test_a_safety_plan_written_on_a_full_disk_is_kept_and_saved_once_there_is_space(tmp_path):
    disk = SmallDisk(tmp_path / "disk", size_kib=8192)
    assert disk.real, "needs root for a small tmpfs (the tests run as root)"
    user = PlainUser(disk.dir / "home", offline=True)
    try:
        user.ready()
        user.run("/plan", "1. Warning signs")  # unlocked: the home is set up on the disk
        disk.fill()
        user.run("/plan edit", "-- Step 1 of 7: Warning signs")
        user.run("cannot sleep", "?? Entry")
        for _step in range(7):  # an empty line finishes each step
            user.type("")
        user.expect_exact("!! The disk is full, so your safety plan was not saved")
        user.expect_exact("?? Try saving your safety plan again")
        said = user.transcript.split("Step 7 of 7", 1)[1]
        assert "internal error" not in said and "latest change" not in said, said
        disk.free()
        user.run("yes", "-- Safety plan saved")
        user.run("/plan", "cannot sleep")
        assert user.quit() == 0
    finally:
        user.close()
        print(user.transcript)
        disk.close()


def test_ban_after_remove_says_they_are_gone_and_how_to_stop_them_asking_again(plain_user, relay):
    host = plain_user("host").ready()
    token = host_group(host, relay.url)
    guest = plain_user("guest").ready()
    admitted(host, guest, token)
    guest.expect_exact("-- You are now a member of Tuesday circle.")
    host.run("/remove robin", "host (owner) removed robin.")
    start = len(host.transcript)
    host.run("/ban robin", "!! robin is no longer in this group")
    host.expect_exact("> ")
    said = host.transcript[start:]
    assert "Nobody called" not in said, said
    assert "/ban" in said.split("no longer in this group", 1)[1], said
