"""/crisis, /ground and /plan: the safety features, which need no network and no group."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from peertui.config import interface_language
from peertui.plain import commands
from peertui.plain.console import Console

if TYPE_CHECKING:
    from peertui.wellbeing.grounding import Exercise, Step
    from peertui.wellbeing.safety_plan import SafetyPlan

# Tests (and impatient demos) shorten the pauses between grounding steps; nothing else is scaled.
TIME_SCALE_ENV = "PEERTUI_TIME_SCALE"

Ask = Callable[[str], Awaitable[str | None]]


CHOOSE_COUNTRY = "type /crisis and a two-letter country code, for example /crisis GB"


def crisis_lines(argument: str, settings_country: str) -> list[str]:
    """The crisis lines for the named country, or for the user's own when none is named."""
    from peertui.wellbeing import crisis

    return crisis.lines_for(argument, settings_country, how_to_choose=CHOOSE_COUNTRY)


def exercise_list(lang: str = "") -> list[str]:
    from peertui.wellbeing import grounding

    lines = [
        f"{e.id} - {e.title}: {e.summary}"
        for e in grounding.list_exercises(interface_language(lang))
    ]
    lines.append("Type /ground <name> to start one, for example /ground box.")
    return lines


def find_exercise(name: str, lang: str = "") -> Exercise:
    from peertui.wellbeing import grounding

    wanted = name.strip().lower()
    language = interface_language(lang)
    for exercise in grounding.list_exercises(language):
        if wanted in (exercise.id, exercise.title.lower()):
            return grounding.get_exercise(exercise.id, language)
    names = ", ".join(e.id for e in grounding.list_exercises(language))
    raise ValueError(f"There is no exercise called '{name.strip()}'. The exercises are: {names}.")


def time_scale() -> float:
    try:
        scale = float(os.environ.get(TIME_SCALE_ENV, "1"))
    except ValueError:
        return 1.0
    return scale if scale >= 0 else 1.0


def step_line(step: Step) -> str:
    """One grounding step: timed steps say how long, own-pace steps say how to go on."""
    if not step.seconds:
        return f"{step.text} (press Enter for the next step, /stop to stop)"
    timing = [f"{step.seconds:g} seconds", *([step.round_label] if step.round_label else [])]
    return f"{step.text} ({', '.join(timing)})"


def plan_lines(plan: SafetyPlan, lang: str = "") -> list[str]:
    from peertui.wellbeing import safety_plan

    return safety_plan.format_lines(plan, interface_language(lang))


async def edit_plan(
    plan: SafetyPlan, console: Console, ask: Ask, lang: str = ""
) -> tuple[SafetyPlan | None, bool]:
    """Walk the six steps; returns the new plan (None after /cancel) and whether input ended."""
    from peertui.wellbeing import safety_plan

    entries = {step_id: list(items) for step_id, items in plan.entries.items()}
    all_steps = safety_plan.steps(interface_language(lang))
    for number, step in enumerate(all_steps, start=1):
        console.notice(f"Step {number} of {len(all_steps)}: {step.title}")
        console.output(step.prompt)
        current = entries.get(step.id, [])
        if current:
            console.output("Now: " + "; ".join(current))
            console.output(
                "A blank line keeps these, a single - empties the step, anything else replaces them."
            )
        typed: list[str] = []
        while True:
            line = await ask(
                "Entry (blank line to finish this step):"
                if typed or not current
                else "Entry, or a blank line to keep what is there:"
            )
            if line is None:
                if typed:
                    entries[step.id] = typed
                return safety_plan.SafetyPlan(entries=entries), True
            line = line.strip()
            if not line:
                break
            entry = commands.parse(line)
            if entry.command == "cancel":
                return None, False
            if entry.command:
                # A command is never an entry of the plan.
                console.error("Finish this step with an empty line, or /cancel.")
                continue
            if line == "-" and not typed:
                entries[step.id] = []
                break
            typed.append(entry.argument)
        if typed:
            entries[step.id] = typed
    return safety_plan.SafetyPlan(entries=entries), False
