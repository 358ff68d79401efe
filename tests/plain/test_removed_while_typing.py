"""Removed while typing: nothing typed is lost. The line being typed when the removal arrives
is printed back whole when Enter is pressed (no /draft promise the group can no longer keep),
and a draft kept there is printed at the removal. A real relay, two plain-mode programs."""

from __future__ import annotations

import pytest
from tests.plain.people import message_lines, start_pair

pytestmark = pytest.mark.timeout(120)


def test_what_was_typed_and_kept_comes_back_whole_after_a_removal(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)
    # A draft kept at a question (a paste is never an answer), then a line half typed.
    guest.run("/leave", "?? Leave Tuesday circle: yes or no?")
    guest.paste("a kept thought", "over two lines")
    guest.expect_exact("-- Kept as your draft for Tuesday circle, not sent")
    guest.run("no", "-- Stayed in Tuesday circle.")
    guest.child.send("half a sentence when")
    host.run("/remove robin being rude", "removed robin")
    guest.expect_exact("You were removed from Tuesday circle: you can no longer read or post")
    guest.expect_exact(
        "Not sent: Tuesday circle no longer takes your messages. Your words, to copy: "
        "a kept thought / over two lines\r\n"
    )
    guest.child.send(" it came\r")
    guest.expect_exact("!! You can no longer post in this group: you were removed from it.")
    guest.expect_exact(
        "Not sent: Tuesday circle no longer takes your messages. Your words, to copy: "
        "half a sentence when it came"
    )
    guest.run("/status", "Current group")
    assert host.quit() == 0
    assert guest.quit() == 0
    after = guest.transcript.split("removed robin")[-1]
    assert "/draft send sends it later" not in after
    assert not message_lines(host, "robin", "half a sentence when it came")
