"""Checks on a draft before it is sent, and personal ignores, as a member types them."""

from __future__ import annotations

import time

import pexpect
import pytest
from tests.plain.people import message_lines, start_pair

pytestmark = pytest.mark.timeout(90)


def test_personal_details_ask_first_and_crisis_language_offers_help(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)

    # y: sent as typed.
    guest.type("write to me at robin.q@example.org")
    guest.expect_exact("-- Your message seems to include an e-mail address")
    guest.expect_exact("?? Send anyway: yes, edit, remove or no?")
    guest.type("y")
    # The receiver's device folds personal details (the engine's mark): opened on request.
    number = host.expect(
        r"#(\d+) robin: \[folded: contains personal details\] /open \d+ shows it"
    ).group(1)
    host.run(f"/open {number}", "robin: write to me at robin.q@example.org")

    # remove: the detail is replaced before sending.
    guest.type("or at second@example.org please")
    guest.expect_exact("?? Send anyway: yes, edit, remove or no?")
    guest.type("remove")
    host.expect_exact("robin: or at [removed] please")

    # edit: the new text is checked again and sent.
    guest.type("mail third@example.org")
    guest.expect_exact("?? Send anyway: yes, edit, remove or no?")
    guest.type("edit")
    guest.expect_exact("?? What should the message say instead?")
    guest.type("never mind, ask me here")
    host.expect_exact("robin: never mind, ask me here")

    # Anything else: not sent, and the draft is given back so nothing is lost.
    guest.type("fourth@example.org is mine")
    guest.expect_exact("?? Send anyway: yes, edit, remove or no?")
    guest.type("no")
    guest.expect_exact("-- Not sent. Kept as your draft: fourth@example.org is mine")

    # Crisis language: one notice offering help, and the message still goes out at once.
    guest.type("I feel hopeless, there is no point anymore")
    guest.expect_exact("/crisis lists crisis lines, /plan shows your safety plan, /ground starts")
    host.expect_exact("robin: I feel hopeless, there is no point anymore")
    guest.expect_exact("robin: I feel hopeless, there is no point anymore")

    host.type("ok")
    guest.expect_exact("host: ok")
    assert host.quit() == 0
    assert guest.quit() == 0
    assert "fourth@example.org" not in host.transcript
    assert "second@example.org" not in host.transcript
    assert len(message_lines(guest, "robin", "I feel hopeless, there is no point anymore")) == 1
    assert guest.transcript.count("/crisis lists crisis lines") == 1


def test_ignoring_a_person_or_a_word_hides_their_lines_until_opened(plain_user):
    host, guest = start_pair(plain_user, None)
    host.run("/ignore robin", "-- You hid robin's messages (for you only)")
    guest.type("you will not see this line")
    number = host.expect(r"#(\d+) robin: \[hidden: you hid this member\] /open \d+ shows it").group(
        1
    )
    host.run(f"/open {number}", f"#{number} robin: you will not see this line")
    host.run("/unignore robin", "-- Messages from robin are shown again.")
    host.run("/unignore robin", "!! You have not hidden anyone called 'robin' in this group.")
    host.run("/ignore word pineapple", "-- You hid messages containing 'pineapple'")
    guest.type("pineapple on pizza")
    host.expect(r"#\d+ robin: \[hidden: you hid a word in it\]")
    guest.type("plain words")
    host.expect_exact("robin: plain words")
    assert host.quit() == 0
    assert guest.quit() == 0
    assert "robin: pineapple on pizza" not in host.transcript


def test_a_uk_mobile_number_asks_first_when_the_country_is_gb(plain_user, tmp_path):
    for name in ("host", "guest"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.toml").write_text('country = "GB"\n', encoding="utf-8")
    host, guest = start_pair(plain_user, None)
    guest.type("text me on 07911 123456")
    guest.expect_exact("-- Your message seems to include a phone number")
    guest.run("remove", "robin: text me on [removed]")
    host.expect_exact("robin: text me on [removed]")
    assert host.quit() == 0
    assert guest.quit() == 0
    assert "07911" not in host.transcript


def test_ctrl_c_keeps_the_half_typed_line_as_the_draft(plain_user, relay):
    """Ctrl+C ends the session; what was typed on the line so far (no Enter yet, still in the
    terminal's own buffer) becomes the draft, and is there when peertui starts again."""
    host, guest = start_pair(plain_user, relay.url)
    guest.child.send("half a thought about tonight")  # no Enter
    time.sleep(0.5)
    guest.child.sendintr()
    guest.expect_exact("Kept as your draft for")
    guest.expect_exact("Stopped (Ctrl+C); goodbye.")
    guest.child.expect(pexpect.EOF, timeout=20)
    guest.child.close()
    assert "half a thought about tonight" not in host.transcript  # kept, never sent

    again = plain_user("guest").ready()
    again.run("/draft", "half a thought about tonight")
    assert again.quit() == 0
    assert host.quit() == 0
