"""Grounding exercises as data: titles, steps with timings and cautions, per language.

Front-ends only pace the steps (a timer in the TUI, timed lines in plain mode); all wording
lives in `data/grounding/<lang>.toml` so a translation is one new file.
"""

from __future__ import annotations

from dataclasses import dataclass

from peertui.wellbeing._data import load_toml, pick_language

FOLDER = "grounding"
EXERCISE_IDS = ("senses", "box", "478", "paced", "pmr")


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


def _steps(raw: list[dict]) -> list[Step]:
    return [Step(text=s["text"], seconds=float(s["seconds"])) for s in raw]


def _build(raw: dict, lang: str, round_label: str) -> Exercise:
    rounds = int(raw.get("rounds", 1))
    cycle = _steps(raw["cycle"])
    repeated = [
        Step(
            text=step.text,
            seconds=step.seconds,
            round=n if rounds > 1 else 0,
            round_label=round_label.format(n=n, total=rounds) if rounds > 1 else "",
        )
        for n in range(1, rounds + 1)
        for step in cycle
    ]
    return Exercise(
        id=raw["id"],
        title=raw["title"],
        summary=raw["summary"],
        intro=raw["intro"],
        steps=_steps(raw.get("setup", [])) + repeated + _steps(raw.get("closing", [])),
        cautions=list(raw.get("cautions", [])),
        lang=lang,
        rounds=rounds,
        source=raw.get("source", ""),
    )


def list_exercises(lang: str = "en") -> list[Exercise]:
    code = pick_language(lang, FOLDER)
    data = load_toml(f"{FOLDER}/{code}.toml")
    return [_build(raw, code, data.get("round_label", "")) for raw in data["exercise"]]


def get_exercise(exercise_id: str, lang: str = "en") -> Exercise:
    wanted = (exercise_id or "").strip().lower()
    for exercise in list_exercises(lang):
        if exercise.id == wanted:
            return exercise
    raise UnknownExercise(
        f"There is no grounding exercise called {exercise_id!r}. "
        f"Choose one of: {', '.join(EXERCISE_IDS)}."
    )
