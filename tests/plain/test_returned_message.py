"""A message waiting for slow mode that the relay can no longer take (read-only turned on
meanwhile) is said once as an error with the reason, and its words are kept as the draft."""

from __future__ import annotations

import pytest
from tests.plain.people import start_pair

pytestmark = pytest.mark.timeout(120)


def test_waiting_message_refused_for_good_is_told_and_kept_as_draft(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)
    host.run("/slowmode 30", "host (owner) set slow mode to 30 seconds")
    guest.expect_exact("host (owner) set slow mode to 30 seconds")
    # Robin's join introduction may already count against slow mode: either way the second
    # of these waits.
    guest.type("first under slow mode")
    guest.type("this one has to wait")
    guest.expect_exact("-- Slow mode is on")
    host.run("/readonly on", "host (owner) set read-only on")

    guest.expect(r"!! Could not send a waiting message: [^\r\n]*read-only[^\r\n]*")
    guest.expect_exact("Your words: this one has to wait", timeout=30)
    guest.run("/draft", "this one has to wait")
    assert host.quit() == 0
    assert guest.quit() == 0
    assert "robin: this one has to wait" not in host.transcript
    assert guest.transcript.count("Your words: this one has to wait") == 1
    assert "It is kept as your draft: /draft shows it, /draft send sends it." in guest.transcript
