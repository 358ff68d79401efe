"""Every action of the shared table (`peertui.ui.actions`) is reachable in plain mode.

Generated from the table: each plain action has a step below that types its slash form, as
the table spells it, into the real `peertui --plain` (under pexpect, on a real relay) and
waits for what the action does. An action added to the table without a step here fails the
first test; a step whose command stopped working fails the second. The fe-tui side checks
the same table against the TUI.
"""

from __future__ import annotations

import pexpect
import pytest
from tests.plain.people import INVITE_LINE

from peertui.ui import actions

pytestmark = pytest.mark.timeout(240)


def slash(action_id: str, argument: str = "") -> str:
    """The line to type for an action, built from the table's own slash form."""
    form = actions.by_id(action_id).slash
    assert form, action_id
    return f"/{form} {argument}".rstrip()


def plain_ids() -> set[str]:
    return {a.id for a in actions.for_front_end("plain")}


# The ids each part of the walk below reaches; the walk itself is one test.
COVERED = {
    "peertui.host", "peertui.invite", "peertui.join", "peertui.requests", "peertui.approve",
    "peertui.groups", "peertui.switch", "peertui.members", "peertui.nick", "peertui.profile",
    "peertui.guidelines", "peertui.accept", "peertui.content_warning", "peertui.open_warning",
    "peertui.older", "peertui.search", "peertui.thank", "peertui.report", "peertui.reports",
    "peertui.dismiss", "peertui.hide", "peertui.ignore", "peertui.ignore_keyword",
    "peertui.unhide", "peertui.warn", "peertui.warnings", "peertui.modlog", "peertui.mute",
    "peertui.unmute", "peertui.slowmode", "peertui.readonly", "peertui.promote",
    "peertui.demote", "peertui.guidelines_edit", "peertui.group_language", "peertui.delete",
    "peertui.draft",
    "peertui.deny", "peertui.remove", "peertui.ban", "peertui.leave", "peertui.settings",
    "peertui.set", "peertui.export", "peertui.safety_plan", "peertui.safety_plan_edit",
    "peertui.safety_plan_export", "peertui.crisis", "peertui.grounding", "peertui.stop",
    "peertui.cancel", "peertui.help", "peertui.quit", "peertui.wipe", "peertui.quick_exit",
    "peertui.status",
}  # fmt: skip


def test_every_plain_action_of_the_table_has_a_step():
    assert plain_ids() == COVERED
    # And every action is in plain mode unless the table says why it is not.
    for action in actions.ACTIONS:
        assert action.id in COVERED or action.only_here_because, action.id


def join(host, person, token: str, nick: str) -> None:
    person.run(slash("peertui.join", f"{token} {nick}"), "?? Do you accept these guidelines")
    person.run("yes", f"-- Asked to join as '{nick}'")
    host.expect_exact(f"-- {nick} asks to join.")


def test_every_plain_action_runs_through_the_real_binary(plain_user, relay, tmp_path):
    host = plain_user("host").ready()
    host.run(slash("peertui.host", f"Parity room {relay.url}"), "-- Parity room is ready")
    host.type(slash("peertui.invite"))
    token = host.expect(INVITE_LINE).group(1)
    guest = plain_user("guest").ready()
    join(host, guest, token, "robin")
    host.run(slash("peertui.requests"), "  robin, id ")
    host.run(slash("peertui.approve", "robin"), "admitted robin.")
    guest.expect_exact("-- You are now a member of Parity room.")
    host.run(slash("peertui.groups"), "  1. Parity room - active, owner")
    host.run(slash("peertui.switch", "1"), "-- Current group: Parity room.")
    host.run(slash("peertui.members"), "robin (member")
    host.run(slash("peertui.nick", "keeper"), "-- You are now 'keeper' in Parity room.")
    guest.run(slash("peertui.profile", "they/them | here on Tuesdays"), "profile in Parity room")
    guest.run(slash("peertui.guidelines"), "/accept accepts them")
    guest.run(slash("peertui.accept"), "-- You accepted the guidelines of Parity room")

    # Messages.
    guest.type(slash("peertui.content_warning", "loss | my dog died"))
    n = host.expect(r"#(\d+) robin: \[content warning: loss\] /open \d+ shows it").group(1)
    host.run(slash("peertui.open_warning", n), f"#{n} robin: [content warning: loss] my dog died")
    host.run(slash("peertui.older", "3"), f"#{n} robin")
    host.run(slash("peertui.search", "dog"), "-- 1 message found.")
    host.run(slash("peertui.thank", n), f" for message #{n}.")
    host.type("welcome here")
    m = guest.expect(r"#(\d+) keeper: welcome here").group(1)
    guest.run(slash("peertui.report", f"{m} felt rushed"), f"-- You reported message #{m}")
    host.expect_exact("-- New report about your message: felt rushed.")
    host.run(slash("peertui.reports"), "  1. ")
    host.run(slash("peertui.dismiss", "1"), "-- Dismissed report 1")
    host.run(slash("peertui.hide", n), f"-- Message #{n} is hidden for you only")
    host.run(slash("peertui.ignore", "robin"), "-- You hid robin's messages")
    host.run(slash("peertui.ignore_keyword", "pineapple"), "containing 'pineapple'")
    host.run(slash("peertui.unhide", "robin"), "-- Messages from robin are shown again.")
    guest.run(slash("peertui.leave"), "?? Leave Parity room: yes or no?")
    guest.run("still here sorry", "-- Kept as your draft for Parity room")
    guest.run("no", "-- Stayed in Parity room.")
    guest.run(slash("peertui.draft"), "  still here sorry")
    guest.run(slash("peertui.draft", "clear"), "-- The draft is forgotten.")

    # Moderation.
    host.run(slash("peertui.warn", "robin be kind"), "keeper (owner) warned robin")
    guest.expect_exact("A moderator warned you privately: be kind")  # arrived, then listed
    guest.run(slash("peertui.warnings"), "a moderator warned you: be kind")
    guest.run(slash("peertui.modlog"), "admitted robin")
    host.run(slash("peertui.mute", "robin 5"), "keeper (owner) muted robin until")
    guest.run(slash("peertui.status"), "You are muted until")
    host.run(slash("peertui.unmute", "robin"), "keeper (owner) unmuted robin")
    host.run(slash("peertui.slowmode", "2"), "keeper (owner) set slow mode to 2 seconds")
    host.run(slash("peertui.readonly", "on"), "keeper (owner) set read-only on")
    host.run(slash("peertui.slowmode", "0"), "keeper (owner) set slow mode off")
    host.run(slash("peertui.readonly", "off"), "keeper (owner) set read-only off")
    host.run(slash("peertui.promote", "robin"), "changed the role of robin to moderator")
    host.run(slash("peertui.demote", "robin"), "changed the role of robin to member")
    host.run(slash("peertui.guidelines_edit"), "?? Guideline 1")
    host.run("Be kind.", "?? Guideline 2")
    host.run("", "?? Publish these 1 guidelines")
    host.run("yes", "-- The new guidelines are published.")
    host.run(slash("peertui.group_language", "es"), "-- This group's language: Español.")
    guest.expect_exact("-- keeper declared the group's language: Español.")
    host.run(slash("peertui.delete", f"{n} off topic"), "keeper (owner) removed a message")
    third = plain_user("third").ready()
    join(host, third, token, "kit")
    host.run(slash("peertui.deny", "kit not this week"), "-- Declined kit's request")
    third.expect_exact("was declined: not this week")
    # A declined request's group is left like any other (it was never named to them).
    third.run(slash("peertui.leave"), ": yes or no?")
    third.run("yes", "-- You left ")
    third.run("no", "history stays on this device.")
    fourth = plain_user("fourth").ready()
    join(host, fourth, token, "wren")
    host.run(slash("peertui.approve", "wren"), "admitted wren.")
    fourth.expect_exact("-- You are now a member of Parity room.")
    host.run(slash("peertui.remove", "wren"), "keeper (owner) removed wren")
    fourth.expect(r"-- You were removed from .+: you can no longer read or post there")
    host.run(slash("peertui.ban", "robin spam"), "keeper (owner) banned robin: spam")
    host.run("no", "-- Open invites stay valid.")

    # Wellbeing, settings and your data.
    host.run(slash("peertui.settings"), "  read_digits = off")
    host.run(slash("peertui.set", "country GB"), "-- Saved: country = GB.")
    host.run(slash("peertui.export", str(tmp_path / "room.txt")), "That file is not encrypted.")
    host.run(slash("peertui.safety_plan"), "6. Making my surroundings safer")
    host.run(slash("peertui.safety_plan_edit"), "-- Step 1 of 7")
    for _step in range(7):
        host.type("")
    host.expect_exact("-- Safety plan saved")
    host.run(
        slash("peertui.safety_plan_export", str(tmp_path / "plan.txt")), "readable only by you"
    )
    host.run(slash("peertui.crisis"), "United Kingdom (GB) emergency: 999 or 112")
    host.run(slash("peertui.grounding", "box"), "(press Enter for the next step, /stop to stop)")
    host.run(slash("peertui.stop"), "-- Box breathing stopped.")
    host.run(slash("peertui.cancel"), "-- Nothing to cancel")
    host.run(slash("peertui.help"), "Help topics:")
    guest.run(slash("peertui.quit"), "-- Goodbye.")
    guest.child.expect(pexpect.EOF)
    host.run(slash("peertui.wipe"), ": ERASE or no?")
    host.run("no", "-- Nothing was erased.")
    host.type(slash("peertui.quick_exit"))
    host.child.expect(pexpect.EOF, timeout=15)
    assert host.transcript.endswith("\x1b[3J\x1b[2J\x1b[H\x1b[3J")
    for user in (host, guest, third, fourth):
        assert "internal error" not in user.transcript
        assert "There is no command" not in user.transcript
    assert third.quit() == 0
    assert fourth.quit() == 0
