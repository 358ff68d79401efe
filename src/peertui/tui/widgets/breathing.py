"""A calm breathing visual: a bar that fills while breathing in and empties while breathing out.

Under reduced motion it stays still and only names the phase. The phase is always in words,
so the visual never carries meaning by movement or colour alone.
"""

from __future__ import annotations

import time

from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget

from peertui.i18n import _

FRAME_SECONDS = 0.2


class BreathingVisual(Widget):
    paused: reactive[bool] = reactive(False)

    def __init__(self, still: bool, id: str | None = None) -> None:
        super().__init__(id=id)
        self.still = still
        self._phase = ""
        self._seconds = 0.0
        self._elapsed = 0.0
        self._last = 0.0
        self._timer: Timer | None = None

    def start(self, breath: str, seconds: float) -> None:
        """Show one step: `breath` is the step's "in", "out" or "hold" ("" for none)."""
        self._phase = breath
        self._seconds = max(float(seconds), 0.1)
        self._elapsed = 0.0
        self._last = time.monotonic()
        self.paused = False
        if self._timer is None and not self.still and self._phase:
            self._timer = self.set_interval(FRAME_SECONDS, self._advance)
        self.refresh()

    def stop(self) -> None:
        self._phase = ""
        self.refresh()

    def _advance(self) -> None:
        now = time.monotonic()
        if not self.paused:
            self._elapsed += now - self._last
        self._last = now
        self.refresh()

    def render(self) -> str:
        if not self._phase:
            return ""
        label = {"in": _("breathe in"), "out": _("breathe out"), "hold": _("hold")}[self._phase]
        if self.still:
            return f"( {label} )"
        width = max(self.size.width - 16, 10)
        fraction = min(self._elapsed / self._seconds, 1.0)
        filled = {"in": fraction, "out": 1.0 - fraction, "hold": 1.0}[self._phase]
        cells = round(filled * width)
        return f"{label:<12}" + "█" * cells + "·" * (width - cells)
