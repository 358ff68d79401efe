"""Which language peertui speaks, and how dates, numbers and lists follow it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from peertui import i18n
from peertui.config import Settings, interface_locale, language_note, set_setting, speak_language
from peertui.ui import wording

MOMENT = int(datetime(2026, 12, 1, 9, 6, tzinfo=UTC).timestamp() * 1000)


@pytest.fixture
def no_locale(monkeypatch):
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_setting_then_lc_all_then_lc_messages_then_lang_then_english(no_locale):
    assert interface_locale("") == "en"
    no_locale.setenv("LANG", "pt_BR.UTF-8")
    assert interface_locale("") == "pt_BR"
    no_locale.setenv("LC_MESSAGES", "es_MX.UTF-8")
    assert interface_locale("") == "es_MX"
    no_locale.setenv("LC_ALL", "C.UTF-8")
    assert interface_locale("") == "es_MX", "C names no language: keep looking"
    no_locale.setenv("LC_ALL", "en_GB.UTF-8")
    assert interface_locale("") == "en_GB"
    assert interface_locale("pt-br") == "pt_BR", "the setting wins"
    assert speak_language("") == "en"
    assert speak_language("es") == "es"
    assert i18n.current_language() == "es"


def test_an_unknown_language_is_english_and_portugal_reads_brazil(no_locale):
    no_locale.setenv("LANG", "de_DE.UTF-8")
    assert speak_language("") == "en"
    no_locale.setenv("LANG", "pt_PT.UTF-8")
    assert speak_language("") == "pt_BR"
    assert i18n.current_locale() == "pt_PT", "dates and numbers still Portugal's"


def test_switching_language_changes_every_later_lookup():
    i18n.use_language("es")
    spanish = i18n.pgettext("grounding", "Box breathing")
    assert spanish != "Box breathing", "the Spanish grounding texts are in es.po"
    i18n.use_language("en")
    assert i18n.pgettext("grounding", "Box breathing") == "Box breathing"


def test_dates_follow_the_language_in_utc():
    assert wording.utc_time(MOMENT) == "2026-12-01 09:06 UTC"
    assert wording.utc_time(MOMENT, date=False) == "09:06 UTC"
    i18n.use_language("es_ES")
    assert wording.utc_time(MOMENT) == "1/12/2026 9:06 UTC"
    i18n.use_language("pt_BR")
    assert wording.utc_time(MOMENT) == "01/12/2026 09:06 UTC"


def test_lists_and_numbers_follow_the_language():
    assert wording.join_list(["yes", "edit", "no"]) == "yes, edit or no"
    assert wording.number(12500) == "12,500"
    i18n.use_language("es")
    assert wording.join_list(["sí", "editar", "no"]) == "sí, editar o no"
    assert wording.join_list(["a", "b"], "and") == "a y b"
    assert wording.number(12500) == "12.500"
    i18n.use_language("pt_BR")
    assert wording.join_list(["sim", "não"]) == "sim ou não"


def test_a_language_setting_is_checked_and_one_without_a_catalogue_is_kept():
    settings = Settings()
    assert set_setting(settings, "language", "pt-BR") is None
    problem = set_setting(settings, "language", "Spanish please")
    assert problem is not None and "language code" in problem
    assert settings.language == "pt-BR", "a refused value changes nothing"
    assert set_setting(settings, "language", "mi") is None
    assert "does not speak mi yet" in language_note("mi")
    assert language_note("es") == ""


def test_language_names_are_their_own_words():
    assert [i18n.language_name(c) for c in ("en", "es", "pt_BR")] == [
        "English",
        "Español",
        "Português (Brasil)",
    ]


def test_typed_answers_take_the_english_word_too():
    from peertui.ui.flows import NO, YES, Question, judge

    question = Question("Send anyway", (YES, NO))
    i18n.use_language("es")
    assert question.render().endswith("?")
    answer = judge(question, "yes")
    assert getattr(answer, "choice", None) == "yes"
    assert getattr(judge(question, YES.typed), "choice", None) == "yes"
    assert getattr(judge(question, "n"), "choice", None) == "no"
