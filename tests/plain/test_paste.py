"""Bracketed paste: several lines pasted at once are one message, never a run of commands.

Before, a paste of three lines sent three messages, and a pasted line starting with `/` ran
as a command (a paste of someone's notes could mute a member or leave the group).
"""

from __future__ import annotations

import time

import pexpect
import pytest
from tests.plain.people import PASTE_OFF, PASTE_ON, message_lines, start_pair

from peertui.plain.reader import PASTE_END, PASTE_START, LineAssembler, Pasted, bracketed_paste

pytestmark = pytest.mark.timeout(90)


def test_a_paste_of_three_lines_is_one_message_and_runs_no_command(plain_user):
    host, guest = start_pair(plain_user, None)
    host.paste("first line of my notes", "/mute robin 5", "and the last line")
    host.expect_exact("-- Pasted 3 lines as one message.")
    shown = "first line of my notes / /mute robin 5 / and the last line"
    guest.expect_exact(f"host: {shown}")
    host.expect_exact(f"host: {shown}")
    # A line typed afterwards is read as typed again.
    host.run("/members", "robin")
    guest.type("/quit")
    guest.child.expect(pexpect.EOF)
    assert host.quit() == 0
    assert len(message_lines(guest, "host", shown)) == 1
    assert len(message_lines(host, "host", shown)) == 1
    assert host.transcript.count("Pasted 3 lines as one message.") == 1
    for user in (host, guest):
        assert "muted robin" not in user.transcript
        # Switched on before the first line and off again as the last thing written.
        assert user.raw_transcript.startswith(PASTE_ON)
        assert user.raw_transcript.rstrip("\r\n").endswith(PASTE_OFF)


def test_a_paste_that_arrives_in_pieces_is_still_one_message(plain_user):
    host, guest = start_pair(plain_user, None)
    # A slow terminal (or a long paste) hands the lines over in several reads, the end
    # bracket cut in two, and the person types a few words and Enter after the paste.
    host.child.send(PASTE_START + "one\r")
    time.sleep(0.4)
    host.child.send("two\r")
    time.sleep(0.4)
    host.child.send("three\x1b[20")
    time.sleep(0.4)
    host.child.send("1~ and four\r")
    host.expect_exact("-- Pasted 3 lines as one message.")
    guest.expect_exact("host: one / two / three and four")
    time.sleep(0.5)
    assert host.quit() == 0
    assert not message_lines(guest, "host", "one")
    assert not message_lines(guest, "host", "two")


def test_a_paste_at_a_question_is_not_a_command_and_is_kept(plain_user):
    user = plain_user().ready()
    user.run("/host Quiet room", "-- Quiet room is ready")
    user.run("/leave", "?? Leave Quiet room: yes or no?")
    user.paste("/crisis GB", "thinking about what you said")
    user.expect_exact("!! That is not one of the choices (yes or no)")
    user.expect_exact("-- Kept as your draft for Quiet room, not sent; /draft shows it.")
    user.run("no", "-- Stayed in Quiet room.")
    user.run("/draft", "thinking about what you said")
    assert user.quit() == 0
    assert "Samaritans" not in user.transcript


def test_an_invite_pasted_over_two_lines_after_join_is_still_the_join(plain_user):
    host = plain_user("host").ready()
    host.run("/host Quiet room", "-- Quiet room is ready")
    host.type("/invite")
    token = host.expect(r"\n(peertui:\S+)\r\n").group(1)
    guest = plain_user("guest").ready()
    guest.paste(f"/join {token[:50]}", token[50:])
    guest.expect_exact("?? Do you accept these guidelines: yes or no?")
    guest.run("yes", "?? Nickname to use in this group")
    assert guest.quit() == 0
    assert "Pasted" not in guest.transcript
    assert host.quit() == 0


@pytest.mark.parametrize("how", ["/x", "ctrl-backslash"])
def test_quick_exit_switches_bracketed_paste_off(plain_user, how):
    user = plain_user().ready()
    if how == "/x":
        user.type("/x")
    else:
        user.child.sendcontrol("\\")
    user.child.expect(pexpect.EOF)
    user.child.close()
    assert user.child.exitstatus == 0
    assert user.raw_transcript.startswith(PASTE_ON)
    assert user.raw_transcript.rstrip("\r\n").endswith(PASTE_OFF)


@pytest.mark.parametrize("term", ["dumb", "xterm-256color"])
def test_a_paste_is_one_message_with_no_marker_in_it_asked_for_or_not(plain_user, term):
    """A dumb-terminal session never asks for bracketed paste, but a terminal another program
    left in that mode still brackets what is pasted: the markers were sent inside the
    messages, a line each."""
    host, guest = start_pair(plain_user, None, term=term)
    guest.paste("first of two", "second of two")
    guest.expect_exact("-- Pasted 2 lines as one message.")
    host.expect_exact("robin: first of two / second of two")
    guest.paste("one line only")
    host.expect_exact("robin: one line only")
    guest.paste("ends with a line break", "")
    host.expect_exact("robin: ends with a line break")
    host.run("/members", "robin")
    assert host.quit() == 0
    assert guest.quit() == 0
    for user in (host, guest):
        assert "\x1b[20" not in user.transcript
    assert not message_lines(host, "robin", "first of two")
    assert len(message_lines(host, "robin", "first of two / second of two")) == 1
    # Nothing stored carries a marker either (what the relay forwarded, as received).
    stored = "\n".join(line for line in host.lines() if "robin:" in line)
    assert "200~" not in stored and "201~" not in stored


def test_a_dumb_terminal_is_not_asked_for_bracketed_paste(plain_user):
    user = plain_user(term="dumb").ready()
    user.type("/help")
    user.expect_exact("/help settings")
    assert user.quit() == 0
    assert PASTE_ON not in user.raw_transcript


def test_bracketed_paste_is_switched_off_when_the_program_crashes(capsys):
    with pytest.raises(RuntimeError), bracketed_paste(True):
        raise RuntimeError("a bug")
    written = capsys.readouterr().out
    assert written == PASTE_ON + PASTE_OFF


def test_line_assembler_reads_brackets_across_reads():
    lines = LineAssembler()
    assert lines.feed("typed\n\x1b[2") == ["typed"]
    assert lines.feed("00~a\n") == []
    assert lines.feed("b\n\x1b[201") == []
    got = lines.feed("~\nafter\n")
    assert got == ["a\nb", "after"]
    assert isinstance(got[0], Pasted) and not isinstance(got[1], Pasted)
    # One pasted line is an ordinary line (a copied /join still runs).
    single = lines.feed(PASTE_START + "/join peertui:abc" + PASTE_END + "\n")
    assert single == ["/join peertui:abc"] and not isinstance(single[0], Pasted)
    # Without markers (a pipe, a dumb terminal) lines are split at newlines.
    plain = LineAssembler()
    assert plain.feed("one\r\ntwo\nthr") == ["one", "two"]
    assert plain.end() == ["thr"]
    # Markers the program did not ask for (a terminal another program left in bracketed
    # paste) are still markers: one message, none of them in it.
    assert plain.feed(PASTE_START + "one\ntwo" + PASTE_END + "\n") == ["one\ntwo"]
