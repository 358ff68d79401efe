"""`peertui --plain`: unlock the local store, then run a line-oriented session until input ends.

Heavy modules (the engine, crypto, httpx) are imported only inside `run`, after the arguments
are known, so the prompt comes up quickly and textual is never loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import signal
import sys
from typing import TYPE_CHECKING

from peertui.plain.console import BANNER, Console

if TYPE_CHECKING:
    from peertui.core.engine import Engine
    from peertui.paths import Paths

PASSPHRASE_ENV = "PEERTUI_PASSPHRASE"
MIN_PASSPHRASE_LENGTH = 8
NEW_PASSPHRASE_TRIES = 3


def run(args: argparse.Namespace) -> int:
    colour = bool(getattr(args, "color", False)) and "NO_COLOR" not in os.environ
    console = Console(colour=colour, show_prompt=sys.stdin.isatty())
    try:
        return asyncio.run(_main(args, console))
    except KeyboardInterrupt:
        # Ctrl+C while unlocking, before the session's own handler is in place.
        console.notice("Stopped.")
        return 130


async def _main(args: argparse.Namespace, console: Console) -> int:
    from peertui.paths import resolve_paths

    try:
        paths = resolve_paths(getattr(args, "home", None))
    except OSError as problem:
        console.error(f"The peertui home could not be used: {problem.strerror or problem}.")
        return 1
    greeted = _unlocks_without_asking(paths)
    if greeted:
        # Nothing to ask: greet and prompt now, and unlock while the person reads. Lines typed
        # meanwhile wait in the terminal's input buffer.
        console.notice(BANNER)
        console.prompt()
    engine = await _unlock(paths, console)
    if engine is None:
        if greeted and not os.environ.get(PASSPHRASE_ENV):
            # A keyring home where the keyring cannot be reached (e.g. over SSH): the banner
            # promised /crisis, and crisis help never waits for unlocking.
            return await _locked_session(console)
        # The error stays the last line: no prompt after it, since nothing more is read.
        console.finish()
        return 1
    try:
        return await _session(engine, console, greeted=greeted)
    finally:
        await engine.close()


def _unlocks_without_asking(paths: Paths) -> bool:
    return bool(os.environ.get(PASSPHRASE_ENV)) or _keyring_home(paths)


def _keyring_home(paths: Paths) -> bool:
    try:
        return json.loads(paths.unlock_file.read_text(encoding="utf-8")).get("source") == "keyring"
    except (OSError, ValueError, AttributeError):
        return False


async def _unlock(paths: Paths, console: Console) -> Engine | None:
    """Open the engine, asking for the passphrase on the terminal when one is needed."""
    from peertui.core.engine import Engine
    from peertui.core.store import NoKeyAvailable, StoreError, WrongPassphrase

    passphrase = os.environ.get(PASSPHRASE_ENV) or None
    try:
        return await Engine.open(paths, passphrase)
    except NoKeyAvailable as problem:
        # A keyring home has no passphrase to ask for: say what is wrong instead.
        if passphrase is not None or not sys.stdin.isatty() or _keyring_home(paths):
            console.error(str(problem))
            return None
        passphrase = _ask_passphrase(new=not paths.unlock_file.exists(), console=console)
        if passphrase is None:
            return None
    except WrongPassphrase:
        console.error(f"Wrong passphrase: {PASSPHRASE_ENV} does not unlock this peertui home.")
        return None
    except StoreError as problem:
        console.error(str(problem))
        return None
    try:
        return await Engine.open(paths, passphrase)
    except WrongPassphrase:
        console.error("Wrong passphrase: this peertui home stays locked.")
    except StoreError as problem:
        console.error(str(problem))
    return None


def _ask_passphrase(*, new: bool, console: Console) -> str | None:
    """Read the passphrase without echo; a new one is asked twice so a typo cannot lock it."""
    try:
        if new:
            return _choose_passphrase(console)
        passphrase = getpass.getpass("?? Passphrase: ")
    except EOFError:
        console.error("No passphrase was given; peertui stays locked.")
        return None
    if not passphrase:
        console.error("An empty passphrase cannot unlock anything; peertui stays locked.")
        return None
    return passphrase


def _choose_passphrase(console: Console) -> str | None:
    console.notice(
        "Choose a passphrase to protect peertui on this computer, at least "
        f"{MIN_PASSPHRASE_LENGTH} characters. It cannot be recovered."
    )
    for _attempt in range(NEW_PASSPHRASE_TRIES):
        first = getpass.getpass("?? Passphrase: ")
        if len(first) < MIN_PASSPHRASE_LENGTH:
            console.error(
                f"That passphrase is too short: use at least {MIN_PASSPHRASE_LENGTH} characters."
            )
            continue
        if getpass.getpass("?? The same passphrase again: ") == first:
            return first
        console.error("The two passphrases differ; choose one again.")
    console.error(
        f"No passphrase was chosen in {NEW_PASSPHRASE_TRIES} tries; nothing was created. "
        "Start peertui again to retry."
    )
    return None


LOCKED_HELP = "peertui stays locked, so only /crisis [country code] works here; /quit leaves."


async def _locked_session(console: Console) -> int:
    """Take commands after a failed unlock: /crisis works, everything else says why not."""
    from peertui.plain.reader import LineReader
    from peertui.plain.wellbeing import crisis_lines

    console.notice(LOCKED_HELP)
    console.prompt()
    reader = LineReader()
    while (line := await reader.readline()) is not None:
        console.input_received()
        command, _, argument = line.strip().partition(" ")
        if command in ("/quit", "/exit", "/q"):
            break
        if command == "/crisis":
            try:
                for text in crisis_lines(argument, ""):
                    console.output(text)
            except ValueError as problem:
                console.error(str(problem))
        elif command:
            console.error(LOCKED_HELP)
        console.prompt()
    console.finish()
    return 1


async def _session(engine: Engine, console: Console, *, greeted: bool) -> int:
    from peertui.plain.reader import LineReader
    from peertui.plain.session import PlainSession

    reader = LineReader()
    loop = asyncio.get_running_loop()
    # Ctrl+C, a closed terminal or `kill` end the session like Ctrl+D: cleanly, engine closed.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, reader.stop)
    session = PlainSession(engine, console, reader, greeted=greeted)
    return await session.run()
