"""What to show when the detector notices something: fitting the moment, in plain lines.

- `after_send_offer`: after a member sends a message that may mean they are in danger. The most
  urgent tier puts the emergency number and the top crisis line first.
- `someone_else_guide`: "someone I know may be in danger" (how to respond, how to encourage a
  call, what to do in immediate danger); offered on third-party worry and from F1 / `/crisis`.
- `received_view`: for a message from someone else. It is folded only for method details;
  a possible cry for help is shown, with a short note for the reader and a suggestion to tell
  the moderators (an ordinary report the reader chooses to send; nothing is automatic).

All wording is data (`data/responses/<lang>.toml`); numbers come from the crisis directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from peertui.i18n import N_, translator
from peertui.wellbeing._data import available_languages, load_texts, load_toml
from peertui.wellbeing.crisis import Country
from peertui.wellbeing.detect import Assessment
from peertui.wellbeing.prefilter import PatternSet

FOLDER = "responses"
WORLD_EMERGENCY = N_("112 (911 in the Americas)")


@dataclass(frozen=True)
class Offer:
    lines: list[str]  # most important first
    urgent: bool
    about_someone_else: bool


@dataclass(frozen=True)
class ReceivedView:
    fold_reason: str  # "" when the message is shown as it is
    cry_for_help: bool
    note: str  # for the reader; "" when there is nothing to say


@cache
def _texts(lang: str) -> dict:
    return load_texts(FOLDER, lang)


def emergency_text(country: Country | None, lang: str = "en") -> str:
    words = translator(lang)
    if country is None:
        return words.gettext(WORLD_EMERGENCY)
    return words.gettext(" or ").join(c.number for c in country.emergency)


def top_line(country: Country | None, lang: str = "en") -> str:
    """The first crisis line of the country with a way to reach it, e.g. "Samaritans: 116 123"."""
    text = translator(lang).gettext("text {numbers}")
    for service in country.services if country else ():
        reach = [c.number for c in service.phones] or [
            text.format(numbers=c.number) for c in service.sms
        ]
        if reach:
            return f"{service.name}: {reach[0]}"
    return ""


def after_send_offer(assessment: Assessment, country: Country | None, lang: str) -> Offer:
    texts = _texts(lang)["offer"]
    if assessment.about_someone_else:
        guide = _texts(lang)["someone_else"]
        return Offer([guide["offer"], *someone_else_guide(country, lang)], True, True)
    line = top_line(country, lang)
    if assessment.most_urgent:
        lines = [
            texts["urgent_title"],
            texts["urgent_first"].format(emergency=emergency_text(country, lang)),
        ]
        lines.append(texts["urgent_line"].format(line=line) if line else texts["no_line"])
    else:
        lines = [texts["gentle_title"]]
        lines.append(texts["gentle_line"].format(line=line) if line else texts["no_line"])
    lines.append(texts["actions"])
    return Offer(lines, assessment.most_urgent, False)


def someone_else_guide(country: Country | None, lang: str) -> list[str]:
    texts = _texts(lang)["someone_else"]
    values = {
        "emergency": emergency_text(country, lang),
        "line": top_line(country, lang) or texts["no_line_to_share"],
    }
    lines = [texts["title"]]
    for section in ("danger", "respond", "line"):
        lines.append(texts[f"{section}_heading"])
        lines.extend(f"  - {item.format(**values)}" for item in texts[section])
    lines.append(texts["self_care"])
    return lines


@cache
def _method_details() -> PatternSet:
    """Every language's method-detail patterns, run only when their literals occur."""
    return PatternSet(
        p
        for code in sorted(available_languages("fold"))
        for p in load_toml(f"fold/{code}.toml").get("method_details", [])
    )


def care_note(lang: str, how_to_report: str) -> str:
    """The note shown under a received message that may be a cry for help."""
    return str(_texts(lang)["received"]["cry_for_help_note"]).format(report=how_to_report)


def received_view(text: str, lang: str, report_key: str = "r") -> ReceivedView:
    """How to show someone else's message: folded only for method details; a cry for help noted."""
    from peertui.wellbeing.detect import LEARNED, normalise, normalised_finding

    texts = _texts(lang)["received"]
    normalised = normalise(text or "")
    # (Not assess: a reader's view needs no personal details.) A note every reader sees labels
    # the writer in front of the group, so it needs words a phrase book names; the learned
    # model alone (which also fires on some ordinary messages, see docs/WELLBEING.md) only ever
    # makes the writer's own, private offer, so its own finding is not asked for here.
    found = normalised_finding(normalised, learned=False)
    cry = found.tier > 0 and found.who == "self" and found.category != LEARNED
    fold = texts["method_fold"] if _method_details().search(normalised) else ""
    note = care_note(lang, report_key) if cry else ""
    return ReceivedView(fold_reason=fold, cry_for_help=cry, note=note)
