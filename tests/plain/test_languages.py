"""Plain mode in every language it speaks, chosen by LANG alone, over a real relay.

The line contract holds in each language (docs/PLAIN_MODE.md): the symbol prefixes `-- `,
`!! `, `?? ` never change, command output is indented by two spaces, every question ends with
`?`; with `/set prefixes words` the word prefixes are said in the language; moderation lines
carry their date in the language's form, in UTC. Every expected sentence is looked up in the
language's catalogue, so the test follows the translations as they land.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from tests.plain.people import INVITE_LINE, PlainUser

from peertui import i18n
from peertui.plain.console import BANNER, WORD_PREFIXES
from peertui.ui import wording

pytestmark = pytest.mark.timeout(150)

# Spain's locale here (the TUI test takes Mexico's): both read the one Spanish catalogue.
LOCALES = {"en": "C.UTF-8", "es": "es_ES.UTF-8", "pt_BR": "pt_BR.UTF-8"}
COUNTRY = {"en": "GB", "es": "ES", "pt_BR": "BR"}
CRISIS_IN_ANOTHER_LANGUAGE = {
    "en": "quiero matarme",
    "es": "I want to kill myself",
    "pt_BR": "quiero matarme",
}


def _own_name(code: str) -> str:
    """A language named mid-sentence in itself, as CLDR writes it ("español", "português")."""
    from babel import Locale

    return Locale.parse(code).get_display_name(code) or code


def date_pattern(language: str) -> str:
    """A regular expression for utc_time() as the locale of `language` writes it, any digits."""
    i18n.use_language(LOCALES[language])
    try:
        sample = wording.utc_time(
            int(datetime(2026, 11, 23, 17, 45, tzinfo=UTC).timestamp() * 1000)
        )
    finally:
        i18n.use_language("en")
    return re.sub(r"\d+", r"\\d+", re.escape(sample))


def contract_holds(user: PlainUser, typed: set[str]) -> None:
    words = {i18n.translator(lang).gettext(w) for lang in LOCALES for w in WORD_PREFIXES.values()}
    for line in user.lines():
        line = line.rstrip("\r")
        if not line or line in typed or line == "/quit":
            continue  # the terminal's echo of what was typed
        assert line.startswith(("-- ", "!! ", "?? ", "  ", "#", "[", "peertui:", *words)), (
            f"a line outside the contract: {line!r}"
        )


@pytest.mark.parametrize("language", list(LOCALES))
def test_the_line_contract_holds_in_every_language(tmp_path, relay, language):
    w = i18n.translator(language)
    typed: set[str] = set()

    def person(name: str) -> PlainUser:
        user = PlainUser(tmp_path / name, lang=LOCALES[language])
        user.expect_exact("-- " + w.gettext(BANNER))
        # The first start says which language it speaks, in that language.
        user.expect_exact(
            "-- "
            + w.gettext(
                "peertui speaks {language}; /set language changes it (en, es, pt_BR)."
            ).format(language=_own_name(language))
        )
        user.expect_exact("> ")
        return user

    def say(user: PlainUser, line: str) -> None:
        typed.add(line)
        user.type(line)

    host = person("host")
    guest = None
    try:
        say(host, f"/crisis {COUNTRY[language]}")
        host.expect_exact(f"({COUNTRY[language]}) ")
        host.expect_exact(
            w.gettext("/crisis {code} more: hours, sources and more helplines.").format(
                code=COUNTRY[language]
            )
        )
        say(host, f"/host Tuesday circle {relay.url}")
        host.expect_exact("-- ")
        say(host, "/invite")
        token = host.expect(INVITE_LINE).group(1)

        guest = person("guest")
        say(guest, f"/join {token} robin")
        guest.expect_exact("?? " + w.gettext("Do you accept these guidelines"))
        guest.expect_exact("?")
        say(guest, w.pgettext("answer", "yes"))
        host.expect_exact("-- robin")
        say(host, "/approve robin")
        admitted = w.gettext("admitted")
        host.expect_exact(
            "-- "
            + w.gettext("Moderation: {line}.").format(
                line=f"host ({w.gettext('owner')}) {admitted} robin"
            )
        )
        guest.expect_exact(
            "-- " + w.gettext("You are now a member of {name}.").format(name="Tuesday circle")
        )
        say(host, "/modlog")
        host.expect(
            rf"  #\d+ {date_pattern(language)} host \({re.escape(w.gettext('owner'))}\) {re.escape(admitted)} robin\r\n"
        )
        # Issue 15: with nothing set the language comes from LANG, and every phrase book runs
        # whatever the interface language: a crisis sentence in another language gets the
        # offer, in the interface's language.
        say(guest, CRISIS_IN_ANOTHER_LANGUAGE[language])
        guest.expect_exact(
            "-- "
            + w.pgettext(
                "responses", "That sounds really hard. You do not have to go through it alone."
            )
        )

        # Word prefixes, in the language, once asked for; symbols again after.
        say(host, "/set prefixes words")
        notice_word = w.gettext(WORD_PREFIXES["notice"])
        host.expect_exact(
            notice_word
            + w.gettext("Saved: {name} = {value}.").format(name="plain_prefixes", value="words")
        )
        say(host, "/nonsense")
        host.expect_exact(w.gettext(WORD_PREFIXES["error"]))
        say(host, "/set prefixes symbols")
        host.expect_exact("-- ")
        for user in (host, guest):
            assert user.quit() == 0
            contract_holds(user, typed)
    finally:
        for user in (host, guest):
            if user is not None:
                user.close()


def test_set_language_switches_plain_mode_at_once(tmp_path):
    """`/set language es`: the very next line is Spanish (no restart); `- ` goes back to the
    locale's; a language peertui has no catalogue for is kept and the reply says so."""
    user = PlainUser(tmp_path / "home", lang="C.UTF-8")
    try:
        user.expect_exact("-- " + BANNER)
        user.expect_exact("> ")
        user.type("/set language es")
        es = i18n.translator("es")
        user.expect_exact(
            "-- "
            + es.gettext("Saved: {name} = {value}.").format(name="language", value="es")
            + " "
            + es.gettext("peertui now speaks {language}.").format(language=_own_name("es"))
        )
        user.type("/set language de")
        user.expect_exact("peertui does not speak de yet")
        user.type("/set language x y")
        user.expect_exact("!! ")
        assert user.quit() == 0
    finally:
        user.close()
