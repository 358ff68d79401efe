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

And a key for something that needs the history (F4 host, F5 join, F7 search …) pressed on
the home before it has opened waits for it to open, with every key and paste typed after it
(they belong to the form it opens), then goes on as if typed that moment. The safety keys (F1
crisis lines, F2 grounding, quick exit) never wait: they act at once, kept keys or not.
Before, F4 pressed in the first second did nothing, or said the history was still opening,
and the name typed after it went into the message box.
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
# long whatever was kept goes on anyway, unless that screen is still in front and opening (a
# loaded machine mounts slowly: the keys then belong to it, and went to a screen with nothing
# focused, which dropped them).
HOLD_AT_MOST_S = 3.0
# However slowly a screen in front opens, the keyboard is its own again after this long.
OPENING_AT_MOST_S = 20.0
# A bound key on its way up is looked at this often: one a widget stopped never comes back
# to the app, and the keys behind it go on as soon as that is seen. One neither back nor
# stopped after HOLD_AT_MOST_S was dropped with its widget: the keys go on then too. (A fixed
# half second before let the keys behind F5 into the message box whenever a loaded machine
# took longer than that to hand F5 up to the home's binding: CI, keys_ahead handing on.)
KEY_LOOK_EVERY_S = 0.05
# Turns of the event loop a worker needs to start and reach its `push_screen_wait`.
WORKER_START_TURNS = 4
# The actions of a list's Enter (OptionList, ListView): they post a selection message.
SELECTS = frozenset({"select", "select_cursor"})


class KeysAhead:
    def __init__(
        self,
        app: App,
        deliver: Callable[[events.Event], Awaitable[None]],
        waits_for_ready: Callable[[events.Key], bool] = lambda key: False,
        home_in_front: Callable[[], bool] = lambda: False,
    ) -> None:
        self._app = app
        self._deliver = deliver  # the app's own handling of a key or paste
        # Whether this key needs the history, which is not open yet; and whether the home
        # (where those keys are typed) is the screen in front.
        self._waits_for_ready = waits_for_ready
        self._home_in_front = home_in_front
        self._ready = False
        self._until_ready: list[events.Event] = []  # kept until the history is open
        self._waiting = False  # keys and pastes are kept, not handed on
        self._for_a_screen = False  # the wait is for a screen to settle (not for a key)
        self._turn = 0  # which wait this is: an old wait's release must not end a newer one
        self._key_on_its_way: events.Key | None = None
        self._kept: list[events.Event] = []
        # Kept keys are being handed on (each delivery awaits, and the app reads keys typed
        # meanwhile): those go behind them, never between. Once F5 (kept for the history) was
        # being delivered, a letter typed that moment reached the message box before the form
        # opened, and the form lacked it (CI, fe5 F5 at 30 ms a key).
        self._handing_on_ready = False
        self._releasing = False
        self._settling: set[asyncio.Task[None]] = set()

    def _wait(self, at_most: float | None, for_a_screen: bool = False) -> int:
        """Keep what is typed from now on; released after `at_most` seconds at the latest
        (None: the caller sets its own limit)."""
        self._waiting = True
        self._for_a_screen = for_a_screen
        self._turn += 1
        if at_most is not None:
            self._app.set_timer(at_most, partial(self._release, self._turn))
        return self._turn

    def screen_changed(self, screen: Screen) -> None:
        """The screen stack changed (a push, a pop, a switch): `screen` is now in front."""
        self._key_on_its_way = None
        turn = self._wait(None, for_a_screen=True)
        self._app.set_timer(HOLD_AT_MOST_S, partial(self._screen_slow, screen, turn, 0.0))
        # Behind the screen's own Mount and ScreenResume in its queue; from there one more turn
        # of the app's queue, behind the focus change those handlers queued.
        screen.call_later(self._app.call_later, self._release, turn)

    async def _screen_slow(self, screen: Screen, turn: int, waited: float) -> None:
        """The screen has not settled in HOLD_AT_MOST_S: if it is still the one in front it
        is opening slowly, and the keys wait on for it; if it was closed meanwhile it never
        will, and they go on."""
        if turn != self._turn or not self._waiting:
            return
        waited += HOLD_AT_MOST_S
        if self._app.screen_stack and self._app.screen is screen and waited < OPENING_AT_MOST_S:
            self._app.set_timer(HOLD_AT_MOST_S, partial(self._screen_slow, screen, turn, waited))
            return
        await self._release(turn)

    def key_handed_on(self, event: events.Key) -> None:
        """The app handed `event` to the focused widget. If a binding above that widget (on the
        screen) will take it, the keys after it wait until it has come back up."""
        if self._waiting or not self._bound_above_focus(event.key):
            return
        self._key_on_its_way = event
        turn = self._wait(HOLD_AT_MOST_S)
        self._app.set_timer(KEY_LOOK_EVERY_S, partial(self._look_for_key, event, turn))

    def _look_for_key(self, event: events.Key, turn: int) -> None:
        if event is not self._key_on_its_way or turn != self._turn or not self._waiting:
            return  # it came back, a newer wait took over, or the keys went on at the limit
        if getattr(event, "_stop_propagation", False):
            # Stopped: by a widget, and it never comes back; or by the screen as it handed
            # the key up to the app (Textual stops a message at its sender's child), and it is
            # in the app's queue. Looked at again behind it: still not back, it was a widget.
            self._app.call_later(self._stopped_on_its_way, event, turn)
            return
        self._app.set_timer(KEY_LOOK_EVERY_S, partial(self._look_for_key, event, turn))

    async def _stopped_on_its_way(self, event: events.Key, turn: int) -> None:
        if event is self._key_on_its_way and turn == self._turn:
            self._key_on_its_way = None
            await self._release(turn)

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
        if not isinstance(event, events.Key | events.Paste) or event.is_forwarded:
            return False
        if isinstance(event, events.Key) and self._ends_everything(event.key):
            return False  # quick exit never waits
        if self._handing_on_ready:
            if isinstance(event, events.Key) and self._safety_key(event.key):
                return False  # kept keys or not
            self._until_ready.append(event)
            return True
        return self._keep_now(event)

    def _keep_now(self, event: events.Event) -> bool:
        if self._keep_until_ready(event):
            return True
        if not (self._waiting or self._releasing):
            return False
        self._kept.append(event)
        return True

    def _keep_until_ready(self, event: events.Event) -> bool:
        """Kept for the history to open: a key that needs it, and all that follow it, while
        the home is in front (keys typed on another screen, the passphrase among them, go
        there as ever). A safety key acts at once."""
        if self._ready or not self._home_in_front():
            return False
        if isinstance(event, events.Key):
            if self._safety_key(event.key):
                return False
            if not self._until_ready and not self._waits_for_ready(event):
                return False
        elif not self._until_ready:
            return False
        self._until_ready.append(event)
        return True

    def ready(self) -> None:
        """The history is open (or cannot open: what needs it then says why): the keys kept
        for it go on, in the order typed, each as if it had just been typed."""
        self._ready = True
        if self._until_ready:
            task = asyncio.create_task(self._hand_on_kept_for_ready())
            self._settling.add(task)
            task.add_done_callback(self._settling.discard)

    async def _hand_on_kept_for_ready(self) -> None:
        self._handing_on_ready = True
        try:
            while self._until_ready:
                event = self._until_ready.pop(0)
                # Through `keep` again: a form the first key opens makes the rest wait for it.
                if not self._keep_now(event):
                    await self._deliver(event)
        finally:
            self._handing_on_ready = False

    def _safety_key(self, key: str) -> bool:
        """Bound on the app with priority: crisis lines, grounding, the safety plan, quick exit
        and quit work from every screen and never wait for anything."""
        bindings = self._app._bindings.key_to_bindings.get(key, [])
        # With an id: an action of the table (Tab and Shift+Tab are priority bindings too,
        # and must keep their place among the kept keys).
        return any(binding.priority and binding.id for binding in bindings)

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
                if any(b.priority for b in bindings):
                    return False
                # A list's Enter selects, and the screen answers the selection (a message,
                # handled after the key) often by opening a screen: a held Enter on the
                # safety plan opened one step editor per repeat, and the letters after it
                # were lost among them. It waits as a screen's own binding does.
                return isinstance(node, Screen) or any(b.action in SELECTS for b in bindings)
        return False

    def _ends_everything(self, key: str) -> bool:
        bindings = self._app._bindings.key_to_bindings.get(key, [])
        return any(binding.action == "quick_exit" for binding in bindings)

    async def _release(self, turn: int) -> None:
        if turn != self._turn or not self._waiting:
            return  # a newer wait (another screen opened meanwhile) has its own release
        self._waiting = False
        if self._releasing:
            return  # the release under way (it looks again after each key) goes on with it
        self._releasing = True
        try:
            while self._kept and not self._waiting:
                event = self._kept.pop(0)
                # Kept for a screen, then found to need the history: it waits for that too.
                if not self._keep_until_ready(event):
                    await self._deliver(event)
        finally:
            self._releasing = False
