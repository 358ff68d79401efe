"""Reading the wellbeing data files shipped inside the package (never anything else)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

DEFAULT_LANGUAGE = "en"


@cache
def load_toml(relative_path: str) -> dict:
    text = (
        resources.files("peertui.wellbeing")
        .joinpath("data", relative_path)
        .read_text(encoding="utf-8")
    )
    return tomllib.loads(text)


@cache
def available_languages(folder: str) -> frozenset[str]:
    entries = resources.files("peertui.wellbeing").joinpath("data", folder).iterdir()
    return frozenset(e.name.removesuffix(".toml") for e in entries if e.name.endswith(".toml"))


def pick_language(lang: str | None, folder: str) -> str:
    """ "es", "ES" and "es_MX.UTF-8" all mean Spanish; anything we lack falls back to English."""
    code = (lang or "").strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return code if code in available_languages(folder) else DEFAULT_LANGUAGE


@cache
def load_texts(folder: str, lang: str) -> dict:
    """A wellbeing text file (`data/<folder>/en.toml`) in `lang`: every translatable string
    looked up in the message catalogue (context: the folder), structure and timings as written.

    The English file is the source; `peertui.i18n_extract` puts the same strings into the
    catalogue, so what is extracted and what is looked up cannot drift apart.
    """
    from peertui.i18n import catalogue_language, translator
    from peertui.i18n_extract import translatable

    code = catalogue_language(lang)
    translations = translator(code)

    def translated(value: object) -> object:
        if isinstance(value, str):
            return translations.pgettext(folder, value)
        if isinstance(value, list):
            return [translated(item) for item in value]
        if isinstance(value, dict):
            return {k: translated(v) if translatable(k) else v for k, v in value.items()}
        return value

    texts = translated(load_toml(f"{folder}/{DEFAULT_LANGUAGE}.toml"))
    assert isinstance(texts, dict)
    texts["language"] = code
    return texts
