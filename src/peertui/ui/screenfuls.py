"""Output that must fit a small screen: /help as an index of topics, /crisis in a few lines.

A screen reader at 80x24 hears what stays on screen; a long listing scrolls its first lines
(the emergency number) away before they are read. So the first answer is short and says how
to get the rest.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from peertui.ui import actions
from peertui.ui.actions import Action, FrontEnd
from peertui.ui.wording import _

if TYPE_CHECKING:
    from peertui.wellbeing.crisis import Country

HELP_INDEX_LIMIT = 20
CRISIS_SHORT_LIMIT = 8


def help_index(front_end: FrontEnd = "plain") -> list[str]:
    """At most 20 lines: the safety commands first, then one line per topic."""
    lines = [
        _(
            "/crisis crisis lines, /ground grounding, /plan your safety plan, /x quick exit: "
            "they work at every prompt."
        ),
        _("Help topics:"),
    ]
    for topic in actions.TOPICS:
        words = actions.topic_summary(topic)
        names = " ".join(f"/{_first_word(a)}" for a in _unique(actions.in_topic(topic, front_end)))
        lines.append(f"/help {topic} - {words}: {names}")
    lines.append(_("/help <command> explains one command, for example /help mute."))
    lines.append(
        _("Anything not starting with / is sent to the current group (// sends a leading /).")
    )
    return lines[:HELP_INDEX_LIMIT]


def _unique(items: Sequence[Action]) -> list[Action]:
    seen: set[str] = set()
    result = []
    for action in items:
        first = _first_word(action)
        if first not in seen:
            seen.add(first)
            result.append(action)
    return result


def _first_word(action: Action) -> str:
    return (action.slash or "").split(" ")[0]


def help_topic(topic: str, front_end: FrontEnd = "plain") -> list[str]:
    return [f"{a.usage} - {a.help}" for a in actions.in_topic(topic, front_end)]


def help_command(action: Action) -> list[str]:
    return [action.usage, action.help, *([action.detail] if action.detail else [])]


def help_for(argument: str, front_end: FrontEnd = "plain") -> list[str] | None:
    """Lines for `/help <argument>`: a topic, or a command; None when neither."""
    wanted = argument.strip().lstrip("/").casefold()
    if not wanted:
        return help_index(front_end)
    topics = [t for t in actions.TOPICS if t.startswith(wanted)]
    if len(topics) == 1:
        return help_topic(topics[0], front_end)
    table = actions.slash_table(front_end)
    if wanted in table:
        first = _first_word(table[wanted])
        forms = [a for a in actions.for_front_end(front_end) if _first_word(a) == first]
        lines: list[str] = []
        for action in forms:
            lines.extend(help_command(action))
        return lines
    return None


# ----------------------------------------------------------------------------- crisis lines


def crisis_short(country: Country, width: int = 80, limit: int = CRISIS_SHORT_LIMIT) -> list[str]:
    """The emergency number and the first helplines in at most `limit` screen lines at
    `width` columns; the last line says how to see everything (`/crisis CC more`)."""
    from peertui.wellbeing.crisis import country_name, format_country, join_or

    emergency = join_or(c.describe() for c in country.emergency)
    lines = [
        _("{name} ({code}) emergency: {number}, if you are in immediate danger.").format(
            name=country_name(country), code=country.iso2, number=emergency
        )
    ]
    tail = _("/crisis {code} more: hours, sources and more helplines.").format(code=country.iso2)
    budget = limit - _height(tail, width) - _height(lines[0], width)
    shown = 0
    for service in country.services:
        line = _service_short(service)
        needed = _height(line, width)
        if needed > budget:
            break
        lines.append(line)
        budget -= needed
        shown += 1
    if shown < len(country.services) or len(format_country(country, country.iso2)) > len(lines):
        lines.append(tail)
    return lines


def _service_short(service: object) -> str:
    from peertui.wellbeing.crisis import Service, join_or

    assert isinstance(service, Service)
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
    if service.chat_url and not reach:
        reach.append(_("chat at {url}").format(url=service.chat_url))
    state = {True: _("open now"), False: _("closed now"), None: ""}[service.open_now()]
    suffix = f" ({state})" if state else ""
    return f"{service.name}: {'; '.join(reach)}{suffix}"


def _height(line: str, width: int) -> int:
    return max(
        1, len(textwrap.wrap(line, width=width, subsequent_indent="  ", break_long_words=False))
    )
