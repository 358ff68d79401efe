"""Every word plain mode prints comes from the message catalogue: two people run the real
binary in a pseudo-locale (every catalogue message ⟦bracketed⟧, built with Babel at test time)
through a short real session on a loopback relay, and no line may carry words outside brackets
but their own content, numbers, URLs, commands and key names."""

from __future__ import annotations

import re

import pytest
from tests.i18n.pseudo import (
    PSEUDO,
    cldr_list_words,
    install_pseudo_locale,
    words_outside_the_catalogue,
)
from tests.plain.people import PROMPT, invite_of

pytestmark = pytest.mark.timeout(150)

GROUP, HOST, GUEST = "Tuesday circle", "host", "robin"
SAID = ("hello from robin", "glad you are here")
LOCAL_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d \S*")  # store._local_time's form


@pytest.fixture
def pseudo_locale(tmp_path, monkeypatch):
    folder = install_pseudo_locale(tmp_path / "pseudo-locale")
    monkeypatch.setenv("PEERTUI_LOCALE_DIR", str(folder))  # the source tree stays untouched
    return folder


def test_a_plain_session_in_a_pseudo_locale_says_nothing_outside_the_catalogue(
    plain_user, relay, pseudo_locale
):
    lang = f"{PSEUDO}.UTF-8"
    host = plain_user("host", lang=lang)
    host.expect_exact("⟦peertui plain mode.")
    host.expect_exact(PROMPT)
    host.run(f"/host {GROUP} {relay.url}", f"⟦{GROUP} is ready")
    token = invite_of(host)

    guest = plain_user("guest", lang=lang)
    guest.expect_exact("⟦peertui plain mode.")
    guest.run("/join peertui:garbage robin", "⟦That invite does not work: ⟦")
    guest.type(f"/join {token} {GUEST}")
    guest.expect_exact("⟦Do you accept these guidelines⟧: ⟦yes⟧")
    guest.type("yes")
    guest.expect_exact(f"⟦Asked to join as '{GUEST}'")
    # A group waiting for approval has no name yet: the shared layer names it, translated,
    # and says its state once.
    guest.run("/groups", "⟦unnamed group⟧ - ⟦waiting for approval⟧")
    host.expect_exact(f"⟦{GUEST} asks to join.")
    host.run(f"/approve {GUEST}", f"admitted⟧ {GUEST}")
    guest.expect_exact(f"⟦You are now a member of {GROUP}.⟧")

    guest.type(SAID[0])
    host.expect_exact(f"{GUEST}: {SAID[0]}")
    host.type(SAID[1])
    guest.expect_exact(f"{HOST}: {SAID[1]}")
    guest.run("/ban host", "⟦")  # a refused command: members cannot ban
    guest.run("/nosuchthing", "⟦")
    guest.run("/help", "/quit")
    guest.run("/crisis", "⟦")
    guest.expect_exact(PROMPT)
    exported = guest.home / "history.txt"
    guest.run(f"/export {exported}", "⟦Wrote")
    assert guest.quit() == 0
    assert host.quit() == 0

    typed = ("yes", "peertui:garbage", "nosuchthing")  # the terminal echoes what was typed
    allowed = (
        GROUP,
        HOST,
        GUEST,
        *SAID,
        token,
        relay.url,
        str(exported),
        *typed,
        *cldr_list_words(),
    )
    outside = {}
    for user in (host, guest):
        for line in user.lines():
            left = words_outside_the_catalogue(line, allowed)
            if left:
                outside.setdefault(left, line)
    # The export file's headings and labels are worded too (the times in it are the local
    # clock's, its zone abbreviation included: not words of the catalogue).
    for line in exported.read_text(encoding="utf-8").splitlines():
        line = LOCAL_TIME.sub(" ", line)
        left = words_outside_the_catalogue(line, allowed)
        if left:
            outside.setdefault(left, line)
    assert not outside, "\n".join(f"{left!r} in {line!r}" for left, line in outside.items())
