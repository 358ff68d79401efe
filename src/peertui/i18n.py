"""The message catalogue: every sentence a person reads is looked up here in their language.

One gettext domain, `peertui`, in `peertui/locale/<lang>/LC_MESSAGES/peertui.po`, extracted and
compiled with Babel (`./dev.sh i18n`, see docs/dev/TRANSLATING.md). English is the source
language: a message with no translation reads in English, never as an id.

`_()` and friends translate into the *interface language*, chosen once at start-up and again
whenever the `language` setting changes (`use_language`). Code that speaks a language it is
given (the wellbeing texts, which can be asked for in a language other than the interface's)
uses `translator(lang)`. Strings that must be defined at import time are marked with `N_()`
and translated where they are shown, so a change of language reaches them too.

This module is below both core and the front-ends (core never imports UI code) and imports
nothing else of peertui but `paths`, which says where the catalogues are
(`$PEERTUI_LOCALE_DIR` overrides the installed ones).
"""

from __future__ import annotations

import gettext
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DOMAIN = "peertui"
SOURCE_LANGUAGE = "en"

# A locale with no catalogue of its own that reads best in one we have: Portuguese from
# Portugal, Angola or Mozambique is closer to Brazil's than to English.
NEAREST = {"pt": "pt_BR"}


def _locale_dir() -> Path:
    from peertui.paths import locale_dir

    return locale_dir()


@cache
def available_languages() -> tuple[str, ...]:
    """The languages peertui speaks: English and every language with a catalogue."""
    folder = _locale_dir()
    found = sorted(
        entry.name
        for entry in folder.iterdir()
        if (entry / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
    )
    return (SOURCE_LANGUAGE, *found)


def catalogue_language(locale_name: str) -> str:
    """The catalogue that serves a locale: "es_MX" -> "es", "pt_PT" -> "pt_BR", "fr" -> "en".

    Accepts settings and environment spellings ("pt-BR", "es_ES.UTF-8", "ES").
    """
    name = (locale_name or "").strip().split(".")[0].split("@")[0].replace("-", "_")
    language, _sep, territory = name.partition("_")
    language = language.lower()
    candidates = [f"{language}_{territory.upper()}"] if territory else []
    candidates.append(language)
    if language in NEAREST:
        candidates.append(NEAREST[language])
    available = available_languages()
    return next((c for c in candidates if c in available), SOURCE_LANGUAGE)


def _compiled(po_path: Path) -> gettext.NullTranslations:
    """The catalogue for one .po file: its compiled .mo when that is current, else compiled now.

    A wheel ships the .mo (built by hatch_build.py); a source checkout may not have run
    `./dev.sh i18n compile` since the .po last changed, and must not speak a stale catalogue.
    """
    mo_path = po_path.with_suffix(".mo")
    if mo_path.is_file() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        with mo_path.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def translator(lang: str) -> gettext.NullTranslations:
    """The translations for a language or locale name; English (the identity) when we lack it."""
    code = catalogue_language(lang)
    if code == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    return _compiled(_locale_dir() / code / "LC_MESSAGES" / f"{DOMAIN}.po")


@dataclass
class _Current:
    language: str = SOURCE_LANGUAGE  # a catalogue language: "en", "es", "pt_BR"
    locale: str = SOURCE_LANGUAGE  # for dates and numbers: "es_MX" when the locale says so
    translations: gettext.NullTranslations = gettext.NullTranslations()


_current = _Current()


_LOCALE_NAME = re.compile(r"^[a-z]{2,3}(?:_(?:[A-Z]{2}|[0-9]{3}))?$")


def use_language(locale_name: str) -> str:
    """Speak `locale_name` from now on (a setting or locale value); returns the catalogue used.

    Dates and numbers follow the locale's territory when it is one of the language's
    ("es_MX" keeps Mexico's forms); anything else ("C", "fr_FR" read as English) takes the
    catalogue language's own."""
    code = catalogue_language(locale_name)
    language, _sep, territory = (
        (locale_name or "").strip().split(".")[0].split("@")[0].replace("-", "_").partition("_")
    )
    name = f"{language.lower()}_{territory.upper()}" if territory else language.lower()
    same_language = name.split("_")[0] == code.split("_")[0]
    _current.language = code
    _current.locale = name if _LOCALE_NAME.match(name) and same_language else code
    _current.translations = translator(code)
    return code


def current_language() -> str:
    return _current.language


def current_locale() -> str:
    """The Babel locale for dates and numbers: the person's own ("es_MX") where it fits."""
    return _current.locale


def _(message: str) -> str:
    """`message` in the interface language."""
    # gettext("") is the catalogue header ("Project-Id-Version: ..."), never a word to show
    return _current.translations.gettext(message) if message else ""


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for `n` in the interface language (languages differ in how many forms)."""
    return _current.translations.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` as meant in `context`, where one English word has two meanings."""
    return _current.translations.pgettext(context, message)


def N_(message: str) -> str:
    """Mark `message` for the catalogue without translating it yet (translated where shown)."""
    return message


def NP_(context: str, message: str) -> str:
    """Mark `message` in `context` for the catalogue; looked up later with pgettext(context, ...)."""
    return message


def language_name(code: str) -> str:
    """A language by its own name, as a person looks for it in a list: "Español",
    "Português (Brasil)", "English" (CLDR, through Babel)."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name() or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def language_in_sentence(code: str) -> str:
    """A language as a sentence of the interface language names it mid-line: "Spanish",
    "español", "português" (CLDR's own case; lists use `language_name`)."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(current_locale()) or code
    except (ValueError, UnknownLocaleError):
        return code
