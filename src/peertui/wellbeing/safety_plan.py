"""The personal safety plan: its steps (STEP_IDS), their prompts per language, and the plan's contents.

Storage is the engine's job (the plan lives in the encrypted store); this module only knows
the shape of a plan, how to turn it into plain data and back, and how to show it as lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from peertui.i18n import _
from peertui.wellbeing._data import load_texts

if TYPE_CHECKING:
    from peertui.wellbeing.crisis import Country

FOLDER = "safety_plan"
STEP_IDS = (
    "warning_signs",
    "coping",
    "distraction",
    "support",
    "professionals",
    "safe_environment",
    "reasons_for_living",
)
FORMAT_VERSION = 1


@dataclass(frozen=True)
class StepInfo:
    id: str
    title: str
    prompt: str


def _texts(lang: str) -> dict:
    return load_texts(FOLDER, lang)


def steps(lang: str = "en") -> list[StepInfo]:
    return [StepInfo(s["id"], s["title"], s["prompt"]) for s in _texts(lang)["step"]]


@dataclass
class SafetyPlan:
    # Every known step is present (possibly empty). Entries under step ids this version does not
    # know are kept as they are, so a plan written by a newer peertui survives a round trip.
    entries: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for step_id in STEP_IDS:
            self.entries.setdefault(step_id, [])

    def to_dict(self) -> dict:
        return {
            "version": FORMAT_VERSION,
            "entries": {step_id: list(items) for step_id, items in self.entries.items()},
        }

    @classmethod
    def from_dict(cls, data: object) -> SafetyPlan:
        """Accept whatever was stored; anything unreadable becomes an empty step, never an error."""
        raw = data.get("entries") if isinstance(data, dict) else None
        entries: dict[str, list[str]] = {}
        if isinstance(raw, dict):
            for step_id, items in raw.items():
                entries[str(step_id)] = _clean_items(items)
        return cls(entries=entries)

    def is_empty(self) -> bool:
        return not any(self.entries.get(step_id) for step_id in STEP_IDS)


def professional_suggestions(country: Country | None, limit: int = 3) -> list[str]:
    """Entries for the professionals and crisis lines step, from the offline crisis directory."""
    if country is None:
        return []
    from peertui.wellbeing.crisis import join_or

    emergency = join_or(c.number for c in country.emergency)  # "or" in the interface language
    lines = [_("Emergency: {number}").format(number=emergency)]
    for service in country.services[:limit]:
        reach = [c.number for c in (*service.phones, *service.sms)][:2]
        if reach:
            lines.append(f"{service.name}: {' / '.join(reach)}")
    return lines


def for_settings(plan: SafetyPlan, settings_country: str) -> SafetyPlan:
    """`with_crisis_lines` for the member's own (set or guessed) country."""
    from peertui.wellbeing import crisis

    choice = crisis.choose_country(settings_country)
    country = crisis.load_directory().get(choice.iso2) if choice.iso2 else None
    return with_crisis_lines(plan, country)


def with_crisis_lines(plan: SafetyPlan, country: Country | None) -> SafetyPlan:
    """The plan with its professionals step pre-filled when the person has written none yet."""
    if plan.entries.get("professionals"):
        return plan
    entries = {step_id: list(items) for step_id, items in plan.entries.items()}
    entries["professionals"] = professional_suggestions(country)
    return SafetyPlan(entries=entries)


def _clean_items(items: object) -> list[str]:
    if isinstance(items, str):
        items = [items]
    if not isinstance(items, list):
        return []
    return [str(item).strip() for item in items if str(item).strip()]


def format_lines(plan: SafetyPlan, lang: str = "en") -> list[str]:
    """Plain lines for viewing on screen or exporting to a text file."""
    texts = _texts(lang)
    lines = [texts["title"], texts["intro"]]
    for number, step in enumerate(steps(lang), start=1):
        lines.append(f"{number}. {step.title}")
        items = plan.entries.get(step.id, [])
        lines.extend(f"   - {item}" for item in items)
        if not items:
            lines.append(f"   {texts['empty']}")
    return lines
