"""Moderation typed in plain mode, seen by the moderator and by members, on a real relay."""

from __future__ import annotations

import re

import pytest
from tests.plain.people import invite_of, message_lines

pytestmark = pytest.mark.timeout(120)


def join(host, member, token: str, nick: str) -> None:
    member.join(token, nick)
    member.expect_exact(f"-- Asked to join as '{nick}'")
    host.expect_exact(f"-- {nick} asks to join. Type /approve {nick}")
    host.run(f"/approve {nick}", f"-- Moderation: host (owner) admitted {nick}.")
    member.expect_exact("-- You are now a member of Night owls.")


def modlog(user) -> list[str]:
    """The /modlog output lines printed after the last /modlog typed."""
    user.type("/modlog")
    user.expect(r"\n  #\d+ .* banned .*\r\n")
    text = user.transcript.replace("\r\n", "\n").split("/modlog\n")[-1]
    return [line for line in text.split("\n") if re.match(r"  #\d+ ", line)]


def start_group(plain_user, relay, *nicks: str):
    host = plain_user("host").ready()
    host.run(f"/host Night owls {relay.url}", "-- Night owls is ready")
    token = invite_of(host)
    members = [plain_user(nick).ready() for nick in nicks]
    for nick, member in zip(nicks, members, strict=True):
        join(host, member, token, nick)
    return host, members


def test_report_warn_mute_remove_ban_and_modlog(plain_user, relay):
    host, (robin, sam) = start_group(plain_user, relay, "robin", "sam")

    # A message everyone sees, then robin reports it: only the host hears about the report.
    host.type("remember to drink water")
    number = {
        u: u.expect(r"#(\d+) host: remember to drink water").group(1) for u in (host, robin, sam)
    }
    robin.run(f"/report {number[robin]} felt dismissive", "-- You reported message")
    host.expect_exact("-- New report about your message: felt dismissive.")
    host.type("/reports")
    host.expect(
        rf"\n  1\. \d{{4}}-\d\d-\d\d \d\d:\d\d UTC report about message #{number[host]} by host "
        r"\(id \w+\): felt dismissive\r\n"
    )
    host.expect_exact("The message: remember to drink water")
    host.run("/dismiss 1", "-- Dismissed report 1 (about host's message: felt dismissive)")
    host.run("/reports", "-- No reports.")
    # Members are told in words that reports are not theirs to read.
    robin.run("/reports", "!! Only the group's owner and moderators can do that.")

    # A private warning reaches only its target.
    host.run(
        "/warn sam please keep it kind",
        "host (owner) warned sam (the reason went to them privately)",
    )
    sam.expect_exact("-- A moderator warned you privately: please keep it kind")
    sam.run("/warnings", "a moderator warned you: please keep it kind")

    # Muted: the relay refuses sam's post; after /unmute it goes through.
    host.run("/mute sam 10 cooling off", "host (owner) muted sam until")
    sam.expect_exact("host (owner) muted sam until")
    sam.type("am I still here")
    sam.expect(r"!! .*mute")
    host.run("/unmute sam", "host (owner) unmuted sam")
    sam.expect_exact("unmuted sam")
    sam.type("back again")
    for user in (host, robin, sam):
        user.expect_exact("sam: back again")

    # Remove and ban: the members are told, the removed person learns it too.
    host.run("/remove sam too many warnings", "host (owner) removed sam: too many warnings")
    # Said once, by the log's line: no second "sam was removed".
    robin.expect_exact("-- Moderation: host (owner) removed sam: too many warnings.")
    sam.expect(r"-- You were removed from .+: you can no longer read or post there")
    host.run("/ban robin spam", "host (owner) banned robin: spam")
    robin.expect(r"-- You were banned from .+: you can no longer read or post there")
    host.expect_exact(
        "?? Also cancel the group's open invites, so they cannot ask again: yes or no?"
    )
    host.run("y", "-- Cancelled 1 open invite; /invite makes a new one.")

    host_log = modlog(host)
    robin_log = modlog(robin)
    assert host_log == robin_log
    actions = " ".join(host_log)
    for word in ("warned sam", "muted sam", "unmuted sam", "removed sam", "banned robin"):
        assert word in actions
    assert "felt dismissive" not in sam.transcript
    assert "New report" not in robin.transcript + sam.transcript
    for user in (host, robin, sam):
        assert user.quit() == 0
        assert "\x1b" not in user.transcript
        assert "Traceback" not in user.transcript


def test_deleted_message_shows_removed_by_moderators(plain_user, relay):
    host, (sam,) = start_group(plain_user, relay, "sam")
    sam.type("something I should not have said")
    number = host.expect(r"#(\d+) sam: something I should not have said").group(1)
    sam.expect_exact("sam: something I should not have said")
    host.run(f"/delete {number} off topic", "was removed by moderators: off topic")
    sam.expect_exact("was removed by moderators: off topic")
    sam.type("/history 5")
    sam.expect_exact("sam: [removed by moderators: off topic]")
    host.type("/modlog")
    host.expect(r"host \(owner\) removed a message.*: off topic")
    for user in (host, sam):
        assert user.quit() == 0
    assert "something I should not have said" not in sam.transcript.split("/history 5")[-1]


def test_slowmode_readonly_promote_and_demote(plain_user, relay):
    host, (sam,) = start_group(plain_user, relay, "sam")
    # Slow mode and read-only are enforced on members, and lifted again.
    host.run("/slowmode 3", "host (owner) set slow mode to 3 seconds")
    sam.expect_exact("host (owner) set slow mode to 3 seconds")
    sam.type("first under slow mode")
    sam.type("too soon after that")
    # Too soon is not an error: the message waits and goes out by itself, printed once.
    sam.expect_exact("-- Slow mode is on")
    for user in (host, sam):
        user.expect_exact("sam: too soon after that", timeout=20)
    host.run("/slowmode 0", "host (owner) set slow mode off")
    host.run("/readonly on", "host (owner) set read-only on")
    sam.expect_exact("host (owner) set read-only on")
    sam.type("can I talk")
    sam.expect(r"!! .*read-only")
    host.run("/readonly off", "host (owner) set read-only off")
    sam.expect_exact("host (owner) set read-only off")

    # A promoted member can moderate; demoted, they cannot.
    host.run("/promote sam", "host (owner) changed the role of sam to moderator")
    sam.expect_exact("host (owner) changed the role of sam to moderator")
    sam.run("/slowmode 5", "sam (moderator) set slow mode to 5 seconds")
    host.run("/demote sam", "host (owner) changed the role of sam to member")
    sam.expect_exact("host (owner) changed the role of sam to member")
    sam.run("/slowmode 0", "!! ")
    for user in (host, sam):
        assert user.quit() == 0
    for user in (host, sam):
        for text in ("first under slow mode", "too soon after that"):
            assert len(message_lines(user, "sam", text)) == 1, (user.home.name, text)
    assert "Not connected" not in sam.transcript
    assert "!! Slow mode" not in sam.transcript


def test_dismiss_takes_the_numbered_report_and_refuses_a_wrong_number(plain_user, relay):
    host, (robin,) = start_group(plain_user, relay, "robin")
    host.type("first thing")
    first = robin.expect(r"#(\d+) host: first thing").group(1)
    host.type("second thing")
    second = robin.expect(r"#(\d+) host: second thing").group(1)
    robin.run(f"/report {first} too loud", "-- You reported message")
    host.expect_exact("-- New report about your message: too loud.")
    robin.run(f"/report {second} too quiet", "-- You reported message")
    host.expect_exact("-- New report about your message: too quiet.")

    # Wrong numbers are refused in words and nothing leaves the list.
    for typed in ("0", "3", "two", "#", "２"):
        host.run(f"/dismiss {typed}", "!! There is no report")
    host.run("/dismiss", "!! Usage: /dismiss <n>")

    # The number is the one /reports shows: 2 is the second report, not the first.
    host.run("/dismiss #2", "-- Dismissed report 2 (about host's message: too quiet)")
    host.type("/reports")
    host.expect(r"\n  1\. .*: too loud\r\n")
    host.expect_exact("/dismiss <n> takes a report")
    assert "too quiet" not in host.transcript.split("/reports")[-1]
    host.run("/dismiss 1", "-- Dismissed report 1 (about host's message: too loud)")
    host.run("/reports", "-- No reports.")
