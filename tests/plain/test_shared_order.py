"""Every member reads one conversation in one order, also after the relay was down.

Three plain-mode members on a real relay: the relay is killed, each writes while it is down
(robin first, then host, then sage), and the relay comes back. Every device then shows the
three in the order they were written, live, in /history, in /search and after a restart
(fresh-eyes3 item 8: each device used to put the others' messages before its own).
"""

from __future__ import annotations

import re
import time

from tests.plain.people import invite_of, start_pair

WRITTEN = [
    ("robin", "robin wrote about the garden while the relay was down"),
    ("host", "host wrote about the garden a little later"),
    ("sage", "sage wrote about the garden third"),
]
LINE = re.compile(r"#(\d+) (\w+): (.+?)(?: \(arrived late: its place is before #(\d+)\))?$")


def shown_order(lines: list[str]) -> list[str]:
    """The texts of WRITTEN in the order these printed lines show them."""
    texts = {text for _nick, text in WRITTEN}
    order = []
    for line in lines:
        match = LINE.search(line.rstrip())
        if match and match.group(3) in texts:
            order.append(match.group(3))
    return order


def listed(user, command: str, until: str) -> list[str]:
    """The lines printed after typing `command`, once `until` and the next prompt are shown."""
    start = len(user.transcript)
    user.run(command, until)
    user.expect_exact("> ")
    return _after(user, start)


def _after(user, start: int) -> list[str]:
    return user.transcript[start:].replace("\r\n", "\n").split("\n")


def test_messages_written_while_the_relay_was_down_read_in_one_order_everywhere(plain_user, relay):
    host, robin = start_pair(plain_user, relay.url)
    token = invite_of(host)
    sage = plain_user("sage").ready()
    sage.join(token, "sage")
    sage.expect_exact("-- Asked to join as 'sage'")
    host.expect_exact("-- sage asks to join.")
    host.run("/approve sage", "-- Moderation: host (owner) admitted sage.")
    sage.expect_exact("-- You are now a member of Tuesday circle.")
    people = {"host": host, "robin": robin, "sage": sage}

    relay.kill()
    for nick, text in WRITTEN:
        people[nick].type(text)
        people[nick].expect(r"-- Not connected: message #\d+ is saved")
        time.sleep(1.2)  # written a clear second apart, in this order
    relay.restart()
    written = [text for _nick, text in WRITTEN]
    for user in people.values():
        # Each as a numbered line (sent or received), in whatever order they arrive here.
        waiting = set(written)
        while waiting:
            user.expect(r"#\d+ \w+: (" + "|".join(map(re.escape, waiting)) + ")", timeout=60)
            waiting.discard(user.child.match.group(1))

    for nick, user in people.items():
        live = shown_order(_after(user, 0))
        # Plain mode never redraws: each line is printed as it arrives, the own one when it
        # was queued and again when sent. What it says about the place must be the shared one.
        history = shown_order(listed(user, "/history 10", written[-1]))
        assert history == written, (nick, history)
        found = shown_order(listed(user, "/search garden", f"{len(written)} messages found."))
        assert found == written[::-1], (nick, found)  # newest first
        assert set(live) == set(written)
        for line in _after(user, 0):
            match = LINE.search(line.rstrip())
            if match and match.group(4):
                # "arrived late: its place is before #N" names a message written after it.
                before = int(match.group(4))
                later = [
                    m.group(3)
                    for m in map(LINE.search, _after(user, 0))
                    if m and m.group(1) == str(before) and m.group(3) in written
                ]
                assert later, line
                assert written.index(match.group(3)) < written.index(later[0]), line

    # After a restart the history reads the same.
    assert robin.quit() == 0
    robin = plain_user("guest").ready()
    history = shown_order(listed(robin, "/history 10", written[-1]))
    assert history == written
    for user in (host, sage, robin):
        assert user.quit() == 0
