"""Changing one setting by its name and a typed value: `/set country GB` in both front-ends.

The meanings, the short names people type and the value parsing live here, so the TUI's `/set`
and plain mode's `/set` accept the same words and answer with the same sentences.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from dataclasses import fields
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peertui.i18n import N_
from peertui.ui import actions, commands
from peertui.ui.wording import _

if TYPE_CHECKING:
    from peertui.config import Settings

# What each setting does and when it takes effect, as /settings says it (msgids).
MEANINGS = {
    "country": N_(
        "the country whose crisis lines /crisis shows (a name or a code such as Mexico or MX; "
        "- for none)"
    ),
    "language": N_("the language peertui speaks (such as en, es or pt_BR; - for your locale's)"),
    "history_retention_days": N_(
        "days of history kept on this computer, 0 keeps all; applied at the next start"
    ),
    "proxy": N_(
        "a proxy for every connection, such as socks5://127.0.0.1:9050 for Tor; - for none; used from the next start"
    ),
    "plain_prefixes": N_(
        "how plain-mode lines start: symbols (-- !! ??) or words (Notice: Error: Question:)"
    ),
    "read_digits": N_("plain mode spells numbers digit by digit (1 1 6 1 2 3): on or off"),
    "theme": N_("the full-screen app's colour theme"),
    "reduced_motion": N_(
        "the full-screen app keeps still (no animated breathing guide): on or off"
    ),
    "keybindings": N_(
        "the full-screen app's keys by action id: /set keybindings peertui.crisis f1,ctrl+l"
    ),
}
# Short names people are likely to type.
ALIASES = {
    "retention": "history_retention_days",
    "prefixes": "plain_prefixes",
    "digits": "read_digits",
    "motion": "reduced_motion",
    "keys": "keybindings",
    "key": "keybindings",
}
BOOLEAN_WORDS = {"on": True, "yes": True, "true": True, "off": False, "no": False, "false": False}


DEFAULT_THEME = "dark"


# A changed proxy is not used until the next start: never a silent direct connection meanwhile.
PROXY_FROM_NEXT_START = N_(
    "The proxy is used from the next start: until you quit and start peertui again, this "
    "session still connects directly, without it."
)


def bundled_themes_dir() -> Path:
    """Where the shipped theme files are: the source tree's `themes/` or the wheel's copy."""
    source_tree = Path(__file__).resolve().parents[3] / "themes"
    if (source_tree / f"{DEFAULT_THEME}.toml").is_file():
        return source_tree
    return Path(str(resources.files("peertui") / "themes"))


def theme_names(user_dir: Path | None) -> list[str]:
    """The names of the themes there are (bundled, then the person's own), read from their
    files without Textual, so plain mode's `/set theme` refuses the same names the TUI would."""
    names: set[str] = set()
    for directory in (bundled_themes_dir(), user_dir):
        if directory is None or not directory.is_dir():
            continue
        for path in directory.glob("*.toml"):
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue  # the TUI says what is wrong with it when it loads its themes
            name = data.get("name", path.stem)
            if isinstance(name, str) and name:
                names.add(name)
    return sorted(names)


def shown(value: Any) -> str:
    """A setting's value as a person reads it."""
    if isinstance(value, bool):
        return _("on") if value else _("off")
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or _("(the defaults)")
    return str(value) if value != "" else _("(not set)")


def listing(current: Settings) -> list[str]:
    """Every setting with its value and meaning, then how to change one."""
    lines = [
        f"{f.name} = {shown(getattr(current, f.name))} - {_(MEANINGS[f.name]) if f.name in MEANINGS else ''}"
        for f in fields(current)
    ]
    lines.append(_("/set <setting> <value> changes one, for example /set country GB."))
    return lines


def _value_for(current: Settings, name: str, text: str) -> Any:
    default = getattr(current, name)
    if isinstance(default, bool):
        if text.casefold() not in BOOLEAN_WORDS:
            raise commands.UsageError(
                _("'{name}' is on or off, not '{text}'.").format(name=name, text=text)
            )
        return BOOLEAN_WORDS[text.casefold()]
    if isinstance(default, int):
        if not text.isdigit():
            raise commands.UsageError(
                _("'{name}' is a whole number, not '{text}'.").format(name=name, text=text)
            )
        return int(text)
    if isinstance(default, dict):
        binding_id, _sep, keys = text.partition(" ")
        if binding_id not in actions.BY_ID or not actions.by_id(binding_id).key:
            raise commands.UsageError(
                _("'{id}' is not an action with a key; /help settings lists them.").format(
                    id=binding_id
                )
            )
        table = dict(current.keybindings)
        if keys.strip() in ("", "-"):
            table.pop(binding_id, None)
        else:
            table[binding_id] = keys.strip()
        return table
    return "" if text == "-" else text


def _unknown_language(value: str) -> str:
    """The refusal for a code that is no language at all ("xx"), naming the ones peertui
    speaks; "" for a real language, which is kept even without a catalogue (its crisis lines
    and the detector may know it) and said to be spoken in English."""
    from babel import Locale, UnknownLocaleError

    from peertui.i18n import available_languages

    try:
        Locale.parse(value.strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return _(
            "'{value}' is not a language peertui knows, so nothing was changed. peertui "
            "speaks {all}."
        ).format(value=value.strip(), all=", ".join(available_languages()))
    return ""


def change(current: Settings, argument: str, *, themes: Collection[str]) -> str:
    """Apply `/set <setting> <value>` to `current` in place and say what was saved; `themes`
    are the theme names there are (a name not among them is refused, naming them).

    Raises `commands.UsageError` (its text a whole sentence) when the name or value is not
    usable; `current` is then unchanged. The caller saves the settings.
    """
    from peertui.config import language_note, set_setting, speak_language
    from peertui.i18n import current_language, language_in_sentence

    action = actions.by_id("peertui.set")
    typed_name, _sep, text = commands.need(argument, action).partition(" ")
    name = ALIASES.get(typed_name.casefold(), typed_name.casefold())
    if name not in MEANINGS:
        raise commands.usage(
            action,
            _("There is no setting '{name}'. The settings are: {names}.").format(
                name=typed_name, names=", ".join(MEANINGS)
            ),
        )
    if not text.strip():
        # `/set theme` alone: what it is now and what it can be, not only how to type it.
        now = _("{name} is now {value}.").format(name=name, value=shown(getattr(current, name)))
        if name == "theme":
            choices = _("The themes are: {names}.").format(names=", ".join(sorted(themes)))
            now = f"{now} {choices}"
        raise commands.usage(
            action, f"{now} " + _("Give the new value of {name}.").format(name=name)
        )
    value = _value_for(current, name, text.strip())
    if name == "theme" and value not in themes:
        raise commands.UsageError(
            _("There is no theme '{name}'. The themes are: {names}.").format(
                name=value, names=", ".join(sorted(themes))
            )
        )
    if name == "country":
        from peertui.ui import country

        refused = country.set_country_refusal(text.strip())
        if refused:
            raise commands.UsageError(refused)
        value = country.resolve(text.strip())
    if name == "language" and value:
        refused = _unknown_language(str(value))
        if refused:
            raise commands.UsageError(refused)
    before = getattr(current, name, None)
    problem = set_setting(current, name, value)
    if problem:
        raise commands.UsageError(problem)
    if name == "proxy" and current.proxy != before:
        saved = _("Saved: {name} = {value}.").format(name=name, value=shown(current.proxy))
        return f"{saved} {_(PROXY_FROM_NEXT_START)}"
    if name != "language":
        return _("Saved: {name} = {value}.").format(name=name, value=shown(getattr(current, name)))
    # From this sentence on, in the language just chosen (no restart).
    speak_language(current.language)
    saved = _("Saved: {name} = {value}.").format(name=name, value=shown(current.language))
    note = language_note(current.language) or _("peertui now speaks {language}.").format(
        language=language_in_sentence(current_language())
    )
    return f"{saved} {note}"
