"""Message numbers never change under a person's feet (issue 14's display order, issue 10 item 9).

Through the real program on a real relay: robin is offline while sam writes three messages
and robin writes one; robin comes back and sees them numbered; after a restart /history
shows the same number for each message, in the display order (the sender's time), and
`/report N` reports the message that was shown as N: the moderator receives that one.
"""

from __future__ import annotations

import re

import pytest
from tests.plain.people import INVITE_LINE, start_pair

pytestmark = pytest.mark.timeout(240)

SAM_WROTE = ("sam one: the walk helped", "sam two: rough night", "sam three: still here")
ROBIN_WROTE = "robin offline: sorry I was away"


def numbers_shown(user, nicks_texts: list[tuple[str, str]], start: int = 0) -> dict[str, int]:
    """The number printed with each message, from the part of the transcript after `start`."""
    text = user.transcript[start:].replace("\r\n", "\n")
    found = {}
    for nick, said in nicks_texts:
        lines = re.findall(rf"^(?:> )?#(\d+) {re.escape(nick)}: {re.escape(said)}", text, re.M)
        assert len(lines) == 1, (nick, said, lines, text)
        found[said] = int(lines[0])
    return found


def add_member(host, plain_user, nick: str):
    host.type("/invite")
    host.expect_exact("-- Invite for Tuesday circle")
    token = host.expect(INVITE_LINE).group(1)
    member = plain_user(nick).ready()
    member.join(token, nick)
    member.expect_exact(f"-- Asked to join as '{nick}'")
    host.expect_exact(f"-- {nick} asks to join.")
    host.type(f"/approve {nick}")
    member.expect_exact("-- You are now a member of Tuesday circle.")
    return member


def test_numbers_shown_live_are_the_numbers_after_a_restart_and_report_hits_them(plain_user, relay):
    host, robin = start_pair(plain_user, relay.url)
    sam = add_member(host, plain_user, "sam")
    host.run("hello both", "#")
    robin.expect_exact("host: hello both")
    sam.expect_exact("host: hello both")
    assert robin.quit() == 0

    # Robin, offline, writes a message: it is numbered at once and kept in the outbox.
    offline = plain_user("guest", offline=True).ready()
    offline.type(ROBIN_WROTE)
    queued = int(offline.expect(r"message #(\d+) is saved, queued, and sent").group(1))
    assert offline.quit() == 0

    for said in SAM_WROTE:
        sam.type(said)
        host.expect_exact(f"sam: {said}")

    # Robin comes back: the outbox goes out and sam's three arrive, each printed once.
    back = plain_user("guest").ready()
    wanted_lines = [f"sam: {said}" for said in SAM_WROTE] + [f"robin: {ROBIN_WROTE}"]
    while not all(line in back.transcript for line in wanted_lines):
        back.expect(r"#\d+ (sam|robin): ", timeout=40)  # in whichever order they come
    wanted = [("sam", said) for said in SAM_WROTE] + [("robin", ROBIN_WROTE)]
    live = numbers_shown(back, wanted)
    assert live[ROBIN_WROTE] == queued  # the number it had while waiting
    assert len(set(live.values())) == 4
    assert back.quit() == 0

    # After a restart: the same number for every message, in the order they were written.
    again = plain_user("guest").ready()
    mark = len(again.transcript)
    again.type("/history 10")
    again.expect_exact(f"robin: {ROBIN_WROTE}")
    again.expect_exact("> ")
    assert numbers_shown(again, wanted, mark) == live
    history = again.transcript[mark:]
    # Robin wrote hers offline before sam wrote his three: every member reads it before them.
    written = [("host", "hello both"), ("robin", ROBIN_WROTE), *wanted[:-1]]
    places = [history.index(said) for _nick, said in written]
    assert places == sorted(places), "history is in the order the messages were written"
    for member in (host, sam):  # the same order on the other members' devices
        member.run("/history 10", "/history 10")  # past the echo, then the listing
        member.expect_exact(f"sam: {SAM_WROTE[-1]}")
        member.expect_exact("> ")
        seen = member.transcript[member.transcript.rindex("/history 10") :]
        places = [seen.index(said) for _nick, said in written]
        assert places == sorted(places), member.home.name

    # /report with the number seen before the restart reports that message.
    two = live["sam two: rough night"]
    again.type(f"/report {two} please look at this")
    again.expect_exact(f"-- You reported message #{two} (by sam) to the moderators.")
    host.expect_exact("-- New report about sam's message: please look at this.", timeout=30)
    host.type("/reports")
    host.expect_exact("The message: sam two: rough night")
    reports = host.transcript[host.transcript.rindex("/reports") :]
    assert "report about message #" in reports and "by sam" in reports
    assert "please look at this" in reports
    assert "sam one" not in reports.split("The message:")[1].split("\n")[0]

    # A number that names nothing says so in words, and nothing is reported.
    highest = max(live.values())
    again.type(f"/report {highest + 50} wrong number")
    again.expect_exact(f"!! There is no message #{highest + 50}: the newest message here is #")
    again.type(f"/hide {highest + 50}")
    again.expect_exact(f"!! There is no message #{highest + 50}")
    for user in (again, host, sam):
        assert user.quit() == 0
    assert "Traceback" not in again.transcript + host.transcript
