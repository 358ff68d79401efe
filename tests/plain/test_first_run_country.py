"""Plain mode's first run asks for the country (issue 15): the guess offered and labelled, names
and codes understood, typos answered with a suggestion, and the safety commands still working
while the question is open. Driven through a real pty, offline."""

from __future__ import annotations

import tomllib

import pexpect
import pytest

from peertui.paths import resolve_paths

pytestmark = pytest.mark.timeout(120)

GUESSED_QUESTION = "?? Your country (Enter keeps United States; a name or a code; or skip)?"
UNGUESSED_QUESTION = "?? Your country (a name such as Mexico, or a code such as MX; or skip)?"
CLEAR = "\x1b[3J\x1b[2J\x1b[H\x1b[3J"


def saved_country(home) -> str | None:
    config = resolve_paths(home).config_file
    return tomllib.loads(config.read_text()).get("country") if config.exists() else None


def test_the_guess_is_labelled_a_typo_gets_a_suggestion_and_a_name_is_saved(plain_user):
    user = plain_user("guessed", offline=True, ask_country=True, lang="en_US.UTF-8")
    user.expect_exact("-- Guessed from your system: United States - not there? type your country.")
    user.expect_exact(GUESSED_QUESTION)
    user.type("mexcio")
    user.expect_exact('!! No country is called "mexcio". Did you mean Mexico?')
    user.expect_exact(GUESSED_QUESTION)
    user.type("no")  # the word, not Norway
    user.expect_exact('!! "no" was not taken as a country. For Norway, type Norway or NO')
    user.expect_exact(GUESSED_QUESTION)
    user.type("México")
    user.expect_exact("-- Your country is Mexico (MX): /crisis shows its crisis lines.")
    user.expect_exact("> ")
    user.type("/crisis")
    user.expect_exact("Mexico (MX) emergency: 911")
    assert user.quit() == 0
    assert saved_country(user.home) == "MX"
    # Asked once: the next start goes straight to the prompt.
    again = plain_user("guessed", offline=True, ask_country=True, lang="en_US.UTF-8").ready()
    again.type("/crisis")
    again.expect_exact("Mexico (MX) emergency: 911")
    assert again.quit() == 0
    assert "Your country (" not in again.transcript


def test_skipping_a_guess_says_the_guess_is_still_what_crisis_shows(plain_user):
    # /crisis goes on showing the locale's guess (labelled): the skip notice must say so, not
    # promise 112, 911 and 999. In Spanish, "omitir" skips.
    user = plain_user("skipped", offline=True, ask_country=True, lang="es_MX.UTF-8")
    user.expect_exact("?? Tu país (Enter mantiene México; un nombre o un código; u omitir)?")
    user.type("omitir")
    user.expect_exact("-- No elegiste ningún país. Hasta que elijas uno, /crisis muestra las")
    user.expect_exact("de México, deducido de tu sistema y marcado como deducción.")
    user.type("/crisis")
    user.expect_exact("Deducido de tu sistema: México")
    user.expect_exact("México (MX) emergencias: 911")
    assert user.quit() == 0
    assert not saved_country(user.home)  # left unset


def test_enter_keeps_the_guess(plain_user):
    user = plain_user("kept", offline=True, ask_country=True, lang="en_GB.UTF-8")
    user.expect_exact("?? Your country (Enter keeps United Kingdom; a name or a code; or skip)?")
    user.type("")
    user.expect_exact("-- Your country is United Kingdom (GB)")
    assert user.quit() == 0
    assert saved_country(user.home) == "GB"


def test_safety_commands_and_a_reply_typed_at_the_open_question_then_skip_and_choose_later(
    plain_user,
):
    """A fresh home, LANG=C.UTF-8, no network: nothing to guess from."""
    user = plain_user("fresh", offline=True, ask_country=True)
    user.expect_exact("-- peertui could not tell your country from your system.")
    user.expect_exact(UNGUESSED_QUESTION)
    user.type("/crisis")
    user.expect_exact("112 works in most of the world")
    user.expect_exact("-- Back to the question.")
    user.expect_exact(UNGUESSED_QUESTION)
    user.type("/ground")
    user.expect_exact("Type /ground <name> to start one")
    user.expect_exact("-- Back to the question.")
    # A reply meant for a group, typed as the question opened: printed back word for word,
    # never taken as a country, and the question comes again.
    user.type("hello everyone, is anyone here")
    user.expect_exact('!! peertui does not know a country called "hello everyone, is anyone here".')
    user.expect_exact(UNGUESSED_QUESTION)
    user.type("skip")
    user.expect_exact("-- No country chosen. Until you choose one, /crisis shows 112, 911 and 999")
    user.type("/crisis")
    user.expect_exact("To see your country's crisis lines, type /crisis")
    # Changeable later, by name.
    user.type("/set country united kingdom")
    user.expect_exact("-- Saved: country = GB.")
    user.type("/set country Frnace")
    user.expect_exact('!! No country is called "Frnace". Did you mean France?')
    user.type("/crisis")
    user.expect_exact("United Kingdom (GB) emergency: 999 or 112")
    assert user.quit() == 0
    assert saved_country(user.home) == "GB"


def test_keys_in_a_burst_are_read_in_order(plain_user):
    """Three lines in one write, as from a fast typist or a paste: each is read in turn."""
    user = plain_user("burst", offline=True, ask_country=True)
    user.expect_exact(UNGUESSED_QUESTION)
    user.child.send("untied states\r/crisis sg\ruk\r")
    user.expect_exact('!! No country is called "untied states". Did you mean United States?')
    user.expect_exact("National Mindline 1771")
    user.expect_exact("-- Your country is United Kingdom (GB)")
    assert user.quit() == 0
    assert "6389 2222" not in user.transcript
    assert saved_country(user.home) == "GB"


def test_quick_exit_at_the_question_leaves_at_once_and_asks_again_next_time(plain_user):
    user = plain_user("leaving", offline=True, ask_country=True)
    user.expect_exact(UNGUESSED_QUESTION)
    user.type("/x")
    user.child.expect(pexpect.EOF, timeout=15)
    user.child.close()
    assert user.child.exitstatus == 0
    assert user.transcript.endswith(CLEAR)
    again = plain_user("leaving", offline=True, ask_country=True)
    again.expect_exact(UNGUESSED_QUESTION)
    again.type("/cancel")  # closes the question: the same as skip
    again.expect_exact("-- No country chosen.")
    assert again.quit() == 0


def test_no_empty_prompt_is_printed_before_the_first_question(plain_user):
    user = plain_user("first", offline=True, ask_country=True, lang="en_GB.UTF-8")
    user.expect_exact("?? Your country (Enter keeps United Kingdom; a name or a code; or skip)?")
    before = user.transcript.split("?? Your country")[0]
    # A prompt is shown only where an answer is read: none before the question's own.
    assert "> " not in before.replace("\r", ""), repr(before)
    user.type("skip")
    user.expect_exact("> ")
    assert user.quit() == 0
