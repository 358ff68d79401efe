"""Grounding exercises: pick one of five, then follow paced steps; pause or stop any time."""

from __future__ import annotations

import math
import time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from peertui.tui.typed import PeertuiNode
from peertui.tui.widgets.breathing import BreathingVisual
from peertui.tui.widgets.footer import footer_widgets, hint_line
from peertui.wellbeing import grounding

TICK_SECONDS = 0.25


class GroundingScreen(PeertuiNode, Screen):
    HINT_LINE = "screen-hint"  # notices are shown here, never as a toast over the list
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def compose(self) -> ComposeResult:
        yield Label("Grounding — choose an exercise and press Enter.", classes="screen-title")
        options = [
            Option(f"{exercise.title} — {exercise.summary}", id=exercise.id)
            for exercise in grounding.list_exercises(self.app.settings.language or "en")
        ]
        yield OptionList(*options, id="exercises")
        yield hint_line()
        yield from footer_widgets()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        exercise = grounding.get_exercise(event.option.id or "", self.app.settings.language or "en")
        self.app.push_screen(ExerciseScreen(exercise))


class ExerciseScreen(PeertuiNode, Screen):
    """Intro first, then one step at a time with a countdown and a breathing visual."""

    HINT_LINE = "screen-hint"  # notices are shown here, never as a toast over the step

    BINDINGS = [
        Binding("enter", "next", "Start / next step"),
        Binding("space", "pause", "Pause / resume"),
        Binding("escape", "stop", "Stop"),
    ]

    step_index: reactive[int] = reactive(-1, init=False)
    paused: reactive[bool] = reactive(False, init=False)

    def __init__(self, exercise) -> None:
        super().__init__()
        self.exercise = exercise
        self._remaining = 0.0
        self._last_tick = 0.0

    def compose(self) -> ComposeResult:
        with Vertical(id="exercise"):
            yield Label(self.exercise.title, classes="screen-title")
            yield Static(self._intro_text(), id="step-text")
            yield Label("", id="step-timer")
            yield BreathingVisual(still=self.app.settings.reduced_motion, id="breathing")
        yield hint_line()
        yield from footer_widgets()

    def _intro_text(self) -> str:
        text = self.exercise.intro
        if self.exercise.cautions:
            cautions = self.exercise.cautions
            text += "\n\n" + ("\n".join(cautions) if isinstance(cautions, list) else str(cautions))
        return text + "\n\nPress Enter to begin. Space pauses, Escape stops — at any time."

    def on_mount(self) -> None:
        self.set_interval(TICK_SECONDS, self._tick)

    def action_next(self) -> None:
        if self.step_index + 1 >= len(self.exercise.steps):
            self._finish()
            return
        self.step_index += 1

    def watch_step_index(self, index: int) -> None:
        step = self.exercise.steps[index]
        self._remaining = float(step.seconds)
        self._last_tick = time.monotonic()
        self.paused = False
        total = len(self.exercise.steps)
        self.query_one("#step-text", Static).update(f"Step {index + 1} of {total}\n\n{step.text}")
        self.query_one(BreathingVisual).start(step.text, step.seconds)
        self._show_timer()

    def action_pause(self) -> None:
        if self.step_index < 0:
            return
        self.paused = not self.paused
        self._last_tick = time.monotonic()
        self.query_one(BreathingVisual).paused = self.paused
        self._show_timer()

    def action_stop(self) -> None:
        self.app.pop_screen()

    def _self_paced(self) -> bool:
        return self.step_index >= 0 and self.exercise.steps[self.step_index].seconds <= 0

    def _tick(self) -> None:
        if self.step_index < 0 or self.paused or self._self_paced():
            return
        now = time.monotonic()
        self._remaining -= now - self._last_tick
        self._last_tick = now
        if self._remaining <= 0:
            self.action_next()
            return
        self._show_timer()

    def _show_timer(self) -> None:
        seconds = max(0, math.ceil(self._remaining))
        if self.paused:
            state = "paused — press Space to continue"
        elif self._self_paced():
            state = "take your time — press Enter when you are ready"
        else:
            state = f"{seconds} s left"
        self.query_one("#step-timer", Label).update(state)

    def _finish(self) -> None:
        self.query_one("#step-text", Static).update(
            "Well done. Take a moment before you go back.\n\nPress Escape to return."
        )
        self.query_one("#step-timer", Label).update("finished")
        self.query_one(BreathingVisual).stop()
        self.paused = True
