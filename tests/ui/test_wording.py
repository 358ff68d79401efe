"""The words both front-ends show: one log format, nicknames over member ids, said once."""

from __future__ import annotations

from peertui.core import events as ev
from peertui.core.models import Member, ModLogEntry
from peertui.core.store import Message
from peertui.ui import wording
from peertui.ui.wording import EventContext

MUTE = ModLogEntry(
    index=3,
    ts=1_764_580_000_000,
    actor_nick="sam",
    actor_role="owner",
    action="mute",
    target_nick="robin",
    reason="cooling off",
    until=1_764_581_800_000,
)


def test_one_moderation_log_format_in_utc_with_hash_numbers_and_past_tense():
    line = wording.modlog_line(MUTE)
    assert (
        line
        == "#3 2025-12-01 09:06 UTC sam (owner) muted robin until 2025-12-01 09:36 UTC: cooling off"
    )
    live = wording.event_lines(ev.ModAction("g", MUTE), EventContext("Tuesday circle"))
    assert [x.text for x in live] == [
        "Moderation: sam (owner) muted robin until 09:36 UTC: cooling off."
    ]


def test_a_placeholder_member_id_becomes_the_nickname_once_known():
    robin = Member(key="k1", member_id="f82c2aede7", nick="robin", role="member")
    entry = ModLogEntry(
        index=2,
        ts=0,
        actor_nick="sam",
        actor_role="owner",
        action="admit",
        target_nick="member-f82c2aede7",
    )
    assert "member-f82c2aede7" not in wording.modlog_line(entry, [robin])
    assert "admitted robin" in wording.modlog_line(entry, [robin])


def test_look_alike_nicknames_carry_their_member_id():
    host = Member(key="k1", member_id="aaaa", nick="host", role="owner")
    fake = Member(key="k2", member_id="bbbb", nick="HOST", role="member")
    other = Member(key="k3", member_id="cccc", nick="robin", role="member")
    members = [host, fake, other]
    assert wording.display_name("host", members) == "host (aaaa)"
    assert wording.display_name("robin", members) == "robin"


def test_removals_and_bans_are_announced_by_the_log_line_only():
    robin = Member(key="k1", member_id="f8", nick="robin", role="member")
    assert wording.event_lines(ev.MemberLeft("g", robin, "banned"), EventContext("g")) == []
    assert (
        wording.event_lines(ev.MemberLeft("g", robin, "left"), EventContext("g"))[0].text
        == "robin left."
    )


def test_message_parts_fold_what_the_engine_marks():
    folded = Message(
        "g",
        "m",
        4,
        "s",
        "sam",
        "words",
        0,
        extra={"fold": "may mention means or plans of self-harm"},
    )
    parts = wording.message_parts(folded)
    assert parts.state == "folded" and parts.text == "" and "self-harm" in parts.label
    opened = wording.message_parts(folded, opened=True)
    assert opened.state == "shown" and opened.text == "words"
    hidden = wording.message_parts(folded, hidden_because="you hid this message")
    assert hidden.state == "hidden" and hidden.text == ""


def test_a_report_about_my_own_message_reads_as_mine():
    from peertui.core.models import Report

    me = Member(key="k1", member_id="aaaa", nick="host", role="owner", is_me=True)
    robin = Member(key="k2", member_id="bbbb", nick="robin", role="member")
    context = EventContext("evening", (me, robin))

    def said(reported: Member) -> str:
        report = Report("r1", "m1", reported.nick, reported.member_id, "text", reason="spam")
        (line,) = wording.event_lines(ev.ReportReceived("g", report), context)
        return line.text

    assert said(me).startswith("New report about your message: spam.")
    assert said(robin).startswith("New report about robin's message: spam.")
