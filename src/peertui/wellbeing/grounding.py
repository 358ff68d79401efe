"""Grounding exercises as data: titles, steps with timings and cautions, per language.

Front-ends only pace the steps (a timer in the TUI, timed lines in plain mode); all wording
lives in `data/grounding/en.toml`, translated through the message catalogue (context
"grounding"; see peertui.i18n_extract).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from peertui.i18n import translator
from peertui.wellbeing._data import load_texts

FOLDER = "grounding"
EXERCISE_IDS = ("senses", "box", "478", "paced", "pmr")
URGE_MINUTES = (5, 15)


class UnknownExercise(KeyError, ValueError):
    """Unknown exercise id; str() is a sentence listing the valid ids."""

    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class Step:
    text: str
    seconds: float  # 0 means "at your own pace"
    round: int = 0  # 1-based round of the repeating cycle; 0 for setup and closing steps
    round_label: str = ""  # e.g. "round 2 of 4", in the exercise's language
    check_in: bool = False  # ask "has the urge passed?" here; yes ends the activity early
    breath: str = ""  # "in", "out" or "hold" for a timed breathing step (the visual's cue)


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    summary: str
    intro: str
    steps: list[Step]
    cautions: list[str]
    lang: str = "en"
    rounds: int = 1
    source: str = ""

    @property
    def total_seconds(self) -> float:
        return sum(step.seconds for step in self.steps)


PACES = (2, 3, 4)  # seconds per count for the own-pace option; None means step by step


def breath_of(english_text: str, seconds: float) -> str:
    """Which way the breath goes in a timed step, read from its English wording (the source
    every translation is made from); "" for steps the person paces themselves."""
    if seconds <= 0:
        return ""
    text = english_text.lower()
    if text.startswith("hold"):
        return "hold"
    if "breathe out" in text or "breathe all the way out" in text:
        return "out"
    if "breathe in" in text:
        return "in"
    return ""


def _steps(raw: list[dict], source: list[dict]) -> list[Step]:
    return [
        Step(
            text=s["text"],
            seconds=float(s["seconds"]),
            check_in=bool(s.get("check_in")),
            breath=breath_of(english["text"], float(s["seconds"])),
        )
        for s, english in zip(raw, source, strict=True)
    ]


def with_pace(exercise: Exercise, pace: int | None) -> Exercise:
    """The exercise at the person's own pace: counts of `pace` seconds, or None for step by step.

    Timed steps keep their proportions (4-7-8 stays 4:7:8); the shortest timed step of the
    exercise takes `pace` seconds. Step by step makes every step wait for the person.
    """
    if pace is not None and pace not in PACES:
        raise ValueError(
            translator(exercise.lang)
            .gettext("A count lasts 2, 3 or 4 seconds, not {pace}.")
            .format(pace=pace)
        )
    timed = [step.seconds for step in exercise.steps if step.seconds]
    shortest = min(timed) if timed else 0.0
    steps = [
        replace(
            step,
            seconds=0.0
            if pace is None or not step.seconds
            else round(pace * step.seconds / shortest, 2),
        )
        for step in exercise.steps
    ]
    return replace(exercise, steps=steps)


def _build(raw: dict, source: dict, lang: str, round_label: str) -> Exercise:
    """One exercise from its translated table and its English `source` (same structure)."""
    rounds = int(raw.get("rounds", 1))
    cycle = _steps(raw["cycle"], source["cycle"])
    repeated = [
        Step(
            text=step.text,
            seconds=step.seconds,
            round=n if rounds > 1 else 0,
            round_label=round_label.format(n=n, total=rounds) if rounds > 1 else "",
            check_in=step.check_in,
            breath=step.breath,
        )
        for n in range(1, rounds + 1)
        for step in cycle
    ]
    return Exercise(
        id=raw["id"],
        title=raw["title"],
        summary=raw["summary"],
        intro=raw["intro"],
        steps=_steps(raw.get("setup", []), source.get("setup", []))
        + repeated
        + _steps(raw.get("closing", []), source.get("closing", [])),
        cautions=list(raw.get("cautions", [])),
        lang=lang,
        rounds=rounds,
        source=raw.get("source", ""),
    )


def list_exercises(lang: str = "en") -> list[Exercise]:
    data = load_texts(FOLDER, lang)
    source = load_texts(FOLDER, "en")
    code = data["language"]
    return [
        _build(raw, english, code, data.get("round_label", ""))
        for raw, english in zip(data["exercise"], source["exercise"], strict=True)
    ]


def get_exercise(exercise_id: str, lang: str = "en") -> Exercise:
    wanted = (exercise_id or "").strip().lower()
    for exercise in list_exercises(lang):
        if exercise.id == wanted:
            return exercise
    raise UnknownExercise(
        translator(lang)
        .gettext("There is no grounding exercise called {name!r}. Choose one of: {names}.")
        .format(name=exercise_id, names=", ".join(EXERCISE_IDS))
    )


def urge_surfing(minutes: int = 5, lang: str = "en") -> Exercise:
    """Riding out an urge to self-harm for 5 or 15 minutes, with "has it passed?" check-ins.

    Built from `data/urge/<lang>.toml`: a setup, one wave of about five minutes repeated, each
    wave ending in a check-in step, and a closing that points to people and crisis lines.
    """
    if minutes not in URGE_MINUTES:
        raise ValueError(
            translator(lang)
            .gettext("Urge surfing lasts 5 or 15 minutes, not {minutes}.")
            .format(minutes=minutes)
        )
    raw = dict(load_texts("urge", lang))
    code = raw["language"]
    raw["rounds"] = minutes // 5
    raw["title"] = raw["title"].format(minutes=minutes)
    return _build(raw, load_texts("urge", "en"), code, raw.get("round_label", ""))
