"""Keys and pastes that arrive while a screen is opening wait for it, in one place for every
screen.

A screen pushed by a key (F1, F4, F5, F7 …) is composed and mounted after that key, and its
first field gets the focus later still (`Widget.focus` is queued). Textual hands the keys read
in between to the new screen itself, which has nothing focused and drops them: "Tuesday" typed
right after F4 became "sday", and a paste right after F5 vanished. The same gap opens when a
dialog closes and the screen below takes the focus back. So from the moment the screen stack
changes until the screen in front has run its mount and resume handlers and its queued focus
change, the app keeps what is typed and then hands it on, in the order it came, to whatever has
the focus; a key that opens yet another screen makes the rest wait for that one.

Two more gaps are closed the same way. A key bound on the screen (F4, F5, F7, Escape) reaches
its binding only after it has travelled up from the focused widget, and the keys read meanwhile
went into the message box before the form opened: they wait until that key has come back to
the app. And a form asked from a worker (`push_screen_wait`) is pushed a few turns of the event
loop after the action: keys wait that long too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

# A screen that never settles (closed while opening) must not keep the keyboard: after this
# long whatever was kept goes on anyway. Generous, as a loaded machine mounts slowly.
HOLD_AT_MOST_S = 3.0
# A bound key a widget stopped on its way up never comes back to the app: after this long the
# keys behind it go on.
KEY_ON_ITS_WAY_AT_MOST_S = 0.5
# Turns of the event loop a worker needs to start and reach its `push_screen_wait`.
WORKER_START_TURNS = 4


class KeysAhead:
    def __init__(self, app: App, deliver: Callable[[events.Event], Awaitable[None]]) -> None:
        self._app = app
        self._deliver = deliver  # the app's own handling of a key or paste
        self._waiting = False  # keys and pastes are kept, not handed on
        self._for_a_screen = False  # the wait is for a screen to settle (not for a key)
        self._turn = 0  # which wait this is: an old wait's release must not end a newer one
        self._key_on_its_way: events.Key | None = None
        self._kept: list[events.Event] = []
        self._settling: set[asyncio.Task[None]] = set()

    def _wait(self, at_most: float, for_a_screen: bool = False) -> int:
        self._waiting = True
        self._for_a_screen = for_a_screen
        self._turn += 1
        self._app.set_timer(at_most, partial(self._release, self._turn))
        return self._turn

    def screen_changed(self, screen: Screen) -> None:
        """The screen stack changed (a push, a pop, a switch): `screen` is now in front."""
        self._key_on_its_way = None
        turn = self._wait(HOLD_AT_MOST_S, for_a_screen=True)
        # Behind the screen's own Mount and ScreenResume in its queue; from there one more turn
        # of the app's queue, behind the focus change those handlers queued.
        screen.call_later(self._app.call_later, self._release, turn)

    def key_handed_on(self, event: events.Key) -> None:
        """The app handed `event` to the focused widget. If a binding above that widget (on the
        screen) will take it, the keys after it wait until it has come back up."""
        if self._waiting or not self._bound_above_focus(event.key):
            return
        self._key_on_its_way = event
        self._wait(KEY_ON_ITS_WAY_AT_MOST_S)

    def key_came_back(self, event: events.Key) -> None:
        """`event` bubbled up to the app and its binding, if any, has run."""
        if event is self._key_on_its_way:
            self._key_on_its_way = None
            self._settle()

    def action_ran(self) -> None:
        """A key's action has run. If it started a worker that opens a screen (a form asked
        with `push_screen_wait`), the push comes a few turns of the event loop later."""
        self._key_on_its_way = None
        if not (self._waiting and self._for_a_screen):
            self._settle()

    def _settle(self) -> None:
        turn = self._wait(HOLD_AT_MOST_S)
        task = asyncio.create_task(self._release_soon(turn))
        self._settling.add(task)
        task.add_done_callback(self._settling.discard)

    async def _release_soon(self, turn: int) -> None:
        for _ in range(WORKER_START_TURNS):
            await asyncio.sleep(0)
        self._app.call_later(self._release, turn)

    def keep(self, event: events.Event) -> bool:
        """True if the key or paste is kept for later (the caller drops it)."""
        if not self._waiting or not isinstance(event, events.Key | events.Paste):
            return False
        if event.is_forwarded:
            return False
        if isinstance(event, events.Key) and self._ends_everything(event.key):
            return False  # quick exit never waits
        self._kept.append(event)
        return True

    def _bindings_for(self, key: str) -> list[tuple[object, list[Binding]]]:
        chain = self._app._binding_chain
        return [(node, bindings.key_to_bindings.get(key, [])) for node, bindings in chain]

    def _bound_above_focus(self, key: str) -> bool:
        """The first binding for `key` from the focus up is a screen's (not priority: those
        ran already), so the key will travel up to it. Printable keys are left alone: a field
        takes them without a binding, and they would never come back."""
        if len(key) == 1 or key == "space":
            return False
        for node, bindings in self._bindings_for(key):
            if bindings:
                return isinstance(node, Screen) and not any(b.priority for b in bindings)
        return False

    def _ends_everything(self, key: str) -> bool:
        bindings = self._app._bindings.key_to_bindings.get(key, [])
        return any(binding.action == "quick_exit" for binding in bindings)

    async def _release(self, turn: int) -> None:
        if turn != self._turn or not self._waiting:
            return  # a newer wait (another screen opened meanwhile) has its own release
        self._waiting = False
        while self._kept and not self._waiting:
            await self._deliver(self._kept.pop(0))
