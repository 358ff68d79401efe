"""Urge surfing's answers, shared by both front-ends: a rating typed at a step, the answer at
a check-in, and the closing for an urge that has not passed (another round, the emergency
number and the country's top crisis line; it never waits for the network)."""

from __future__ import annotations

import re

from peertui.ui.wording import _

URGE_ID = "urge"
YES_WORDS = frozenset({"y", "yes", "yeah", "yep", "passed", "s", "si", "sí", "sim"})
NO_COUNTRY_EMERGENCY = "112, 911 or 999"
_RATING = re.compile(r"\s*(\d{1,2})\s*(?:/\s*10)?\s*")


def rating(text: str) -> int | None:
    """A bare 0-10 rating ("8", "8/10"), or None when the text is anything else."""
    match = _RATING.fullmatch(text or "")
    if match is None:
        return None
    value = int(match.group(1))
    return value if value <= 10 else None


def rating_noted(value: int) -> str:
    """The acknowledgement of a rating: it is kept only on screen, never sent or stored."""
    return _("Noted: the urge is at {value} out of 10. Nothing is sent.").format(value=value)


def has_passed(answer: str) -> bool:
    """The check-in answer "yes, it has passed / is weaker"; anything else means not yet."""
    return answer.strip().casefold().rstrip(".!") in YES_WORDS


def not_passed_lines(settings_country: str) -> list[str]:
    """The closing when the urge is still there at the last check-in."""
    from peertui.i18n import current_language
    from peertui.wellbeing import crisis, responses

    choice = crisis.choose_country(settings_country)
    country = crisis.load_directory().get(choice.iso2) if choice.iso2 else None
    language = current_language()
    emergency = responses.emergency_text(country, language) if country else NO_COUNTRY_EMERGENCY
    lines = [
        _(
            "That is all right: some urges take longer to pass. You stayed with it, and that counts."
        ),
        _("Ride another wave: /ground urge again, or /ground urge 15 for the 15-minute version."),
        _("If you are in danger or have hurt yourself, call {emergency} now.").format(
            emergency=emergency
        ),
    ]
    line = responses.top_line(country, language)
    if line:
        lines.append(_("Talk to someone now: {line}.").format(line=line))
    lines.append(_("/crisis shows every crisis line for your country."))
    return lines
