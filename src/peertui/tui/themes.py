"""Theme files (TOML) turned into Textual themes.

Bundled themes live in the repository's `themes/` directory when running from a source tree, and
in `peertui/themes` inside an installed wheel. Users may add their own in `paths.themes_dir`.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

from textual.theme import Theme

from peertui.i18n import _
from peertui.ui.settings import DEFAULT_THEME, bundled_themes_dir

__all__ = [
    "DEFAULT_THEME",
    "ThemeFileError",
    "bundled_themes_dir",
    "load_themes",
    "theme_from_file",
]

_COLOUR_FIELDS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
_ALLOWED = {f.name for f in fields(Theme)} - {"ansi"}


class ThemeFileError(ValueError):
    """A theme file that cannot be used; `str()` names the file and the problem."""


def theme_from_file(path: Path) -> Theme:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ThemeFileError(
            _("Theme file {name} could not be read ({why}).").format(
                name=path.name, why=exc.__class__.__name__
            )
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(
            _("Theme file {name} is not valid TOML: {exc}.").format(name=path.name, exc=exc)
        ) from None
    data.setdefault("name", path.stem)
    unknown = sorted(set(data) - _ALLOWED)
    if unknown:
        raise ThemeFileError(
            _("Theme file {name} has unknown settings: {names}.").format(
                name=path.name, names=", ".join(unknown)
            )
        )
    if not isinstance(data.get("primary"), str):
        raise ThemeFileError(
            _("Theme file {name} needs a 'primary' colour such as \"#7aa2d6\".").format(
                name=path.name
            )
        )
    for name in _COLOUR_FIELDS:
        if name in data and not isinstance(data[name], str):
            raise ThemeFileError(
                _("Theme file {name}: '{name2}' must be a colour in quotes.").format(
                    name=path.name, name2=name
                )
            )
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise ThemeFileError(
            _("Theme file {name}: [variables] must map names to strings.").format(name=path.name)
        )
    try:
        theme = Theme(**data)
        # Parsing the colours now turns a bad colour into a message instead of a crash later.
        theme.to_color_system()
    except Exception as exc:  # Textual raises several types for bad colours
        raise ThemeFileError(
            _("Theme file {name} has a colour Textual cannot read: {exc}.").format(
                name=path.name, exc=exc
            )
        ) from None
    return theme


def load_themes(user_dir: Path | None) -> tuple[list[Theme], list[str]]:
    """Bundled themes first, then the user's (a user theme may replace a bundled one by name).

    Problems are gathered as sentences so the app can show them in one notice.
    """
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    directories = [bundled_themes_dir()]
    if user_dir is not None and user_dir.is_dir():
        directories.append(user_dir)
    for directory in directories:
        for path in sorted(directory.glob("*.toml")):
            try:
                theme = theme_from_file(path)
            except ThemeFileError as exc:
                problems.append(str(exc))
                continue
            themes[theme.name] = theme
    return list(themes.values()), problems
