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
