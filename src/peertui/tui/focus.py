"""Tab order is the order the fields were composed in (reading order), not the screen
position Textual sorts its focus chain by: a dialog's buttons are docked at its foot, so by
position they come before fields scrolled below them (the Host form's relay field was skipped,
and the keys typed for it fell on the Host button)."""

from __future__ import annotations

from textual.screen import Screen
from textual.widget import Widget


def in_reading_order(screen: Screen) -> list[Widget]:
    """The screen's focusable widgets (Textual's choice: shown, enabled, inside any focus
    trap), in the order they sit in the DOM."""
    focusable = set(screen.focus_chain)
    return [widget for widget in screen.walk_children(Widget) if widget in focusable]


def focus_in_order(screen: Screen, forward: bool = True) -> Widget | None:
    """Move the focus to the next (or previous) field in reading order; it scrolls into view."""
    chain = in_reading_order(screen)
    if not chain:
        return None
    focused = screen.focused
    if focused in chain:
        step = 1 if forward else -1
        target = chain[(chain.index(focused) + step) % len(chain)]
    else:
        target = chain[0] if forward else chain[-1]
    screen.set_focus(target)  # at once, as Textual's focus_next does: the next key goes there
    return target
