"""The `> ` prompt always comes after the output it belongs to: lines typed ahead (a burst, or
Enter pressed while an answer or an incoming message is being printed) are each answered on
lines of their own, never after a prompt drawn for a line that was already typed. The real
binary in a pty, on the real relay."""

from __future__ import annotations

import re

import pytest
from tests.plain.people import PROMPT

pytestmark = pytest.mark.timeout(120)

TYPED = ["/groups", "/members", "/requests", "/groups"]


OUTPUT = re.compile(r"(  |-- |!! |\?\? |#\d+ )")


def _stray_prompts(transcript: str) -> list[str]:
    """Printed lines where output (an answer, a notice, a message) follows a prompt."""
    lines = transcript.replace("\r\n", "\n").split("\n")
    return [line for line in lines if line.startswith(PROMPT) and OUTPUT.match(line[len(PROMPT) :])]


def test_commands_typed_ahead_are_answered_on_their_own_lines(plain_user, relay):
    host = plain_user("host").ready()
    host.run(f"/host Evening group {relay.url}", "-- Evening group is ready")
    for _round in range(3):
        # One write: the terminal echoes every line before peertui has read the first.
        host.child.send("".join(f"{line}\n" for line in TYPED))
        host.expect_exact("1. Evening group - ")
        host.expect_exact("host (owner, you)")
        host.expect_exact("No one is waiting to join.")
        host.expect_exact("1. Evening group - ")
        host.expect_exact(PROMPT)
    host.run("/requests", "No one is waiting to join.")
    host.expect_exact(PROMPT)
    assert host.quit() == 0
    assert _stray_prompts(host.transcript) == [], host.transcript


def test_a_line_typed_while_messages_arrive_is_answered_after_them(plain_user, relay):
    from tests.plain.people import start_pair

    host, guest = start_pair(plain_user, relay.url)
    for round_ in range(5):
        guest.child.send("".join(f"note {round_}.{n}\n" for n in range(4)))
        # Enter pressed while the messages are being printed.
        host.child.send("/members\n")
        # Which comes first depends on when Enter lands among the arriving messages: wait
        # for both, in either order.
        waiting = ["robin (member)", f"robin: note {round_}.3"]
        while waiting:
            waiting.pop(host.child.expect_exact(waiting, timeout=20))
    host.run("/groups", "1. Tuesday circle - ")
    host.expect_exact(PROMPT)
    assert host.quit() == 0
    assert guest.quit() == 0
    assert _stray_prompts(host.transcript) == [], host.transcript
