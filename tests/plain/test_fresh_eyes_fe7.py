"""What the seventh fresh-eyes tester found in plain mode, typed through a real pty on a real
relay: a full disk called an internal error, moderation commands coaching members on syntax
before saying they cannot use them, a report confirmation that read as if the author reported,
acting on oneself, and bad numbers and languages accepted or refused for the wrong reason."""

from __future__ import annotations

import pytest
from tests.e2e.faults import SmallDisk
from tests.plain.people import PlainUser, host_group, start_pair

pytestmark = pytest.mark.timeout(200)


def test_a_full_disk_says_so_keeps_the_words_as_a_draft_and_says_it_once(relay, tmp_path):
    disk = SmallDisk(tmp_path / "disk", size_kib=8192)
    assert disk.real, "needs root for a small tmpfs (the tests run as root)"
    user = PlainUser(disk.dir / "home")
    try:
        user.ready()
        host_group(user, relay.url, "Full circle")
        user.run("before the disk filled", "host: before the disk filled")
        disk.fill()
        for n in (1, 2, 3):
            start = len(user.transcript)
            user.type(f"written on a full disk {n}")
            user.expect_exact("!! The disk is full")
            user.expect_exact(f"written on a full disk {n}")
            user.expect_exact("> ")
            said = user.transcript[start:]
            assert "internal error" not in said and "StorageFull" not in said, said
            assert said.count("your message was not sent") == 1, said
            assert "draft" in said, said
        start = len(user.transcript)
        user.run("/draft", "/draft clear forgets them.")
        shown = user.transcript[start:]
        assert all(f"written on a full disk {n}" in shown for n in (1, 2, 3)), shown
        disk.free()
        user.run("/draft send", "host: written on a full disk 1")
        user.expect_exact("written on a full disk 3")
    finally:
        user.close()
        print(user.transcript)
        disk.close()


ONLY_MODERATORS = "!! Only the group's owner and moderators can do that."


def test_a_member_is_told_only_moderators_before_any_usage_and_a_report_says_you(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)
    guest.run("/accept", "-- You accepted the guidelines")
    for typed in ("/mute nobody", "/mute robin 5", "/warn", "/slowmode -5", "/invite 0 0"):
        start = len(guest.transcript)
        guest.run(typed, ONLY_MODERATORS)
        assert "Usage" not in guest.transcript[start:], guest.transcript[start:]
    host.run("a line from the host", "host: a line from the host")
    guest.expect_exact("host: a line from the host")
    number = guest.transcript.rsplit("host: a line from the host", 1)[0].rsplit("#", 1)[1].strip()
    guest.run(
        f"/report {number} testing the report path",
        f"-- You reported message #{number} (by host) to the moderators. host is not told who "
        "reported it.",
    )


def test_acting_on_yourself_is_refused_once_with_themselves(plain_user, relay):
    host = plain_user("host").ready()
    host_group(host, relay.url)
    for typed in ("/warn host be kind", "/mute host 5", "/remove host", "/ban host"):
        start = len(host.transcript)
        host.run(typed, "cannot warn, mute, remove or ban themselves, and host is you.")
        host.expect_exact("> ")
        said = host.transcript[start:]
        assert said.count("themselves") == 1 and "itself" not in said, said
        assert "?? " not in said, said  # /ban asks nothing about invites: nothing was done


def test_bad_counts_languages_and_negative_seconds_are_refused_in_words(plain_user, relay):
    host = plain_user("host").ready()
    host_group(host, relay.url, "T")
    host.run("/invite 0 0", "!! An invite is always valid for 7 days and 10 uses")
    host.run("/slowmode -5", "!! The number of seconds must be 0 or more")
    host.run("/set language xx", "!! 'xx' is not a language peertui knows")
    host.expect_exact("peertui speaks en, es, pt_BR.")
    host.run("/set language", "language is now")
    assert "language = xx" not in host.transcript


def test_a_guessed_country_hint_takes_a_name_and_shows_another_country(tmp_path):
    from tests.plain.test_crisis_first import _crisis

    from peertui import i18n

    done = _crisis(tmp_path, lang="pt_BR.UTF-8")
    assert done.returncode == 0, done.stderr
    # The guess is labelled right under the emergency number (the number comes first).
    first = done.stdout.splitlines()[2]
    pt = i18n.translator("pt_BR")
    assert "Brasil" in first, first
    assert "BR" not in first.split("Brasil", 1)[1], first  # the example is another country
    hint = pt.gettext(
        "run peertui --crisis with a country's name or two-letter code, for example "
        "peertui --crisis {example}"
    )
    assert hint.split("{example}")[0] in first, first


def test_an_unknown_country_is_worded_the_same_as_a_name_or_as_two_letters(tmp_path):
    from tests.plain.test_crisis_first import _crisis

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    letters = _crisis(tmp_path / "a", "xx")
    name = _crisis(tmp_path / "b", "Narnia")
    for done, typed in ((letters, "XX"), (name, "Narnia")):
        lines = done.stdout.splitlines()
        assert lines[0].startswith(
            f"'{typed}' is not a country peertui knows; give its name or two letters such as "
            "GB or US."
        ), done.stdout
        assert "112" in done.stdout
    # Past the first line (and Narnia's suggestions), the same lines.
    assert letters.stdout.splitlines()[1:] == name.stdout.splitlines()[1:]


def test_the_crisis_screen_hint_says_name_or_code(plain_user):
    user = plain_user(lang="es_ES.UTF-8")
    user.expect_exact("> ")  # the banner is in Spanish
    user.type("/crisis")
    user.expect_exact("Deducido de tu sistema: España")
    user.expect_exact("el nombre de un país o su código de dos letras, por ejemplo /crisis MX")
