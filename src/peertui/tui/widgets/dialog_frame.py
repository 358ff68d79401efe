"""The frame every dialog shares: a body that scrolls, and beneath it (never over it) the foot
with the dialog's answers.

The body ends above the foot, so no line of text or field is ever drawn under a button, and
its height is fitted to the room the terminal leaves (Textual cannot size an auto-height box
against its parent's border and a sibling in CSS alone). Keys scroll it a step per key even in
a burst: Textual's own scrolling is deferred to the next frame and reads the old position, so
thirty Downs sent at once moved it one line and the end of a long text stayed out of reach.
"""

from __future__ import annotations

from fractions import Fraction

from textual import events
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.widget import Widget


class StepScroll(VerticalScroll):
    """Scrolls a row (or a page) per key, however fast the keys come."""

    def _step(self, rows: float) -> None:
        self.scroll_to(y=max(0.0, self.scroll_y + rows), animate=False, immediate=True)

    def action_scroll_down(self) -> None:
        self._step(1)

    def action_scroll_up(self) -> None:
        self._step(-1)

    def action_page_down(self) -> None:
        self._step(max(1, self.scrollable_content_region.height - 1))

    def action_page_up(self) -> None:
        self._step(-max(1, self.scrollable_content_region.height - 1))

    def action_scroll_end(self) -> None:
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)

    def action_scroll_home(self) -> None:
        self.scroll_to(y=0, animate=False, immediate=True)


class DialogBody(StepScroll):
    """A dialog's text and fields, scrolling by themselves above the foot."""

    def on_mount(self) -> None:
        # Fitted before the first frame is drawn (from the styles alone), and again once
        # everything has its real size.
        self.fit()
        self.call_after_refresh(self.fit)

    def fit(self) -> None:
        """Leave room for the dialog's border and foot within what the screen has."""
        dialog = self.parent
        if not isinstance(dialog, Widget) or not self.is_attached:
            return
        screen = self.screen
        size = screen.size if screen.size.height else self.app.size
        room = size.height - sum(
            _height(child, size)
            for child in screen.children
            if child is not dialog and child.styles.is_docked and child.display
        )
        others = sum(_height(child, size) for child in dialog.children if child is not self)
        fitted = max(3, room - dialog.styles.gutter.height - dialog.styles.margin.height - others)
        if self.styles.max_height is None or self.styles.max_height.value != fitted:
            self.styles.max_height = fitted


def _height(widget: Widget, room: Size) -> int:
    """A widget's height with its margin: as laid out, or from its styles before the first
    layout (a foot's buttons and lines have fixed or content heights)."""
    if not widget.display:
        return 0
    if widget.outer_size.height:
        return widget.outer_size.height
    box = widget._get_box_model(room, room, Fraction(room.width), Fraction(room.height))
    return int(box.height) + box.margin.height


class DialogFoot(Vertical):
    """A dialog's answers (and any line about them), below its body. With a button focused,
    the reading keys still scroll the body above."""

    BINDINGS = [
        Binding("down", "scroll_body('scroll_down')", show=False),
        Binding("up", "scroll_body('scroll_up')", show=False),
        Binding("pagedown", "scroll_body('page_down')", show=False),
        Binding("pageup", "scroll_body('page_up')", show=False),
        Binding("end", "scroll_body('scroll_end')", show=False),
        Binding("home", "scroll_body('scroll_home')", show=False),
    ]

    def action_scroll_body(self, action: str) -> None:
        for body in self.screen.query(DialogBody):
            getattr(body, f"action_{action}")()

    def on_resize(self, event: events.Resize) -> None:
        fit_dialog(self.screen)


def fit_dialog(screen: Widget) -> None:
    for body in screen.query(DialogBody):
        body.fit()


class FittedDialog:
    """For a ModalScreen holding a DialogBody: refitted when the terminal changes size."""

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(fit_dialog, self)  # type: ignore[attr-defined]
