"""`peertui --plain`: unlock the local store, then run a line-oriented session until input ends.

Heavy modules (the engine, crypto, httpx) are imported only inside `run`, after the arguments
are known, so the prompt comes up quickly and textual is never loaded. The safety commands
(/crisis, /ground, /x) work from the first prompt on, the passphrase question included, and
Ctrl+\\ (the terminal's quit key) is a quick exit at any moment.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from typing import TYPE_CHECKING

from peertui.embedded_relay import host_embedded_relay
from peertui.i18n import N_
from peertui.plain.console import (
    Console,
    OutputClosed,
    Style,
    is_dumb_terminal,
    welcome_lines,
)
from peertui.plain.wellbeing import QuickExit, locked_command
from peertui.ui.wording import _

if TYPE_CHECKING:
    from peertui.config import Settings
    from peertui.core.engine import Engine
    from peertui.core.hosting import RelayFactory
    from peertui.core.models import StartupNote
    from peertui.paths import Paths
    from peertui.plain.reader import LineReader

PASSPHRASE_ENV = "PEERTUI_PASSPHRASE"
MIN_PASSPHRASE_LENGTH = 8
NEW_PASSPHRASE_TRIES = 3
# Wrong passphrases typed at the question before plain mode gives up (exit status 1): enough
# for a few typos, few enough that guessing at the keyboard is not invited.
UNLOCK_TRIES = 5
PASSPHRASE_QUESTION = N_("Passphrase (not shown as you type; /crisis, /ground, /x work here)?")
AGAIN_QUESTION = N_("The same passphrase again?")
LOCKED_HELP = N_(
    "peertui stays locked, so only /crisis [country code], /ground and /x work here; /quit leaves."
)


def run(args: argparse.Namespace) -> int:
    from peertui.config import speak_language

    speak_language("")  # the locale's, until the settings are read
    dumb = is_dumb_terminal()
    colour = bool(getattr(args, "color", False)) and "NO_COLOR" not in os.environ and not dumb
    style = Style(colour=colour, wrap=sys.stdout.isatty() and not dumb)
    console = Console(style=style, show_prompt=sys.stdin.isatty(), dumb=dumb)
    from peertui.plain.reader import bracketed_paste, keep_typed_on_interrupt

    # Only a real terminal that takes escape sequences brackets pastes; a pipe or a dumb
    # terminal keeps reading one line at a time.
    paste = sys.stdin.isatty() and sys.stdout.isatty() and not dumb
    try:
        with bracketed_paste(paste), keep_typed_on_interrupt():
            return asyncio.run(_guarded(args, console))
    except KeyboardInterrupt:
        # Ctrl+C before the session's own handler is in place.
        with contextlib.suppress(OutputClosed):
            console.notice(_("Stopped."))
        return 130
    except OutputClosed:
        return 0


async def _guarded(args: argparse.Namespace, console: Console) -> int:
    """Run the program; a quick exit cancels whatever it is doing and clears the screen."""
    quick_exit = QuickExit()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGQUIT, quick_exit)
    main = asyncio.create_task(_main(args, console, quick_exit))
    waiter = asyncio.create_task(quick_exit.requested.wait())
    await asyncio.wait({main, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if not quick_exit.requested.is_set():
        return main.result()
    main.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await main  # its finally blocks close the engine and restore the terminal
    with contextlib.suppress(OutputClosed):
        console.clear_screen()
    return 0


async def _main(args: argparse.Namespace, console: Console, quick_exit: QuickExit) -> int:
    from peertui.config import load_settings, speak_language
    from peertui.paths import resolve_paths
    from peertui.plain.reader import LineReader

    try:
        paths = resolve_paths(getattr(args, "home", None))
    except OSError as problem:
        console.error(
            _("The peertui home could not be used: {why}.").format(why=problem.strerror or problem)
        )
        return 1
    first_run = not paths.config_file.exists()
    settings, problems = load_settings(paths)  # the engine reports the problems later
    del problems
    speak_language(settings.language)
    console.style.words = settings.plain_prefixes == "words"
    console.style.digits = settings.read_digits
    reader = LineReader()
    console.input_waiting = reader.has_waiting
    # Ctrl+C, a closed terminal or `kill` end the session like Ctrl+D: cleanly, engine closed.
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, reader.stop)
    # Ctrl+C keeps what was typed on the line so far (the session makes it the draft).
    loop.add_signal_handler(signal.SIGINT, lambda: asyncio.ensure_future(reader.interrupt()))
    greeted = _unlocks_without_asking(paths)
    if greeted:
        # Nothing to ask: greet and prompt now, and unlock while the person reads.
        for line in welcome_lines(console.style, first_run):
            console.notice(line)
        from peertui.ui import country

        if not country.should_ask(paths, settings.country):
            # The first run's country question comes first and has its own prompt: an empty
            # prompt before it would be a stray line for a screen reader to read.
            console.prompt()
    elif first_run:
        from peertui.ui.welcome import first_run_lines

        # A passphrase is to be chosen: what peertui is and is not comes first, as the TUI's
        # first screen comes before its passphrase dialog. The banner waits for the unlock,
        # since /help and /set work only then.
        for line in first_run_lines():
            console.notice(line)
    unlock = Unlock(paths, console, reader, settings, quick_exit)
    engine = await unlock.engine()
    if engine is None:
        # The error stays the last line: no prompt after it, since nothing more is read.
        console.finish()
        return unlock.exit_code
    engine.startup_problems = [p for p in engine.startup_problems if p not in unlock.said]
    try:
        from peertui.plain.session import PlainSession

        session = PlainSession(engine, console, reader, quick_exit, greeted=greeted)
        session.first_run = first_run
        return await session.run()
    finally:
        await engine.close()


def _unlocks_without_asking(paths: Paths) -> bool:
    return bool(os.environ.get(PASSPHRASE_ENV)) or _keyring_home(paths)


def _keyring_home(paths: Paths) -> bool:
    from peertui.core.keys import keeps_key_in_keyring

    return keeps_key_in_keyring(paths)


class Unlock:
    """Open the engine, asking for the passphrase on the terminal when one is needed."""

    def __init__(
        self,
        paths: Paths,
        console: Console,
        reader: LineReader,
        settings: Settings,
        quick_exit: QuickExit,
        relay_factory: RelayFactory | None = host_embedded_relay,
    ) -> None:
        self.paths = paths
        self.relay_factory = relay_factory  # what groups hosted on this computer run on
        self.console = console
        self.reader = reader
        self.settings = settings
        self.quick_exit = quick_exit
        self.exit_code = 1
        # Notices the engine also reports (startup_problems), said here already.
        self.said: list[StartupNote] = []

    async def engine(self) -> Engine | None:
        from peertui.core.engine import Engine
        from peertui.core.store import NoKeyAvailable, StoreError, WrongPassphrase
        from peertui.ui.problems import problem as worded

        passphrase = os.environ.get(PASSPHRASE_ENV) or None
        try:
            return await Engine.open(self.paths, passphrase, relay_factory=self.relay_factory)
        except NoKeyAvailable as problem:
            if passphrase is None and _keyring_home(self.paths):
                # The key is in a keyring that cannot be reached (e.g. over SSH): there is no
                # passphrase to ask for, but crisis help never waits for unlocking.
                self.console.error(worded(problem))
                await self._stay_locked()
                return None
            if passphrase is not None or not sys.stdin.isatty():
                self.console.error(worded(problem))
                return None
        except WrongPassphrase:
            self.console.error(
                _("Wrong passphrase: {env} does not unlock this peertui home.").format(
                    env=PASSPHRASE_ENV
                )
            )
            return None
        except StoreError as problem:
            self.console.error(worded(problem))
            return None
        if not self.paths.unlock_file.exists():
            passphrase = await self._choose()
            if passphrase is None:
                return None
            return await self._open(passphrase)
        for attempt in range(1, UNLOCK_TRIES + 1):
            passphrase = await self._ask(_(PASSPHRASE_QUESTION))
            if passphrase is None:
                return None
            try:
                return await self._open(passphrase)
            except WrongPassphrase:
                if attempt == UNLOCK_TRIES:
                    break
                # Said in the full-screen app's words; the question comes back, still unseen.
                self.console.error(_("That passphrase did not open your history. Try again."))
        self.console.error(_("Wrong passphrase: this peertui home stays locked."))
        return None

    async def _open(self, passphrase: str) -> Engine | None:
        """Open with a typed passphrase; WrongPassphrase is left to the caller.

        Echo stays off while the key is derived, so the next try typed meanwhile is not shown.
        """
        from peertui.core.engine import Engine
        from peertui.core.store import StoreError, WrongPassphrase
        from peertui.plain.reader import echo_off
        from peertui.ui.problems import problem as worded

        try:
            with echo_off():
                return await Engine.open(self.paths, passphrase, relay_factory=self.relay_factory)
        except WrongPassphrase:
            raise
        except StoreError as problem:
            self.console.error(worded(problem))
        return None

    async def _stay_locked(self) -> None:
        """Answer the safety commands until /quit or the end of input; nothing else can run."""
        self.console.notice(_(LOCKED_HELP))
        while True:
            self.console.prompt()
            line = await self.reader.readline()
            self.console.input_received()
            if line is None:
                return
            ran = await locked_command(
                line, self.console, self.reader, self.settings, self.quick_exit
            )
            if ran in ("peertui.quit", "peertui.cancel"):
                self.console.notice(_("peertui stays locked. Goodbye."))
                self.exit_code = 0
                return
            if ran is None and line.strip():
                self.console.error(_(LOCKED_HELP))

    async def _ask(self, question: str) -> str | None:
        """One passphrase, typed unseen. Safety commands typed here run and the question comes
        back: they never count as a wrong passphrase."""
        from peertui.plain.reader import echo_off

        while True:
            # Echo goes off before the question shows, so a passphrase typed the moment it
            # appears is never seen on screen.
            with echo_off():
                self.console.question(question)
                self.console.prompt()
                line = await self.reader.readline()
            self.console.input_received()
            self.console.raw("")  # Enter was not echoed: end the prompt's line
            if line is None:
                self.console.error(_("No passphrase was given; peertui stays locked."))
                return None
            ran = await locked_command(
                line, self.console, self.reader, self.settings, self.quick_exit
            )
            if ran == "peertui.quit" or ran == "peertui.cancel":
                self.console.notice(_("peertui stays locked. Goodbye."))
                self.exit_code = 0
                return None
            if ran is not None:
                continue
            if not line:
                self.console.error(_("An empty passphrase cannot unlock anything; type it again."))
                continue
            return line

    async def _choose(self) -> str | None:
        """A new passphrase is asked twice so a typo cannot lock it."""
        from peertui.core.keys import keyring_refusal
        from peertui.ui.unlock import keyring_refused

        refusal = keyring_refusal()
        if refusal:
            # Why a passphrase at all (the keyring here is refused), before it is chosen; the
            # store reports it again once created, after the passphrase had been typed twice.
            self.console.notice(keyring_refused(refusal))
            self.said.append(refusal)
        self.console.notice(
            _(
                "Choose a passphrase to protect peertui on this computer, at least {n} "
                "characters. It cannot be recovered."
            ).format(n=MIN_PASSPHRASE_LENGTH)
        )
        for _attempt in range(NEW_PASSPHRASE_TRIES):
            first = await self._ask(_(PASSPHRASE_QUESTION))
            if first is None:
                return None
            if len(first) < MIN_PASSPHRASE_LENGTH:
                self.console.error(
                    _("That passphrase is too short: use at least {n} characters.").format(
                        n=MIN_PASSPHRASE_LENGTH
                    )
                )
                continue
            again = await self._ask(_(AGAIN_QUESTION))
            if again is None:
                return None
            if again == first:
                return first
            self.console.error(_("The two passphrases differ; choose one again."))
        self.console.error(
            _(
                "No passphrase was chosen in {n} tries; nothing was created. Start peertui "
                "again to retry."
            ).format(n=NEW_PASSPHRASE_TRIES)
        )
        return None
