"""The first run's question: which country's crisis lines to show. Shared by both front-ends.

A guess from the system's locale is offered, said to be a guess, and taken only when the person
keeps it. Names in many languages, two- and three-letter codes are understood; a typo gets a
"did you mean", and anything else is refused in words and the question asked again. The answer
is the `country` setting; skipping leaves it empty (the crisis lines then show the locale's guess, labelled, or with no
guess 112 / 911 / 999 and how to choose). While the question is open the safety commands and keys still work: the
question is an ordinary `flows.Question`, so each front-end's rules for that apply.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from peertui.paths import Paths, make_private_dir
from peertui.ui.flows import Cancelled, Prompter, Question, Refusal
from peertui.ui.wording import _, error, join_list, notice
from peertui.wellbeing import countries, crisis


def should_ask(paths: Paths, settings_country: str) -> bool:
    """Asked once, on the first run: not when a country is set or the question was answered."""
    return not settings_country and not paths.country_marker.exists()


def remember_asked(paths: Paths) -> None:
    make_private_dir(paths.config_dir)
    paths.country_marker.touch()


def country_refusal(typed: str) -> Refusal | None:
    """None when `typed` names a country or says skip; otherwise why not, in words. (An empty
    answer reaches here only when there is a guess to keep.)"""
    if not typed or countries.is_skip(typed):
        return None
    match = countries.find_country(typed)
    if match.iso2:
        return None
    if match.word_code:
        name = countries.country_name(match.word_code)
        return Refusal(
            error(
                _(
                    '"{typed}" was not taken as a country. For {name}, type {name} or {code}; '
                    "or type your country, or skip."
                ).format(typed=typed, name=name, code=match.word_code)
            )
        )
    if match.suggestions:
        names = join_list((countries.country_name(code) for code in match.suggestions), "or")
        return Refusal(
            error(
                _(
                    'No country is called "{typed}". Did you mean {names}? Type the name again, '
                    "or skip."
                ).format(typed=typed, names=names)
            )
        )
    # Not a country at all: perhaps words meant for a group, so they are given back (and kept
    # as a draft where there is a group to keep them for).
    return Refusal(
        error(
            _(
                'peertui does not know a country called "{typed}". Type its name (such as Mexico '
                "or México) or its two-letter code (such as MX), or skip."
            ).format(typed=typed)
        ),
        keep=typed if len(typed.split()) >= 2 else "",
    )


@dataclass(frozen=True)
class CountryQuestion:
    """The words of the question; `where` names the crisis key or command of the front-end."""

    where: str  # "F1" or "/crisis"
    how_to_change: str  # "Settings (F?) or /set country" or "/set country <name>"

    def question(self, guess: str) -> Question:
        context = [
            _(
                "Which country are you in? It decides which crisis lines {where} shows, and it "
                "stays on this computer."
            ).format(where=self.where)
        ]
        if guess:
            name = countries.country_name(guess)
            context.append(
                _("Guessed from your system: {name} - not there? type your country.").format(
                    name=name
                )
            )
            text = _("Your country (Enter keeps {name}; a name or a code; or skip)").format(
                name=name
            )
        else:
            name = ""
            context.append(_("peertui could not tell your country from your system."))
            text = _("Your country (a name such as Mexico, or a code such as MX; or skip)")
        return Question(
            text,
            purpose=_("your country"),
            blank_ok=bool(guess),
            context=tuple(context),
            prefill=name,
            check=country_refusal,
        )


async def ask_country(ui: Prompter, words: CountryQuestion) -> str:
    """Ask once; returns the ISO code chosen, or "" when skipped. Cancelled(ended=True) passes
    through (input ended: nothing is decided, so the question comes again next time)."""
    guess = crisis.country_from_locale("")
    # The CLDR names take about a second to gather the first time: not on the event loop.
    await asyncio.to_thread(countries.warm_up)
    try:
        answer = await ui.ask(words.question(guess))
    except Cancelled as stop:
        if stop.ended:
            raise
        return _skipped(ui, words, guess)
    typed = answer.text
    if countries.is_skip(typed):
        return _skipped(ui, words, guess)
    code = guess if not typed else countries.find_country(typed).iso2
    ui.say(
        notice(
            _(
                "Your country is {name} ({code}): {where} shows its crisis lines. Change it any "
                "time with {how}."
            ).format(
                name=countries.country_name(code),
                code=code,
                where=words.where,
                how=words.how_to_change,
            )
        )
    )
    return code


def _skipped(ui: Prompter, words: CountryQuestion, guess: str) -> str:
    if guess:
        # The crisis lines go on using the locale's guess, and say it is one: tell the truth.
        text = _(
            "No country chosen. Until you choose one, {where} shows the lines of {name}, "
            "guessed from your system and marked as a guess. Choose any time with {how}."
        ).format(where=words.where, name=countries.country_name(guess), how=words.how_to_change)
    else:
        text = _(
            "No country chosen. Until you choose one, {where} shows 112, 911 and 999, the "
            "emergency numbers most of the world can call, and the directories of helplines. "
            "Choose any time with {how}."
        ).format(where=words.where, how=words.how_to_change)
    ui.say(notice(text))
    return ""


def set_country_refusal(typed: str) -> str | None:
    """For /set country and the Settings screen: None when usable, else why not."""
    if typed in ("", "-"):
        return None
    refused = country_refusal(typed)
    if refused is None and countries.is_skip(typed):
        return _("Type a country's name or code, or - to leave it unset.")
    return refused.line.text if refused else None


def resolve(typed: str) -> str:
    """The ISO code `typed` names ("" for "-" or nothing); call after set_country_refusal."""
    if typed in ("", "-"):
        return ""
    return countries.find_country(typed).iso2
