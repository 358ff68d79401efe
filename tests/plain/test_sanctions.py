"""A mute or removal tells the member what it means; /status says until when; a moderator
acting on a member with an open report is told which message was flagged.

Before, the member got only the log line ("host (owner) muted robin until 09:36 UTC"), with
no word on what it meant, where the log is or that crisis lines still work; there was no
/status; and the moderator was not reminded of the reported message.
"""

from __future__ import annotations

import pytest
from tests.plain.people import admitted, invite_of, start_pair

pytestmark = pytest.mark.timeout(120)


def test_mute_and_removal_are_explained_and_the_moderator_is_told_of_the_report(plain_user):
    host, guest = start_pair(plain_user, None)
    sage = plain_user("sage").ready()
    admitted(host, sage, invite_of(host), "sage")
    sage.expect_exact("-- You are now a member of Tuesday circle.")
    guest.run("/status", "-- You can post.")
    guest.type("you are all useless")
    said = sage.expect(r"#(\d+) robin: you are all useless").group(1)
    number = host.expect(r"#(\d+) robin: you are all useless").group(1)
    sage.run(f"/report {said} rude to everyone", f"-- You reported message #{said} (by robin)")
    host.expect_exact("New report about robin's message")

    host.run("/mute robin 10 cooling off", "muted robin until")
    host.expect_exact(
        f"-- robin's message #{number} was flagged in a report: rude to everyone. "
        f"/delete {number} <reason> removes it for everyone; /dismiss 1 takes the report off"
    )
    guest.expect_exact("muted robin until")
    guest.expect_exact("-- You are muted in Tuesday circle until")
    guest.expect_exact("The moderation log (/modlog) shows who did it and why.")
    guest.expect_exact("Crisis lines (/crisis), grounding (/ground) and your safety plan (/plan)")
    guest.type("/status")
    guest.expect(r"-- You are muted until \d\d:\d\d UTC: you can read but not post\.")
    guest.run("/crisis GB", "Samaritans: call 116 123")

    host.run("/unmute robin", "unmuted robin")
    guest.expect_exact("unmuted robin")
    guest.run("/status", "-- You can post.")

    host.run("/remove robin enough for today", f"robin's message #{number} was flagged in a report")
    host.expect_exact("removed robin")
    guest.expect_exact("-- You were removed from Tuesday circle")
    guest.expect_exact("Crisis lines (/crisis)")
    assert host.quit() == 0
    assert guest.quit() == 0
    assert sage.quit() == 0
    # Said once each, to the member only.
    assert guest.transcript.count("You are muted in Tuesday circle until") == 1
    assert "You are muted in" not in host.transcript
    assert "was flagged in a report" not in guest.transcript
