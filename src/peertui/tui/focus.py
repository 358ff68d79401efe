"""Tab order is the order the fields were composed in (reading order), not the screen
position Textual sorts its focus chain by: a dialog's buttons are docked at its foot, so by
position they come before fields scrolled below them (the Host form's relay field was skipped,
and the keys typed for it fell on the Host button)."""

from __future__ import annotations

from textual import events
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


def field_for_letters(screen: Screen, event: events.Key) -> Widget | None:
    """The text field a letter typed on a form's button (or tick box) belongs to: the nearest
    field before it in reading order (the one Tab left), else the first after. None when the
    letter is not a stray: not on a button, a key the screen or the focused widget uses (Space
    ticks a box), or a dialog without fields (those keep typed words themselves)."""
    from textual.widgets import Button, TextArea
    from textual.widgets._toggle_button import ToggleButton

    from peertui.tui.widgets.composer import OrderedInput

    focused = screen.focused
    if not isinstance(focused, Button | ToggleButton):
        return None
    if not event.is_printable or not event.character:
        return None
    bound = screen.active_bindings.get(event.key)
    if bound is not None and bound.enabled:
        return None
    chain = in_reading_order(screen)
    if focused not in chain:
        return None
    at = chain.index(focused)
    fields = [w for w in chain if isinstance(w, OrderedInput | TextArea)]
    before = [w for w in fields if chain.index(w) < at]
    if before:
        return before[-1]
    return fields[0] if fields else None


def letters_to_their_field(screen: Screen, event: events.Key) -> None:
    """Called by the app for each key as it arrives, before it is sent to the focused widget:
    a letter typed on a form's button moves the focus to its field first, so it and every key
    after it land there, in the order typed (never dropped on the button). The field keeps its
    words: the letter is added at the end, nothing selected to be replaced."""
    from peertui.tui.widgets.composer import OrderedInput

    field = field_for_letters(screen, event)
    if field is None:
        return
    if isinstance(field, OrderedInput):
        field.keep_words_on_focus()
    screen.set_focus(field)
