"""What a second fresh-eyes round found in plain mode, through a real pty: a new person is told
what peertui is before being asked to choose a passphrase."""

from __future__ import annotations

import pytest
from tests.plain.people import ask_to_join, invite_of, start_pair

pytestmark = pytest.mark.timeout(90)

ABOUT = "-- Peer support, not therapy."
CHOOSE = "-- Choose a passphrase"


def test_the_first_runs_words_about_peertui_come_before_the_passphrase_is_asked(plain_user):
    # As the TUI's first screen comes before its passphrase dialog: someone deciding whether
    # to trust peertui with a passphrase reads what it is (and that /crisis works) first.
    user = plain_user("home", passphrase=None, ask_country=True)
    user.expect_exact(CHOOSE)
    user.expect_exact("?? Passphrase")
    user.type("tulips in the rain")
    user.expect_exact("?? The same passphrase again?")
    user.type("tulips in the rain")
    user.ready()
    user.run("skip", "/set country")  # the first run's country question saves the settings
    assert user.quit() == 0
    text = user.transcript
    assert text.count(ABOUT) == 1
    assert text.index(ABOUT) < text.index(CHOOSE)
    assert text.count("What the relay can see") == 1

    # A later start, asked for its passphrase, says none of it again.
    again = plain_user("home", passphrase=None)
    again.expect_exact("?? Passphrase")
    again.type("tulips in the rain")
    again.ready()
    assert again.quit() == 0
    assert "Peer support, not therapy" not in again.transcript


def test_a_banned_requester_is_named_in_words_in_the_moderation_log_never_by_id(plain_user, relay):
    host, member = start_pair(plain_user, relay.url)
    token = invite_of(host)
    asker = plain_user("asker").ready()
    ask_to_join(host, asker, token, "sage2")
    said = "host (owner) banned someone who asked to join: spam"
    host.run("/ban sage2 spam", f"-- Moderation: {said}.")
    host.expect_exact("had only asked to join")
    host.run("no", "-- Open invites stay valid.")
    member.expect_exact(f"-- Moderation: {said}.")
    for person in (host, member):
        person.run("/modlog", said)
        person.expect_exact("> ")
        assert "(id " not in person.transcript, person.transcript


def test_a_new_groups_first_guidelines_are_set_not_changed(plain_user, relay):
    host = plain_user("host").ready()
    host.run(f"/host Tuesday circle {relay.url}", "-- Tuesday circle is ready")
    # Hosting publishes the first guidelines: a new host changed nothing.
    assert "Moderation: host (owner) set the guidelines." in host.transcript, host.transcript
    host.run("/guidelines edit", "?? Guideline 1 (an empty line finishes)?")
    host.run("Be gentle with each other.", "?? Guideline 2")
    host.type("")
    host.run("yes", "-- The new guidelines are published.")
    host.run("/modlog", "host (owner) changed the guidelines")
    host.expect_exact("> ")
    log = host.transcript.rsplit("/modlog", 1)[1]
    assert "#1 " in log and log.index("set the guidelines") < log.index("changed the guidelines")
    assert "changed the guidelines" not in host.transcript.split("/guidelines edit", 1)[0]


def test_why_a_passphrase_is_asked_comes_before_it_is_chosen_and_once(
    plain_user, monkeypatch, tmp_path
):
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)  # keyrings.alt's plaintext file
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # where it would write, if ever
    user = plain_user("home", passphrase=None)
    user.expect_exact("plain file")
    user.expect_exact(CHOOSE)
    user.expect_exact("?? Passphrase")
    user.type("tulips in the rain")
    user.expect_exact("?? The same passphrase again?")
    user.type("tulips in the rain")
    user.ready()
    assert user.quit() == 0
    assert user.transcript.count("plain file") == 1, user.transcript
