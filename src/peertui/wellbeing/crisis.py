"""Crisis lines for a person: which country to show (asked, set, or a guess that says it is
one) and the plain lines both front-ends print, emergency number first, each service with its
hours, languages and how fresh its source is. Works offline: the data is the package's own
(`peertui.wellbeing.crisis_directory`), never the network.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from peertui.i18n import N_, _, current_language, current_locale
from peertui.wellbeing.crisis_directory import (
    LOCALE_COUNTRY,
    LOCALE_VARIABLES,
    NOT_PHONE_CHECKED,
    SIGN_LANGUAGES,
    STALE_BEFORE,
    WORLD_EMERGENCY,
    Country,
    Directory,
    DirectoryError,
    Service,
    aware,
    directory_words,
    load_directory,
    normalise_country,
    parse_directory,
    parse_partial_date,
)

# The directory's data and words are in `crisis_directory`; the front-ends and tests reach
# both through this module.
__all__ = [
    "NOT_PHONE_CHECKED",
    "STALE_BEFORE",
    "Country",
    "CountryChoice",
    "DirectoryError",
    "Service",
    "asked_country",
    "choose_country",
    "country_from_locale",
    "country_name",
    "format_country",
    "guess_line",
    "is_country_code",
    "join_or",
    "lines_for",
    "load_directory",
    "no_country_lines",
    "normalise_country",
    "not_a_country",
    "other_example",
    "parse_directory",
    "parse_partial_date",
    "unlisted_country_lines",
]


@dataclass(frozen=True)
class CountryChoice:
    """Which country to show and how we know: said by the person, set, guessed, or unknown."""

    iso2: str
    how: str  # "asked", "setting", "locale" or "none"

    @property
    def guessed(self) -> bool:
        return self.how == "locale"


def is_country_code(code: str) -> bool:
    return load_directory().get(code) is not None


def choose_country(settings_country: str = "", asked: str = "") -> CountryChoice:
    """The country to show: the one asked for, else the setting, else a guess from the locale."""
    if asked.strip():
        return CountryChoice(normalise_country(asked), "asked")
    chosen = normalise_country(settings_country)
    if re.fullmatch(r"[A-Z]{2}", chosen):
        return CountryChoice(chosen, "setting")
    guess = country_from_locale("")
    return CountryChoice(guess, "locale") if guess else CountryChoice("", "none")


def country_from_locale(settings_country: str = "") -> str:
    """The member's country as ISO 3166 alpha-2, or "" when nothing says.

    The setting wins; otherwise the locale environment (en_GB.UTF-8 -> GB). Never the network:
    the directory must work offline and must not reveal anything about the member.
    """
    chosen = normalise_country(settings_country)
    if re.fullmatch(r"[A-Z]{2}", chosen):
        return chosen
    for variable in LOCALE_VARIABLES:
        value = os.environ.get(variable, "")
        if not value:
            continue
        match = LOCALE_COUNTRY.match(value)
        if match:
            return normalise_country(match.group(1))
        if value not in ("C", "POSIX") and not value.startswith("C."):
            # A set but countryless locale (e.g. "en") is the user's answer; stop looking.
            return ""
    return ""


# ----------------------------------------------------------------------------- words
# The directory's data (names of services, numbers, sources) is as the providers write it; the
# sentences around it, its notes, and the names of countries, languages and days are said in
# the interface language: country, language and day names from CLDR through Babel, the rest
# from the message catalogue.


def country_name(country: Country) -> str:
    """The directory's English name in English; CLDR's name in every other language."""
    if current_language() == "en":
        return country.name
    from babel import Locale

    return Locale.parse(current_locale()).territories.get(country.iso2, country.name)


def _language_list(codes: tuple[str, ...]) -> str:
    from babel import Locale

    known = Locale.parse(current_locale()).languages
    return ", ".join(
        _(SIGN_LANGUAGES[code]) if code in SIGN_LANGUAGES else known.get(code, code)
        for code in codes
    )


# A source older than this is said to be old, so "verified 2021" is never read as a claim that
# the number was checked recently.
OLD_SOURCE_YEARS = 2


# The words of the data's source lines that are a description, not a name or an address.
_SOURCE_WORDS = {
    "libphonenumber emergency-number table": N_("libphonenumber emergency-number table")
}


def _source_words(source: str) -> str:
    for english, marked in _SOURCE_WORDS.items():
        source = source.replace(english, _(marked))
    return source


def _verified_line(verified: str, undated: bool, source: str, today: date | None = None) -> str:
    source = _source_words(source)
    today = today or date.today()
    checked = parse_partial_date(verified)
    if not undated and checked < today.replace(year=today.year - OLD_SOURCE_YEARS):
        return _(
            "the newest source found is from {date}, over {years} years old: if the number does "
            "not work, use the directories below; source {source}"
        ).format(date=verified, years=OLD_SOURCE_YEARS, source=source)
    if undated:
        return _(
            "verified {date} (the source page is undated; this is when it was read), source {source}"
        ).format(date=verified, source=source)
    return _("verified {date}, source {source}").format(date=verified, source=source)


def _service_lines(service: Service, now: datetime) -> list[str]:
    reach = []
    if service.phones:
        numbers = join_or(c.describe() for c in service.phones)
        reach.append(_("call {numbers}").format(numbers=numbers))
    if service.sms:
        numbers = join_or(c.describe() for c in service.sms)
        reach.append(_("text {numbers}").format(numbers=numbers))
    if service.whatsapp:
        numbers = join_or(c.describe() for c in service.whatsapp)
        reach.append(_("WhatsApp {numbers}").format(numbers=numbers))
    if service.chat_url:
        reach.append(_("chat at {url}").format(url=service.chat_url))
    lines = [f"{service.name}: " + "; ".join(reach)]

    open_now = service.open_now(now)
    if service.hours is None:
        hours = _("not confirmed")
    else:
        state = {True: _("open now"), False: _("closed now"), None: _("cannot tell if open now")}
        hours = f"{service.hours.describe()} ({state[open_now]})"
    if service.hours_note:
        hours += f"; {directory_words(service.hours_note)}"
    lines.append("  " + _("Hours: {hours}.").format(hours=hours))

    details = []
    if service.audience:
        details.append(_("for {audience}").format(audience=directory_words(service.audience)))
    if service.languages:
        details.append(_("languages: {names}").format(names=_language_list(service.languages)))
    if service.cost:
        details.append(_("cost: {cost}").format(cost=directory_words(service.cost)))
    if details:
        text = "; ".join(details)
        lines.append(f"  {text[0].upper()}{text[1:]}.")
    if service.notes:
        lines.append("  " + _("Note: {note}").format(note=directory_words(service.notes)))
    if service.website and service.website != service.chat_url:
        lines.append("  " + _("Website: {url}").format(url=service.website))
    lines.append("  " + _verified_line(service.verified, service.undated, service.source))
    return lines


def join_or(items: Iterable[str]) -> str:
    """'a or b or c': each number stands alone, so no list punctuation between them."""
    return _(" or ").join(items)


def _fallback_lines(directory: Directory) -> list[str]:
    lines = []
    for resource in directory.fallback:
        note = f" - {directory_words(resource.note)}" if resource.note else ""
        lines.append(f"  {resource.name}: {resource.website}{note}")
    return lines


def unlisted_country_lines(headline: str) -> list[str]:
    """What to do when there are no lines to show: `headline` says why, then the fallbacks."""
    return [
        headline,
        _("If you are in immediate danger, call your local emergency number now:"),
        *(f"  {_(way)}." for way in WORLD_EMERGENCY),
        _("These international directories list helplines by country:"),
        *_fallback_lines(load_directory()),
        _("You can choose another country by its name or two-letter code, for example GB or US."),
    ]


def no_country_lines(how_to_choose: str) -> list[str]:
    """Nothing says where the person is: the world's common numbers, then how to choose.

    `how_to_choose` is a phrase such as "type /crisis and a two-letter code, for example GB".
    """
    return [
        _("peertui does not know your country, so here are the numbers most people can call."),
        _("If you are in immediate danger, call your emergency number now:"),
        *(f"  {_(way)}." for way in WORLD_EMERGENCY),
        _("To see your country's crisis lines, {how}.").format(how=how_to_choose),
        _("These international directories list helplines by country:"),
        *_fallback_lines(load_directory()),
    ]


DEFAULT_HOW_TO_CHOOSE = N_("type your country's name or two-letter code, for example GB or MX")

# Examples of choosing a country, nearest the interface language first: one is shown, never the
# country just guessed (a Brazilian told "for example /crisis BR" learns nothing).
_EXAMPLES = {"es": ("MX", "ES", "GB"), "pt": ("BR", "PT", "GB")}


def other_example(guessed: str) -> str:
    """A country code to show in "for example ...": not `guessed`."""
    language = current_language().split("_")[0]
    return next(code for code in (*_EXAMPLES.get(language, ()), "GB", "US") if code != guessed)


def not_a_country(typed: str) -> str:
    """The one sentence for something that is no country, typed in F1's box, /crisis or
    --crisis, as a name or as two letters."""
    return _(
        "'{code}' is not a country peertui knows; give its name or two letters such as GB or US."
    ).format(code=typed)


def asked_country(typed: str) -> str:
    """What `/crisis`, F1's field and `--crisis` were given: "SG", "sg", "Singapore",
    "méxico", "MEX" -> the two-letter code ("" for nothing); ValueError, with suggestions, for
    anything else."""
    from peertui.wellbeing.countries import country_name, find_country

    typed = typed.strip()
    if not typed:
        return ""
    if len(typed) == 2 and typed.isascii() and typed.isalpha():
        return typed.upper()
    match = find_country(typed)
    if match.iso2:
        return match.iso2
    hint = ""
    if match.suggestions:
        names = ", ".join(f"{country_name(c)} ({c})" for c in match.suggestions[:3])
        hint = " " + _("Did you mean {names}?").format(names=names)
    raise ValueError(not_a_country(typed) + hint)


def lines_for(
    asked: str = "",
    settings_country: str = "",
    how_to_choose: str = "",
    now: datetime | None = None,
) -> list[str]:
    """The one entry point for F1, /crisis and --crisis: lines for the asked, set or guessed country.

    Raises ValueError (with words) for something that is not a two-letter code.
    """
    how_to_choose = how_to_choose or _(DEFAULT_HOW_TO_CHOOSE)
    asked = asked.strip()
    asked = asked_country(asked)
    choice = choose_country(settings_country, asked)
    if choice.how == "none":
        return no_country_lines(how_to_choose)
    country = load_directory().get(choice.iso2)
    if country is None:
        if not is_country_code(choice.iso2):
            return unlisted_country_lines(not_a_country(choice.iso2))
        return unlisted_country_lines(
            _("peertui's offline crisis directory has no lines for {code} yet.").format(
                code=choice.iso2
            )
        )
    lines = format_country(country, choice.iso2, now)
    if choice.guessed:
        # Right under the emergency number, not above it: the number stays the first thing on
        # a small screen (a long guess line in Portuguese filled F1 at 40x12), and the label
        # still comes before any helpline, so nobody elsewhere is shown 988 unlabelled.
        lines.insert(EMERGENCY_LINE + 1, guess_line(country, how_to_choose))
    return lines


# format_country's lines: the headline, then the emergency number.
EMERGENCY_LINE = 1


def guess_line(country: Country, how_to_choose: str) -> str:
    """Says the country was guessed, so a person elsewhere is never silently shown 911."""
    return _("Guessed from your system: {country} - not there? {how}").format(
        country=country_name(country), how=how_to_choose
    )


def format_country(
    country: Country | None, iso2: str = "", now: datetime | None = None
) -> list[str]:
    """Plain single lines (no colour, no box drawing) that both front-ends print as they are.

    The emergency number always comes first because it is the one thing to do in danger.
    """
    directory = load_directory()
    moment = aware(now)
    if country is None:
        code = normalise_country(iso2)
        if code:
            headline = _("Your country ({code}) is not in peertui's offline crisis directory.")
        else:
            headline = _(
                "No country is set, so your country is not in peertui's offline crisis directory."
            )
        return unlisted_country_lines(headline.format(code=code))

    name = country_name(country)
    emergency = join_or(c.describe() for c in country.emergency)
    lines = [
        _("Crisis lines for {country} ({code})").format(country=name, code=country.iso2),
        _("Emergency: {numbers} - if you are in immediate danger, call this first.").format(
            numbers=emergency
        ),
    ]
    if country.emergency_general_knowledge:
        lines.append(
            "  "
            + _(
                "This emergency number comes from general knowledge and has not been checked "
                "against a written source."
            )
        )
    else:
        lines.append(
            "  "
            + _verified_line(
                country.emergency_verified, country.emergency_undated, country.emergency_source
            )
        )
    notes = [directory_words(country.notes)] if country.notes else []
    lender = directory.by_iso2.get(country.lines_of) if country.lines_of else None
    if lender is not None:
        notes.append(
            _("The crisis lines of {lender} also serve {country}.").format(
                lender=country_name(lender), country=name
            )
        )
    if notes:
        lines.append(_("Note: {note}").format(note=" ".join(notes)))
    for service in country.services:
        lines.extend(_service_lines(service, moment))
    if not country.services:
        lines.append(
            _(
                "peertui has no checked crisis line for {country} yet; these directories may "
                "list one:"
            ).format(country=name)
        )
    else:
        lines.append(
            _("Numbers change; if one does not work, these directories are kept up to date:")
        )
    lines.extend(_fallback_lines(directory))
    return lines
