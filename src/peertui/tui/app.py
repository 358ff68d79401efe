"""The Textual front-end: one app object that owns the engine and the screens.

Start-up is kept fast by drawing the first frame before the engine (crypto, database, network)
is imported; the engine opens in a worker and the home screen fills in when it is ready.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib
import os
import sys
from typing import TYPE_CHECKING, ClassVar

from textual import events, work
from textual.app import App
from textual.binding import BindingType
from textual.content import Content
from textual.dom import NoScreen
from textual.events import Event as TextualEvent
from textual.message import Message as TextualMessage
from textual.timer import Timer

from peertui.config import (
    Settings,
    apply_private_settings,
    interface_language,
    load_settings,
    private_settings,
    save_settings,
    speak_language,
)
from peertui.embedded_relay import host_embedded_relay
from peertui.i18n import N_, _
from peertui.paths import Paths, resolve_paths
from peertui.tui import bindings
from peertui.tui.commands import PeertuiCommands
from peertui.tui.themes import DEFAULT_THEME, load_themes

if TYPE_CHECKING:
    from peertui.core.engine import Engine
    from peertui.core.events import Event
    from peertui.core.hosting import RelayFactory
    from peertui.tui.screens.home import HomeScreen

# Leaves nothing behind: clear the scrollback (3J), the screen (2J), home the cursor, and clear
# the scrollback once more because some terminals (tmux) push a cleared screen into it.
CLEAR_TERMINAL = "\x1b[3J\x1b[2J\x1b[H\x1b[3J"
REFUSED_SCREENSHOT = N_(
    "Screenshots are turned off: they would write the conversation to disk unencrypted."
)


class EngineEvents(TextualMessage):
    """Engine events have arrived: the app takes them from its queue a few at a time."""


# Engine events handled per turn of the app's message queue: a catch-up tells thousands at
# once, and keys typed meanwhile are handled between two turns, not after all of them.
EVENTS_PER_TURN = 50
# How often the first run looks for an idle moment to ask for the country.
COUNTRY_IDLE_CHECK_S = 0.5


def _warm_up_countries() -> None:
    from peertui.wellbeing import countries

    countries.warm_up()


class PeertuiApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "peertui"
    BINDINGS: ClassVar[list[BindingType]] = [*bindings.APP, *bindings.FOCUS]
    # Only peertui's own entries: Textual's system commands include a screenshot (the
    # conversation written to disk unencrypted) and themes that are not peertui's.
    COMMANDS = {PeertuiCommands}
    # Notices sit at the top right (see app.tcss), away from the composer and the newest lines;
    # the ones about a group are also lines in its conversation, so a short life loses nothing.
    NOTIFICATION_TIMEOUT = 3

    def __init__(
        self,
        paths: Paths,
        settings: Settings | None = None,
        settings_problems: list[str] | None = None,
        passphrase: str | None = None,
        relay_factory: RelayFactory | None = host_embedded_relay,
    ) -> None:
        super().__init__()
        self.paths = paths
        self._relay_factory = relay_factory  # what groups hosted on this computer run on
        if settings is None:
            settings, settings_problems = load_settings(paths)
        self.settings = settings
        self._language = speak_language(settings.language)
        self._startup_problems = list(settings_problems or [])
        self._passphrase = passphrase
        self.engine: Engine | None = None
        self.peertui_themes: list[str] = []
        self.quick_exited = False
        self.locked = False  # waiting for the passphrase
        self._unlock_after_welcome = False
        self._private_settings_pending = False
        self._engine_events: list[Event] = []  # told by the engine, not handled yet
        self._private_before_unlock = private_settings(self.settings)
        self._asking_country = False
        self._country_idle_once = False  # the home was idle at the last look
        self._country_timer: Timer | None = None
        from peertui.tui.keys_ahead import KeysAhead

        self._keys_ahead = KeysAhead(
            self, self._take_input, self._waits_for_history, self._home_in_front
        )

    # ----- start-up -------------------------------------------------------------------------
    def on_mount(self) -> None:
        themes, problems = load_themes(self.paths.themes_dir)
        for theme in themes:
            self.register_theme(theme)
        self.peertui_themes = [theme.name for theme in themes]
        self._startup_problems.extend(problems)
        self.screen_change_signal.subscribe(self, self._screen_changed)
        self.apply_settings()
        from peertui.tui.screens.first_run import FirstRunScreen, welcome_seen
        from peertui.tui.screens.home import HomeScreen

        self.push_screen(HomeScreen())
        if not welcome_seen(self.paths):
            self.push_screen(FirstRunScreen(), self._welcome_dismissed)
        if self._startup_problems:
            # Gathered into one notice so a broken config never buries the screen in toasts.
            self.notify(
                "\n".join(self._startup_problems),
                title=_("Some settings were not used"),
                severity="warning",
                timeout=12,
            )
        from peertui.ui.country import should_ask

        if should_ask(self.paths, self.settings.country):
            # The country question's names (CLDR, a second or more) are gathered while the
            # history opens, so the question is ready the moment the home is.
            self.run_worker(asyncio.to_thread(_warm_up_countries), group="country-names")
        # Only after the first frame is on screen: unlocking (a key derivation) and importing
        # crypto and networking take longer than drawing, and the safety keys work without them.
        self.call_after_refresh(self.open_engine, self._passphrase)

    def apply_settings(self) -> None:
        """Theme, motion, keys and language from the settings; unknown themes fall back with a
        notice. A new language reaches every key description, footer and screen opened from
        now on; lines already written stay as they were said."""
        if speak_language(self.settings.language) != self._language:
            self._language = speak_language(self.settings.language)
            self._language_changed()
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        else:
            self._startup_problems.append(
                _("Theme '{theme}' was not found; using '{default}'.").format(
                    theme=self.settings.theme, default=DEFAULT_THEME
                )
            )
            self.theme = DEFAULT_THEME
        self.animation_level = "none" if self.settings.reduced_motion else "full"
        self.set_keymap(self.settings.keybindings)
        for screen in self.screen_stack:
            self._apply_motion(screen)

    def _language_changed(self) -> None:
        from peertui.tui.widgets.footer import SafetyKeys

        for screen in self.screen_stack:
            for keys in screen.query(SafetyKeys):
                keys.show()
            refresh_words = getattr(screen, "refresh_words", None)
            if refresh_words is not None:
                refresh_words()
        self.refresh_bindings()

    def _apply_motion(self, screen) -> None:
        from textual.widgets import Input, TextArea

        for field in screen.query("Input, TextArea"):
            if isinstance(field, Input | TextArea):
                field.cursor_blink = not self.settings.reduced_motion

    async def on_event(self, event: TextualEvent) -> None:
        if isinstance(event, events.Key) and event.key == "ctrl+j" and not event.is_forwarded:
            # Enter typed before the terminal was put in raw mode (while peertui starts) was
            # turned into a line feed by the terminal, and arrived as Ctrl+J: it neither moved
            # a form on nor sent anything, and the keys after it joined the field before it.
            event = events.Key("enter", "\r")
        # Keys and pastes typed while a screen opens wait for it (see keys_ahead).
        if not self._keys_ahead.keep(event):
            await self._take_input(event)

    def _waits_for_history(self, event: events.Key) -> bool:
        """A key the home binds (F4 host, F5 join … F11), pressed before the history is open:
        what it does needs the history, so it waits for it (keys_ahead)."""
        home = self._home()
        if self.engine is not None or home is None:
            return False
        return bool(home._bindings.key_to_bindings.get(event.key))

    def _home_in_front(self) -> bool:
        from peertui.tui.screens.home import HomeScreen
        from peertui.tui.screens.unlock import UnlockScreen

        if not self.screen_stack:
            return False
        # A passphrase dialog already answered is closing: keys typed after its Enter (in the
        # same burst) are the home's.
        return isinstance(self.screen, HomeScreen) or (
            isinstance(self.screen, UnlockScreen) and self.screen.submitted
        )

    async def _take_input(self, event: TextualEvent) -> None:
        from peertui.tui.screens.unlock import UnlockScreen

        came_back = event.is_forwarded  # a key on its way up from the focused widget
        if isinstance(event, events.Key) and not came_back and event.key == "enter":
            with contextlib.suppress(NoScreen):
                if isinstance(self.screen, UnlockScreen):
                    self.screen.enter_will_submit()
        if isinstance(event, events.Key) and not came_back:
            # Decided here, in the order keys are taken (after any wait for a screen to
            # open), before the key goes to the focused widget: a letter on a form's button
            # goes to its field (focus.py).
            from peertui.tui.focus import letters_to_their_field

            with contextlib.suppress(NoScreen):
                letters_to_their_field(self.screen, event)
        await super().on_event(event)
        if isinstance(event, events.Key):
            if came_back:
                self._keys_ahead.key_came_back(event)
            else:
                self._keys_ahead.key_handed_on(event)

    async def run_action(self, action, default_namespace=None, namespaces=None) -> bool:  # type: ignore[no-untyped-def]
        ran = await super().run_action(action, default_namespace, namespaces)
        self._keys_ahead.action_ran()
        return ran

    def _screen_changed(self, screen) -> None:
        self._keys_ahead.screen_changed(screen)
        if getattr(screen, "HINT_LINE", ""):
            # A toast from the screen before must not sit over the crisis lines or a step.
            self.clear_notifications()
        # A new screen's fields exist only after it has been composed.
        self.call_after_refresh(self._apply_motion, screen)

    def save_settings(self) -> None:
        try:
            if self.engine is not None:
                self.engine.save_settings()  # the private ones go into the encrypted store
            else:
                save_settings(self.paths, self.settings)
                # A proxy or retention typed while locked is stored once the history is unlocked
                # (and only if it was changed, so a stored one is not overwritten by a default).
                self._private_settings_pending = (
                    private_settings(self.settings) != self._private_before_unlock
                )
        except OSError as exc:
            self.notify(
                _("Settings could not be saved: {why}.").format(why=exc.strerror or exc),
                severity="error",
            )
            return
        self.apply_settings()

    @work(exclusive=True, group="engine")
    async def open_engine(self, passphrase: str | None) -> None:
        # Imported in a thread so the interface stays responsive while it loads.
        await asyncio.to_thread(importlib.import_module, "peertui.core.engine")
        from peertui.core.engine import Engine
        from peertui.core.errors import PeertuiError
        from peertui.core.store import NoKeyAvailable, StoreError, WrongPassphrase
        from peertui.ui.problems import problem as worded

        try:
            engine = await Engine.open(self.paths, passphrase, relay_factory=self._relay_factory)
        except (NoKeyAvailable, WrongPassphrase) as exc:
            self.locked = True
            if isinstance(exc, NoKeyAvailable) and passphrase is None and self._keyring_home():
                # The key is in a keyring that cannot be reached (e.g. over SSH): there is no
                # passphrase to ask for. Say why it stays locked; F1, F2 and F12 work as ever.
                self._stay_locked(worded(exc))
                self._keys_ahead.ready()  # it will not open: F4 and the rest say why
                return
            self._ask_passphrase(wrong=isinstance(exc, WrongPassphrase))
            return
        except (StoreError, PeertuiError, OSError) as exc:
            problem = _("Your history could not be opened: {exc}").format(exc=worded(exc))
            self.notify(problem, severity="error", timeout=20)
            home = self._home()
            if home is not None:
                home.set_status(problem + _(" Crisis lines (F1) and grounding (F2) still work."))
            self._keys_ahead.ready()  # it will not open: F4 and the rest say why
            return
        self.locked = False
        if self._private_settings_pending:
            # Typed while locked: the encrypted store takes them now, so nothing is lost.
            engine.settings = self.settings
            engine.save_settings()
            self._private_settings_pending = False
        else:
            # The proxy and history retention were only readable once unlocked (config.py).
            apply_private_settings(self.settings, private_settings(engine.settings))
            engine.settings = self.settings
        engine.subscribe(self._forward_event)
        self.engine = engine
        # What is alive now (Textual, the screens, the engine) lives as long as the app, so
        # the collector stops walking it: during a 20,000-message catch-up each full
        # collection walked it again, 14 times, up to 285 ms each with the keys waiting
        # (issue 12). One collection first, so no garbage of the start-up is kept for good.
        gc.collect()
        gc.freeze()
        from peertui.core.keys import KeyringRefused
        from peertui.ui.unlock import keyring_refused

        for refused in engine.store.notices:  # why the keyring was refused, said once
            self.notify(
                keyring_refused(refused), title=_("Passphrase instead of keyring"), timeout=15
            )
        from peertui.ui.problems import startup_note

        # Settings moved out of config.toml (the rest of the start-up notes are shown above,
        # or with the settings' own problems): said once, as plain mode says them.
        for note in engine.startup_problems:
            if not isinstance(note, str | KeyringRefused):  # a refused keyring: said above
                self.notify(startup_note(note), timeout=15)
        # In the same step (no await since the engine was set): the home never shows, nor takes
        # a key, with the history open but the group shown last time not opened again yet.
        self._engine_ready()

    def ready_engine(self) -> Engine:
        """The engine, for code that only runs once it is open."""
        if self.engine is None:
            raise RuntimeError("the engine is not open")
        return self.engine

    def _unlocked(self, passphrase: str | None) -> None:
        self.open_engine(passphrase)

    def _keyring_home(self) -> bool:
        from peertui.core.keys import keeps_key_in_keyring

        return keeps_key_in_keyring(self.paths)

    def _stay_locked(self, why: str) -> None:
        problem = _(
            "{why} peertui stays locked: crisis lines (F1), grounding (F2) and quick exit (F12) "
            "work now."
        ).format(why=why)
        self.notify(problem, title=_("History locked"), severity="error", timeout=30)
        home = self._home()
        if home is not None:
            home.set_status(problem)

    def _ask_passphrase(self, wrong: bool) -> None:
        """The unlock screen, after the welcome text when that is still showing."""
        from peertui.tui.screens.first_run import FirstRunScreen
        from peertui.tui.screens.unlock import UnlockScreen

        if any(isinstance(screen, FirstRunScreen) for screen in self.screen_stack):
            self._unlock_after_welcome = True
            return
        creating = not self.paths.unlock_file.exists()
        self.push_screen(UnlockScreen(wrong=wrong, creating=creating), self._unlocked)

    def _welcome_dismissed(self, _result: object = None) -> None:
        if self._unlock_after_welcome:
            self._unlock_after_welcome = False
            self._ask_passphrase(wrong=False)
        else:
            self.maybe_ask_country()

    def maybe_ask_country(self) -> None:
        """The first run asks for the country, once the welcome has been read and the history
        is open (so an answer typed meanwhile is not lost to the passphrase field)."""
        from peertui.tui.screens.first_run import FirstRunScreen
        from peertui.ui.country import should_ask

        if self.engine is None or self._asking_country:
            return
        if any(isinstance(screen, FirstRunScreen) for screen in self.screen_stack):
            return  # asked when the welcome is dismissed
        if not should_ask(self.paths, self.settings.country):
            return
        home = self._home()
        if home is None:
            return
        # Only at a moment nothing else is going on: never over another dialog (the Host form),
        # and never while the person is writing in the message box, whose keys would become
        # the answer. Looked at again shortly; both looks must find the home idle.
        idle = self.screen is home and not home.composer.value
        if not (idle and self._country_idle_once):
            self._country_idle_once = idle
            if self._country_timer is None:
                self._country_timer = self.set_interval(COUNTRY_IDLE_CHECK_S, self._recheck_country)
            return
        if self._country_timer is not None:
            self._country_timer.stop()
            self._country_timer = None
        self._asking_country = True
        self._ask_country(home)

    def _recheck_country(self) -> None:
        if not self._asking_country:
            self.maybe_ask_country()

    @work(group="first-run-country")
    async def _ask_country(self, home) -> None:
        from peertui.tui.home.prompter import DialogPrompter
        from peertui.ui.country import CountryQuestion, ask_country, remember_asked
        from peertui.ui.flows import Cancelled
        from peertui.ui.wording import _

        words = CountryQuestion(where="F1", how_to_change=_("Settings (F8)"))
        try:
            code = await ask_country(DialogPrompter(home, _("Your country"), _("Skip")), words)
        except Cancelled:
            return
        finally:
            self._asking_country = False
        self.settings.country = code
        self.save_settings()
        try:
            remember_asked(self.paths)
        except OSError as exc:
            self.notify(
                _("Could not remember the answer: {why}.").format(why=exc.strerror or exc),
                severity="warning",
            )

    def _forward_event(self, event: Event) -> None:
        self._engine_events.append(event)
        if len(self._engine_events) == 1:
            self.post_message(EngineEvents())

    def _home(self) -> HomeScreen | None:
        from peertui.tui.screens.home import HomeScreen

        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen):
                return screen
        return None

    def _engine_ready(self) -> None:
        """The engine opened: groups, history and the safety plan are available."""
        home = self._home()
        if home is not None and home.is_mounted:
            home.engine_ready()  # (a home mounted later does it in its own on_mount)
        self._keys_ahead.ready()  # F4 and the rest pressed meanwhile, and what followed them
        self.maybe_ask_country()

    def on_engine_events(self, _message: EngineEvents) -> None:
        if not self.is_running:
            return  # shutting down: the screens are being taken apart (run_test does it mid-loop)
        home = self._home()
        if home is None or not home.is_mounted:
            # Events that arrive before the home has its conversation (a loaded machine can
            # open the engine first) wait for it: home_mounted asks for them again.
            return
        taken = self._engine_events[:EVENTS_PER_TURN]
        del self._engine_events[:EVENTS_PER_TURN]
        if self._engine_events:
            self.post_message(EngineEvents())  # the rest after what is queued now (keys)
        home.handle_events(taken, more=bool(self._engine_events))

    def home_mounted(self) -> None:
        """The home screen can show events now: those that waited for it come."""
        if self._engine_events:
            self.post_message(EngineEvents())

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity="information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        # Words, never markup (by default): a notice can carry a relay's own refusal text, and
        # "[/b]" in it would raise MarkupError on the crisis screen, "[@click=...]" run an action.
        # On the crisis, grounding and safety-plan screens a toast would cover the lines the
        # person came for: the screen says it in its own status line instead.
        line_id = getattr(self.screen, "HINT_LINE", "")
        if line_id and self.screen.is_mounted:
            from textual.widgets import Label

            line = self.screen.query_one(f"#{line_id}", Label)
            line.update(Content(message) if not markup else message)
            line.display = True
            return
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
        line = self._notice_line()
        if line is not None:
            # No toast (see _refresh_notifications): it would be drawn over the conversation's
            # lines, or over the field being typed in. The screen's notice line takes a row
            # of its own for as long instead.
            line.say(message, self.NOTIFICATION_TIMEOUT if timeout is None else timeout)

    def _notice_line(self):  # type: ignore[no-untyped-def]
        """Where the screen in front says notices: the home's line at its top, any other
        screen's at its foot; None before a screen is up."""
        from peertui.tui.widgets.footer import SCREEN_NOTICE, NoticeLine

        if not self.screen_stack or not self.screen.is_mounted:
            return None
        line_id = getattr(self.screen, "NOTICE_LINE", "") or SCREEN_NOTICE
        found = self.screen.query(f"#{line_id}")
        return found.first() if found and isinstance(found.first(), NoticeLine) else None

    def _refresh_notifications(self) -> None:
        # A screen with a notice line (every peertui screen) shows no toasts; the notices are
        # still kept (and expire) as Textual keeps them.
        if self.screen_stack:
            screen = self.screen
            notice_line: str = getattr(screen, "NOTICE_LINE", "")
            if notice_line or screen.query("NoticeLine"):
                return
        super()._refresh_notifications()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "command_palette":
            from peertui.tui.screens.dialogs import ChoiceScreen

            # A question waiting for an answer is answered first; the palette over it would
            # hide what is being asked.
            return not isinstance(self.screen, ChoiceScreen)
        return True

    async def action_focus_in_order(self, forward: bool = True) -> None:
        """Tab or Shift+Tab: the focused field first takes the keys typed before it (a
        callback queued behind them), and only then does the focus move; the app reads no
        further key meanwhile, so the keys typed after it go to the next field."""
        focused = self.focused
        if focused is not None:
            taken = asyncio.Event()
            focused.call_later(taken.set)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(taken.wait(), 1.0)
        from peertui.tui.focus import focus_in_order

        focus_in_order(self.screen, forward)

    # ----- wellbeing, from every screen -----------------------------------------------------
    def action_crisis(self) -> None:
        self.open_crisis()

    def open_crisis(self, country: str = "") -> None:
        """Crisis lines for the settings' country, or for `country` (a code or a name in any
        language, "Estados Unidos" as well as "US"); "someone" opens the guide to helping
        someone who may be in danger, as `/crisis someone` does in plain mode."""
        from peertui.plain.wellbeing import SOMEONE_WORDS
        from peertui.tui.screens.crisis import CrisisScreen
        from peertui.wellbeing.crisis import asked_country

        words = country.split()
        if words and words[0].casefold() in SOMEONE_WORDS:
            if isinstance(self.screen, CrisisScreen):
                self.screen.action_someone_else()
            else:
                try:
                    asked = asked_country(" ".join(words[1:]))
                except ValueError:
                    asked = ""  # the guide is what was asked for; its numbers fall back
                self.push_screen(CrisisScreen(asked or None, someone_else=True))
            return
        problem = ""
        try:
            country = asked_country(country)
        except ValueError as refused:
            problem, country = str(refused), ""
        if isinstance(self.screen, CrisisScreen):
            if country:
                self.screen.show_country(country)
        else:
            self.push_screen(CrisisScreen(country.upper() or None))
        if problem:
            # Once the screen is up, so the words land in its own status line.
            self.call_after_refresh(self.notify, problem, severity="warning")

    def action_grounding(self) -> None:
        self.open_grounding()

    def open_grounding(self, exercise_id: str = "") -> None:
        """The list of exercises, or straight into one when it is named."""
        from peertui.tui.screens.grounding import ExerciseScreen, GroundingScreen
        from peertui.wellbeing import grounding

        if isinstance(self.screen, GroundingScreen | ExerciseScreen):
            return
        if exercise_id:
            try:
                exercise = grounding.get_exercise(
                    exercise_id, interface_language(self.settings.language)
                )
            except grounding.UnknownExercise as exc:
                self.push_screen(GroundingScreen())
                self.call_after_refresh(self.notify, str(exc), severity="warning")
            else:
                self.push_screen(ExerciseScreen(exercise))
            return
        self.push_screen(GroundingScreen())

    def action_safety_plan(self) -> None:
        self.open_safety_plan()

    def open_safety_plan(self, then: str = "") -> None:
        """The safety plan; `then` is "edit" or "export" to go on to that at once."""
        from peertui.tui.screens.safety_plan import SafetyPlanScreen

        if self.locked:
            self.notify(
                _(
                    "Unlock first: your safety plan is kept inside your encrypted history. "
                    "Crisis lines (F1) and grounding (F2) work now."
                ),
                severity="warning",
            )
            return
        if not isinstance(self.screen, SafetyPlanScreen):
            self.push_screen(SafetyPlanScreen(then))
        elif then:
            getattr(self.screen, f"action_{then}")()

    # ----- nothing leaves the app unencrypted by accident -------------------------------------
    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.notify(_(REFUSED_SCREENSHOT), severity="warning")

    def save_screenshot(self, *args, **kwargs) -> str:
        raise PermissionError(_(REFUSED_SCREENSHOT))

    def deliver_screenshot(self, *args, **kwargs) -> None:
        self.notify(_(REFUSED_SCREENSHOT), severity="warning")

    # ----- quick exit -----------------------------------------------------------------------
    async def action_quick_exit(self) -> None:
        """Leave at once; a half-typed message is kept as a draft, never sent."""
        self.quick_exited = True
        home = self._home()
        if home is not None:
            home.keep_draft()
        await self.close_engine()
        self.exit(0)

    async def close_engine(self) -> None:
        engine, self.engine = self.engine, None
        if engine is not None:
            await engine.close()

    async def action_quit(self) -> None:
        """Quit; what is in the composer (typed, or a waiting message given back) is kept as
        the group's draft, as on a quick exit: the composer is the only place it lives."""
        home = self._home()
        if home is not None:
            home.keep_draft()
        await self.close_engine()
        self.exit(0)

    async def on_unmount(self) -> None:
        await self.close_engine()


def run(args: argparse.Namespace) -> int:
    try:
        paths = resolve_paths(getattr(args, "home", None))
    except OSError as exc:
        print(
            _("peertui: the home directory could not be used: {why}.").format(
                why=exc.strerror or exc
            ),
            file=sys.stderr,
        )
        return 1
    settings, problems = load_settings(paths)
    app = PeertuiApp(paths, settings, problems, passphrase=os.environ.get("PEERTUI_PASSPHRASE"))
    code = app.run()
    if app.quick_exited:
        sys.stdout.write(CLEAR_TERMINAL)
        sys.stdout.flush()
    return code if isinstance(code, int) else 0
