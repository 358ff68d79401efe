"""The composer: where a message is written. A send takes exactly what is in the box when
Enter is pressed and empties it in the same step, so keys typed after Enter belong to the next
message however fast they arrive.

Textual runs an `Input`'s own key bindings (Enter, Backspace, the arrows) only once the key has
travelled up to the app and back, while letters are inserted at once; in a burst of keys the
letters typed after Enter are then already in the box when Enter is handled (issue 10, item 1:
"ok⏎thanks⏎" sent "okthanks" twice). Here the composer runs its own bindings as each key
arrives, in the order the keys were typed.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.actions import SkipAction
from textual.binding import Binding
from textual.dom import NoScreen
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input
from textual.widgets.input import Selection

from peertui.i18n import _


def one_line(text: str) -> str:
    """Pasted lines as the one line a message is (the engine sends line breaks as " / ")."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return " / ".join(line for line in lines if line)


def focus_for_a_correction(widget: Widget) -> None:
    """Focus what an error is about; a typed field keeps its words whole (nothing selected)."""
    if isinstance(widget, OrderedInput):
        widget.focus_for_a_correction()
    else:
        widget.focus()


class OrderedInput(Input):
    """An `Input` whose own bindings (Enter, Backspace, the arrows) run as each key arrives, in
    the order the keys were typed (see the module's docstring); every one-line field uses it.

    With `enter_moves_on`, Enter also moves the focus to the next field at once; keys typed
    after it that were already on their way to this field are handed on to where the focus is
    now, so "robin" Enter "they" puts "they" in the next field however fast it comes.
    """

    def __init__(self, *args: Any, enter_moves_on: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.enter_moves_on = enter_moves_on
        self._moved_on = False  # Enter moved the focus on; keys still queued here go after it
        self._keep_on_focus = False  # the next focus keeps the text unselected

    def _on_focus(self, event: events.Focus) -> None:
        self._moved_on = False
        if self._keep_on_focus and self.select_on_focus:
            # Textual runs Input's own focus handler after this one as well: it must not
            # select the words either, so selecting on focus is off until this focus is done.
            self.select_on_focus = False
            self.call_next(setattr, self, "select_on_focus", True)
        super()._on_focus(event)
        if self._keep_on_focus:
            self._keep_on_focus = False
            self.selection = Selection.cursor(len(self.value))

    def focus_for_a_correction(self) -> None:
        """Focus this field because an error names it: what is written stays whole, with the
        cursor at its end and nothing selected, so the next key adds to it, never wipes it."""
        if self.has_focus:
            self.selection = Selection.cursor(len(self.value))
            return
        self.keep_words_on_focus()
        self.focus()

    def keep_words_on_focus(self) -> None:
        """The next focus leaves the cursor at the end, nothing selected (see `_on_focus`)."""
        self._keep_on_focus = True

    def may_move_on(self) -> bool:
        """Whether Enter moves the focus on from what is written now. Decided with the key,
        not later by the form: keys typed after it go where the focus is at that moment."""
        return True

    def handed_on_to(self) -> Widget | None:
        """Where input still queued here belongs now, or None while it is this field's: the
        focus moved on with Enter, or the dialog holding this field has closed (Escape, Ctrl+S)
        since the key or paste was sent here. It is handed on, never typed into a closed form."""
        try:
            screen = self.screen
        except NoScreen:
            screen = None
        current = self.app.screen
        if screen is None or screen not in self.app.screen_stack:
            return current.focused or current
        focused = screen.focused
        if self._moved_on and focused is not None and focused is not self:
            return focused
        return None

    async def _on_key(self, event: events.Key) -> None:
        target = self.handed_on_to()
        if target is not None:
            # Typed after the key that moved the focus on or closed the dialog, and queued
            # here before it did.
            event.stop()
            event.prevent_default()
            target.post_message(events.Key(event.key, event.character))
            return
        if not event.is_printable:
            for binding in self._bindings.key_to_bindings.get(event.key, ()):
                # Now, in key order — not after a round trip through the app.
                event.stop()
                event.prevent_default()
                await self.run_action(binding.action)
                if binding.action == "submit" and self.enter_moves_on and self.may_move_on():
                    from peertui.tui.focus import focus_in_order

                    focus_in_order(self.screen)
                    self._moved_on = True
                return
            if isinstance(self.screen, ModalScreen):
                # A dialog's own keys (Escape closes it, Ctrl+S sends a form) also run now:
                # after the round trip, a paste or keys sent after them would already have
                # landed in this field, and closed with the dialog.
                for binding in self.screen._bindings.key_to_bindings.get(event.key, ()):
                    event.stop()
                    event.prevent_default()
                    await self.screen.run_action(binding.action)
                    return
        # Letters: Input's own handler (Textual calls it next) inserts them at once.

    def _on_paste(self, event: events.Paste) -> None:
        self.paste_handed_on(event)
        # Otherwise Input's own handler (Textual calls it next) inserts the first line.

    def paste_handed_on(self, event: events.Paste) -> bool:
        """A paste that belongs elsewhere now (see `handed_on_to`) is sent there."""
        target = self.handed_on_to()
        if target is None:
            return False
        event.stop()
        event.prevent_default()
        target.post_message(events.Paste(event.text))
        return True


class Composer(OrderedInput):
    """The message box. A refused command is kept in `kept` the moment it is refused, before
    anything is decided about the box: keys typed after its Enter may already be in the box, or
    on their way to replace it, so the box alone cannot be trusted to hold it. Up walks back
    through the kept lines (newest first), Down forward again; a kept line leaves the list when
    it is sent again (refused once more, it comes back in)."""

    BINDINGS = [
        Binding("up", "recall(-1)", show=False),
        Binding("down", "recall(1)", show=False),
    ]
    # Textual's Input sets its virtual size (the width of its text) on every change of the
    # value, and the widget's reactive lays the whole screen out again each time: every key
    # typed redrew most of the screen, the largest block on the event loop while a catch-up
    # streamed in (issue 12). The box's size is fixed (height 3, the row's width), so a layout
    # moves nothing: it is drawn again, and its scrolling reads the virtual size directly.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    class Sent(Message):
        """Enter was pressed: `text` is what the box held; the box is already empty."""

        def __init__(self, composer: Composer, text: str) -> None:
            super().__init__()
            self.composer = composer
            self.text = text

        @property
        def control(self) -> Composer:
            return self.composer

    class PastedLines(Message):
        """Several lines were pasted; they were put in the box joined as one line."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kept: list[str] = []  # refused commands not yet sent again, oldest first
        self._recalled: int | None = None  # which kept line the box was last given

    async def action_submit(self) -> None:
        text, self.value = self.value, ""
        self._recalled = None
        if text in self.kept:
            self.kept.remove(text)
        self.post_message(self.Sent(self, text))

    def _on_paste(self, event: events.Paste) -> None:
        if self.paste_handed_on(event):
            return
        event.stop()
        event.prevent_default()  # Input's own handler would keep only the first line
        self.take_paste(event.text)

    def take_paste(self, pasted: str) -> None:
        """Pasted text goes in at the cursor; several lines are joined and that is said."""
        if not pasted:
            return
        lines = [line for line in pasted.splitlines() if line.strip()]
        text = one_line(pasted) if len(lines) > 1 else pasted.strip("\r\n")
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)
        if len(lines) > 1:
            self.post_message(self.PastedLines(len(lines)))

    def give_back(self, text: str) -> None:
        """A message that could not go out comes back; anything typed since stays after it."""
        if not text:
            return
        typed = self.value
        self.value = f"{text} {typed}" if typed else text
        self.cursor_position = len(self.value)

    def give_back_command(self, text: str) -> None:
        """A refused command is kept at once (Up brings it back, whatever happens to the box).
        It is also put back whole and selected when the box is still empty, so the next key
        typed replaces it (a command typed straight after is never appended to it) while End
        or an arrow keeps it to correct. When something was typed since, that stays alone in
        the box and the notice says the refused line waits for Up: nothing is lost, nothing run
        together, however the keys typed after Enter and the refusal fall."""
        if not text:
            return
        if text in self.kept:
            self.kept.remove(text)
        self.kept.append(text)
        if self.value.strip():
            self.app.notify(
                _("Not run: {line} — Up puts it back in the box.").format(line=text),
                severity="warning",
            )
            return
        self._show_kept(len(self.kept) - 1)

    def _show_kept(self, index: int) -> None:
        text = self.kept[index]
        self._recalled = index
        self.value = text
        self.selection = Selection(0, len(text))

    def action_recall(self, step: int) -> None:
        """Up (step -1) in an empty box: the newest kept line; Up again while the box still
        holds a kept line as it was given: the one before. Down walks forward, then empties."""
        showing = self._recalled
        if showing is not None and (showing >= len(self.kept) or self.kept[showing] != self.value):
            showing = None  # the box was changed since: it is the person's own words now
        if self.value and showing is None:
            raise SkipAction()
        if showing is None:
            if step > 0 or not self.kept:
                raise SkipAction()
            self._show_kept(len(self.kept) - 1)
            return
        index = showing + step
        if index < 0:
            return  # the oldest is showing: it stays
        if index >= len(self.kept):
            self._recalled = None
            self.value = ""
            return
        self._show_kept(index)
