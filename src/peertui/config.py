"""User settings: typed, forgiving on read, atomic on write.

Settings live in two places. `config.toml` holds what is needed before the history is unlocked
— theme, reduced motion, key bindings, and the country and language of crisis lines and
grounding, which must never wait for a passphrase. It is plain text: THREAT_MODEL.md says so.
The settings that reveal more and are needed only once unlocked (`PRIVATE_SETTINGS`: the proxy,
which says Tor is used, and how long history is kept) are kept in the encrypted store by the
engine; if someone writes them into config.toml by hand they are used, then moved.

Reading never raises: a setting that cannot be used is described in a sentence and replaced by
its default, so a typo in the file never keeps anyone from reaching the app (or crisis lines).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import tomli_w

from peertui.i18n import N_, _
from peertui.paths import Paths, write_private_file

PROXY_SCHEMES = ("socks5://", "socks5h://", "http://", "https://")
PLAIN_PREFIXES = ("symbols", "words")


@dataclass
class Settings:
    theme: str = "dark"
    reduced_motion: bool = False
    country: str = ""  # ISO 3166-1 alpha-2; empty means "guess from the locale"
    language: str = ""  # empty means "from the locale"
    history_retention_days: int = 0  # 0 keeps history forever
    proxy: str = ""  # e.g. socks5://127.0.0.1:9050 for Tor
    keybindings: dict[str, str] = field(default_factory=dict)  # binding id -> key
    # Plain mode only: how its lines start ("symbols": -- !! ??, "words": Notice: Error:
    # Question:) and whether numbers are spelled digit by digit for a screen reader.
    plain_prefixes: str = "symbols"
    read_digits: bool = False


# Kept in the encrypted store, never written to config.toml.
PRIVATE_SETTINGS = ("proxy", "history_retention_days")

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")
_LOCALE_LANGUAGE = re.compile(
    r"^([A-Za-z]{2,3})(?:[_-]([A-Za-z]{2}|\d{3})(?=[_.@-]|$))?(?:[_.@-]|$)"
)
DEFAULT_LANGUAGE = "en"


def interface_locale(configured: str = "") -> str:
    """The locale to speak and write dates in: the `language` setting, else the locale
    (LC_ALL, LC_MESSAGES, LANG: es_MX.UTF-8 -> es_MX), else en.

    Every caller goes through here so that an unset setting never silently means English.
    """
    for value in (configured, *(os.environ.get(name, "") for name in LOCALE_VARIABLES)):
        value = (value or "").strip()
        if not value or value in ("C", "POSIX") or value.startswith(("C.", "POSIX.")):
            continue
        match = _LOCALE_LANGUAGE.match(value)
        if match:
            language, territory = match.group(1).lower(), match.group(2)
            return f"{language}_{territory.upper()}" if territory else language
    return DEFAULT_LANGUAGE


def interface_language(configured: str = "") -> str:
    """The language part of `interface_locale`: es_MX.UTF-8 -> es."""
    return interface_locale(configured).split("_")[0]


def speak_language(configured: str = "") -> str:
    """Make the message catalogue speak the chosen language from now on; returns the
    catalogue's language ("es", "pt_BR", or "en" when peertui has none for the locale)."""
    from peertui.i18n import use_language

    return use_language(interface_locale(configured))


_TYPE_WORDS = {
    bool: N_("true or false"),
    int: N_("a whole number"),
    str: N_("text in quotes"),
    dict: N_("a table"),
}


def load_settings(paths: Paths) -> tuple[Settings, list[str]]:
    """Read the settings; returns them and a list of problems, each a sentence."""
    settings = Settings()
    try:
        with paths.config_file.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        return settings, []
    except tomllib.TOMLDecodeError as exc:
        return settings, [
            _("{file} is not valid TOML ({why}); using default settings.").format(
                file=paths.config_file, why=exc
            )
        ]
    except UnicodeDecodeError:
        return settings, [
            _("{file} is not UTF-8 text; using default settings.").format(file=paths.config_file)
        ]
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return settings, [
            _("{file} could not be read ({why}); using default settings.").format(
                file=paths.config_file, why=reason
            )
        ]

    problems: list[str] = []
    known = {f.name: f for f in fields(Settings)}
    for name, value in raw.items():
        if name not in known:
            problems.append(
                _("Unknown setting '{name}' in {file} was ignored.").format(
                    name=name, file=paths.config_file.name
                )
            )
            continue
        problem = _apply(settings, name, value)
        if problem:
            problems.append(problem)
    return settings, problems


def save_settings(paths: Paths, settings: Settings) -> None:
    """Write the settings that live in config.toml (all but PRIVATE_SETTINGS); the file is
    replaced atomically and readable only by its owner."""
    public = {k: v for k, v in asdict(settings).items() if k not in PRIVATE_SETTINGS}
    write_private_file(paths.config_file, tomli_w.dumps(public))


def private_settings(settings: Settings) -> dict[str, Any]:
    """The PRIVATE_SETTINGS part, as the engine keeps it in the encrypted store."""
    return {name: getattr(settings, name) for name in PRIVATE_SETTINGS}


def apply_private_settings(settings: Settings, stored: Any) -> list[str]:
    """Take PRIVATE_SETTINGS from what the store held; problems are sentences."""
    if not isinstance(stored, dict):
        return []
    problems = []
    for name in PRIVATE_SETTINGS:
        if name in stored:
            problem = _apply(settings, name, stored[name])
            if problem:
                problems.append(problem)
    return problems


def private_settings_in_file(paths: Paths) -> list[str]:
    """Which PRIVATE_SETTINGS someone wrote into config.toml (to be moved into the store)."""
    try:
        with paths.config_file.open("rb") as handle:
            raw = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return []
    return [name for name in PRIVATE_SETTINGS if name in raw]


def _not_used(name: str, kept: Any, changing: bool) -> str:
    """What holds after a refused value, truthfully: a refused proxy never means one is in use
    (a privacy user told "using socks5://…" believed they were on Tor while none was set)."""
    if name == "proxy" and not kept:
        if changing:
            return _("No proxy is in use; the setting is unchanged.")
        return _("No proxy is in use.")
    if changing:
        return _("The setting is unchanged ({value}).").format(value=_describe(kept))
    return _("Using the default ({default}).").format(default=_describe(kept))


def _apply(settings: Settings, name: str, value: Any, changing: bool = False) -> str | None:
    """Set one setting if its value is usable; otherwise return why not. `changing`: asked for
    now (/set, the settings form), so a refusal keeps the current value, not the default."""
    default = getattr(settings, name)
    expected = type(default)
    # bool is a subclass of int, so `true` must not pass as a number of days.
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        return _(
            "Setting '{name}' must be {kind}, not {value}; using the default ({default})."
        ).format(
            name=name,
            kind=_(_TYPE_WORDS[expected]),
            value=_describe(value),
            default=_describe(default),
        )
    if name == "keybindings":
        bindings, problems = _keybindings(value)
        settings.keybindings = bindings
        return " ".join(problems) or None
    problem = _check_value(name, value)
    if problem:
        return f"{problem} {_not_used(name, default, changing)}"
    setattr(settings, name, value.upper() if name == "country" else value)
    return None


def _check_value(name: str, value: Any) -> str | None:
    if name == "plain_prefixes" and value not in PLAIN_PREFIXES:
        return _('Setting \'plain_prefixes\' must be "symbols" or "words".')
    if name == "language" and value:
        return _check_language(value)
    if name == "theme" and not value.strip():
        return _("Setting 'theme' is empty.")
    if name == "history_retention_days" and value < 0:
        return _("Setting 'history_retention_days' cannot be negative (0 keeps history forever).")
    if (
        name == "country"
        and value
        and not (len(value) == 2 and value.isascii() and value.isalpha())
    ):
        return _(
            'Setting \'country\' must be a two-letter country code such as "GB", not "{value}".'
        ).format(value=value)
    if name == "proxy" and value and not value.startswith(PROXY_SCHEMES):
        return _(
            "Setting 'proxy' must be a URL starting with socks5://, socks5h://, http:// or "
            'https://, such as "socks5://127.0.0.1:9050".'
        )
    return None


def _check_language(value: str) -> str | None:
    """A language code ("es", "pt_BR", "pt-BR"). One peertui has no catalogue for is kept (the
    crisis lines and the detector may still know it) and the interface speaks English."""
    if not _LOCALE_LANGUAGE.match(value.strip()):
        return _(
            'Setting \'language\' must be a language code such as "es" or "pt_BR", not "{value}".'
        ).format(value=value)
    return None


def language_note(value: str) -> str:
    """What choosing `value` means for the interface, in the newly chosen language."""
    from peertui.i18n import available_languages, catalogue_language

    code = catalogue_language(interface_locale(value))
    if code == DEFAULT_LANGUAGE and interface_language(value) != DEFAULT_LANGUAGE:
        return _(
            "peertui does not speak {value} yet, so it speaks English; it speaks {all}."
        ).format(value=value or interface_locale(), all=", ".join(available_languages()))
    return ""


def _keybindings(table: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    bindings: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, key in table.items():
        if isinstance(key, str) and key.strip():
            bindings[binding_id] = key
        else:
            problems.append(
                _(
                    "Key binding '{id}' must be a key name in quotes such as \"ctrl+q\", "
                    "not {value}; using its default key."
                ).format(id=binding_id, value=_describe(key))
            )
    return bindings, problems


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # as written in config.toml
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return _("a table")
    if isinstance(value, list):
        return _("a list")
    return repr(value)


def set_setting(settings: Settings, name: str, value: Any) -> str | None:
    """Change one setting in place if `value` is usable; otherwise return why not (a sentence)."""
    if name not in {f.name for f in fields(Settings)}:
        return _("There is no setting '{name}'.").format(name=name)
    return _apply(settings, name, value, changing=True)
