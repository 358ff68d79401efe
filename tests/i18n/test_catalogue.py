"""The message catalogue: current with the code, complete in every language, and shipped.

`test_every_message_is_translated` is the issue's acceptance test: it extracts the messages
from the code as it is now and fails for any message a language lacks, has left empty or
marked fuzzy. A string a person reads that bypasses the catalogue is caught by
test_literals.py; one that goes through it but is not translated is caught here.
"""

from __future__ import annotations

import gettext
import os
import string
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from tools import i18n as tools

from peertui import i18n

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "src" / "peertui" / "locale"
LANGUAGES = ("es", "pt_BR")


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Catalog:
    """The messages of the code as it is now (pybabel extract with the repository's config)."""
    pot = tmp_path_factory.mktemp("pot") / "peertui.pot"
    tools.extract(pot)
    return _read(pot)


def _keys(catalog: Catalog) -> set[tuple[str, str | None]]:
    return {(_id(m.id), m.context) for m in catalog if m.id}


def _id(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def test_the_template_is_current_with_the_code(extracted):
    committed = _keys(_read(LOCALE / "peertui.pot"))
    missing = _keys(extracted) - committed
    assert not missing, (
        f"{len(missing)} messages are in the code but not in peertui.pot; run "
        f"./dev.sh i18n extract && ./dev.sh i18n update: {sorted(missing)[:5]}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(extracted, language):
    catalog = _read(LOCALE / language / "LC_MESSAGES" / "peertui.po")
    assert catalog.fuzzy is False, f"{language}.po is marked fuzzy as a whole"
    problems = []
    for wanted in extracted:
        if not wanted.id:
            continue
        found = catalog.get(wanted.id, context=wanted.context)
        strings = () if found is None else found.string
        strings = (strings,) if isinstance(strings, str) else strings
        if found is None:
            problems.append(("missing", _id(wanted.id)))
        elif found.fuzzy:
            problems.append(("fuzzy", _id(wanted.id)))
        elif not all(strings):
            problems.append(("untranslated", _id(wanted.id)))
    assert not problems, (
        f"{language}: {len(problems)} of {len([m for m in extracted if m.id])} messages are not "
        f"translated, e.g. {problems[:3]}"
    )


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    """A translation with a missing or misspelled {placeholder} would crash .format() or drop a
    nickname, a number or a crisis line from the sentence."""
    wrong = []
    for message in _read(LOCALE / language / "LC_MESSAGES" / "peertui.po"):
        if not message.id or not message.string or message.fuzzy:
            continue  # fuzzy guesses are never shown (and fail the completeness test)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set().union(*(_fields(i) for i in ids))
        for text in strings:
            try:
                if text and _fields(text) != wanted:
                    wrong.append(_id(message.id))
            except ValueError:  # an unbalanced brace
                wrong.append(_id(message.id))
    assert not wrong, f"{language}: placeholders differ in {wrong[:5]}"


def test_a_catalogue_without_a_current_mo_is_compiled_from_its_po(tmp_path):
    """A fresh clone has no .mo files: the .po is compiled in memory, and a stale .mo (older
    than its .po) is never used."""
    catalog = Catalog(locale="es")
    catalog.add("Settings", "Ajustes")
    po = tmp_path / "peertui.po"
    with po.open("wb") as handle:
        write_po(handle, catalog)
    assert i18n._compiled(po).gettext("Settings") == "Ajustes"

    stale = Catalog(locale="es")
    stale.add("Settings", "Configuración antigua")
    with po.with_suffix(".mo").open("wb") as handle:
        write_mo(handle, stale)
    old = po.stat().st_mtime - 60
    os.utime(po.with_suffix(".mo"), (old, old))
    assert i18n._compiled(po).gettext("Settings") == "Ajustes"

    os.utime(po.with_suffix(".mo"), None)  # now newer than the .po: the .mo is used
    assert i18n._compiled(po).gettext("Settings") == "Configuración antigua"


def test_every_language_has_a_catalogue_and_english_needs_none():
    assert i18n.available_languages() == ("en", *LANGUAGES)
    assert isinstance(i18n.translator("en"), gettext.NullTranslations)
    assert i18n.catalogue_language("pt_PT.UTF-8") == "pt_BR", "Portugal reads Brazil's"
    assert i18n.catalogue_language("es-AR") == "es"
    assert i18n.catalogue_language("fr_FR") == "en"


@pytest.mark.timeout(300)
def test_the_wheel_ships_compiled_catalogues(tmp_path):
    """`pip install .` from a fresh clone: the wheel carries a .mo for every language, built
    from the .po by hatch_build.py (the .mo files are not in git)."""
    out = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, timeout=280,
    )  # fmt: skip
    (wheel,) = out.glob("peertui-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for language in LANGUAGES:
            mo = f"peertui/locale/{language}/LC_MESSAGES/peertui.mo"
            assert mo in names, f"{mo} is not in the wheel"
            assert f"peertui/locale/{language}/LC_MESSAGES/peertui.po" in names
            with archive.open(mo) as handle:
                compiled = gettext.GNUTranslations(handle)
            po = _read(LOCALE / language / "LC_MESSAGES" / "peertui.po")
            for message in po:
                if message.id and isinstance(message.string, str) and message.string:
                    if message.fuzzy:
                        continue  # never compiled: a guess nobody has checked
                    looked_up = (
                        compiled.pgettext(message.context, message.id)
                        if message.context
                        else compiled.gettext(message.id)
                    )
                    assert looked_up == message.string, "the .mo holds the translations"
