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

from peertui.config import interface_language
from peertui.i18n import N_, _
from peertui.tui.typed import PeertuiNode, TranslatedKeys
from peertui.tui.widgets.breathing import BreathingVisual
from peertui.tui.widgets.footer import footer_widgets, hint_line
from peertui.ui import urge
from peertui.wellbeing import grounding

TICK_SECONDS = 0.25


class GroundingScreen(TranslatedKeys, PeertuiNode, Screen):
    HINT_LINE = "screen-hint"  # notices are shown here, never as a toast over the list
    BINDINGS = [Binding("escape", "app.pop_screen", N_("Back"))]

    def compose(self) -> ComposeResult:
        yield Label(_("Grounding — choose an exercise and press Enter."), classes="screen-title")
        language = interface_language(self.app.settings.language)
        options = [
            Option(f"{exercise.title} — {exercise.summary}", id=exercise.id)
            for exercise in grounding.list_exercises(language)
        ]
        for minutes in grounding.URGE_MINUTES:
            urge = grounding.urge_surfing(minutes, language)
            options.append(Option(f"{urge.title} — {urge.summary}", id=f"urge:{minutes}"))
        yield OptionList(*options, id="exercises")
        yield hint_line()
        yield from footer_widgets()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        language = interface_language(self.app.settings.language)
        chosen = event.option.id or ""
        if chosen.startswith("urge:"):
            exercise = grounding.urge_surfing(int(chosen.split(":")[1]), language)
        else:
            exercise = grounding.get_exercise(chosen, language)
        self.app.push_screen(ExerciseScreen(exercise))


class ExerciseScreen(TranslatedKeys, PeertuiNode, Screen):
    """Intro first, then one step at a time with a countdown and a breathing visual."""

    HINT_LINE = "screen-hint"  # notices are shown here, never as a toast over the step

    BINDINGS = [
        Binding("enter", "next", N_("Start / next step")),
        Binding("space", "pause", N_("Pause / resume")),
        Binding("escape", "stop", N_("Stop")),
        Binding("y", "urge_passed", N_("The urge has passed"), show=False),
        Binding("n", "not_yet", N_("Not yet"), show=False),
        Binding("2", "pace(2)", N_("2 s counts"), show=False),
        Binding("3", "pace(3)", N_("3 s counts"), show=False),
        Binding("4", "pace(4)", N_("4 s counts"), show=False),
        Binding("s", "pace(0)", N_("Step by step"), show=False),
        *(
            Binding(str(n), f"rating({n})", N_("Rate the urge"), show=False)
            for n in (0, 1, 5, 6, 7, 8, 9)
        ),
    ]

    step_index: reactive[int] = reactive(-1, init=False)
    paused: reactive[bool] = reactive(False, init=False)

    def __init__(self, exercise) -> None:
        super().__init__()
        self.exercise = exercise
        self._written = exercise  # as written: each pace chosen before the start is from it
        self._remaining = 0.0
        self._last_tick = 0.0
        self._rating_typed = ""

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
        text += _("\n\nPress Enter to begin. Space pauses, Escape stops — at any time.")
        if self._timed():
            # An exercise with no clock (5-4-3-2-1) already goes at the person's pace: offering
            # "counts of 2, 3 or 4 seconds" there contradicted its own "there is no clock".
            text += _(
                "\nYour own pace: press 2, 3 or 4 for counts of that many seconds, or S to go "
                "step by step, before you begin."
            )
        return text

    def _timed(self) -> bool:
        # The written exercise: step by step has taken the paced one's seconds away, and a
        # mind changed after S (3 after all) must still be heard.
        return any(step.seconds for step in self._written.steps)

    def action_pace(self, pace: int) -> None:
        """Own pace, chosen before the first step: 2, 3 or 4 s counts, or 0 for step by step."""
        if self.step_index >= 0:
            self.action_rating(pace)  # once it runs, a digit is the urge's rating
            return
        if not self._timed():
            return  # nothing here is timed: no pace to choose, and none is claimed
        self.exercise = grounding.with_pace(self._written, pace or None)
        words = _("step by step") if not pace else _("{pace}-second counts").format(pace=pace)
        self.query_one("#step-timer", Label).update(
            _("Own pace: {words}. Press Enter to begin.").format(words=words)
        )

    def action_rating(self, digit: int) -> None:
        """During urge surfing a digit is the 0-10 rating its steps ask for ("1" then "0"
        makes 10): acknowledged on screen, never sent or stored."""
        if self.step_index < 0 or self.exercise.id != urge.URGE_ID:
            return
        typed = f"{self._rating_typed}{digit}"
        value = urge.rating(typed[-2:]) if typed.endswith("10") else digit
        self._rating_typed = typed[-1:]
        self.app.notify(urge.rating_noted(value if value is not None else digit))

    def action_urge_passed(self) -> None:
        """At a check-in, "yes, it has passed": go to the closing steps."""
        if self.step_index < 0 or not self.exercise.steps[self.step_index].check_in:
            return
        steps = self.exercise.steps
        closing = [i for i in range(self.step_index + 1, len(steps)) if steps[i].round == 0]
        if closing:
            self.step_index = closing[0]
        else:
            self._finish()

    def action_not_yet(self) -> None:
        """At a check-in, "not yet": the next wave, or after the last one the not-passed end."""
        if self.step_index >= 0 and self.exercise.steps[self.step_index].check_in:
            self.action_next()

    def on_mount(self) -> None:
        self.set_interval(TICK_SECONDS, self._tick)

    def action_next(self) -> None:
        steps = self.exercise.steps
        if (
            self.step_index >= 0
            and steps[self.step_index].check_in
            and not any(step.round for step in steps[self.step_index + 1 :])
        ):
            self._finish_not_passed()  # "not yet" at the last wave's check-in
            return
        if self.step_index + 1 >= len(steps):
            self._finish()
            return
        self.step_index += 1

    def watch_step_index(self, index: int) -> None:
        step = self.exercise.steps[index]
        self._remaining = float(step.seconds)
        self._last_tick = time.monotonic()
        self.paused = False
        total = len(self.exercise.steps)
        self.query_one("#step-text", Static).update(
            _("Step {n} of {total}\n\n{text}").format(n=index + 1, total=total, text=step.text)
        )
        self.query_one(BreathingVisual).start(step.breath, step.seconds)
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
            state = _("paused — press Space to continue")
        elif self.step_index >= 0 and self.exercise.steps[self.step_index].check_in:
            state = _("press Y if it has passed, or N (or Enter) if not yet")
        elif self._self_paced():
            state = _("take your time — press Enter when you are ready")
        else:
            state = _("{seconds} s left").format(seconds=seconds)
        self.query_one("#step-timer", Label).update(state)

    def _finish_not_passed(self) -> None:
        lines = urge.not_passed_lines(self.app.settings.country)
        self.query_one("#step-text", Static).update(
            "\n".join(lines) + "\n\n" + _("Press Escape to return.")
        )
        self.query_one("#step-timer", Label).update(_("ended"))
        self.query_one(BreathingVisual).stop()
        self.paused = True

    def _finish(self) -> None:
        self.query_one("#step-text", Static).update(
            _("Well done. Take a moment before you go back.\n\nPress Escape to return.")
        )
        self.query_one("#step-timer", Label).update("finished")
        self.query_one(BreathingVisual).stop()
        self.paused = True
