"""`peertui`: pick the front-end and start it."""

from __future__ import annotations

import argparse
import os
import sys

from peertui import __version__
from peertui.i18n import _


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="peertui",
        description=_("Anonymous, end-to-end encrypted peer-support groups in the terminal."),
    )
    parser.add_argument(
        "--plain",
        action="store_true",
        help=_("line-oriented mode for screen readers and braille displays"),
    )
    parser.add_argument(
        "--tui",
        action="store_true",
        help=_("force the full-screen app even when output is not a terminal"),
    )
    parser.add_argument(
        "--home",
        metavar="DIR",
        help=_(
            "keep all config and data in DIR (default: $PEERTUI_HOME or the platform's user dirs)"
        ),
    )
    parser.add_argument(
        "--color", action="store_true", help=_("plain mode: use colour for prefixes")
    )
    parser.add_argument(
        "--crisis",
        # Several words ("united kingdom" unquoted) are one country's name, never an error.
        nargs="*",
        metavar="CC",
        help=_("print crisis lines (for country CC, e.g. GB) and exit; needs no home or network"),
    )
    parser.add_argument("--version", action="version", version=f"peertui {__version__}")
    return parser


def wants_plain(args: argparse.Namespace) -> bool:
    if args.plain:
        return True
    if args.tui:
        return False
    # No TERM, TERM=dumb and Emacs' eterm cannot draw the full-screen app.
    term = os.environ.get("TERM", "")
    return term in ("", "dumb") or term.startswith("eterm") or not sys.stdout.isatty()


def configured_country(home: str | None) -> str:
    """The country chosen on the first run (config.toml, readable without the passphrase), or
    "" when there is no home or it cannot be read: crisis lines never wait for anything."""
    from peertui.config import load_settings
    from peertui.paths import resolve_paths

    try:
        paths = resolve_paths(home, create=False)
        return load_settings(paths)[0].country
    except (OSError, ValueError):
        return ""


def print_crisis_lines(code: str, home: str | None = None) -> int:
    """Crisis help before anything else: no passphrase, no network; the configured country
    first, then the locale's (said to be a guess), then the numbers that work most places."""
    from peertui.wellbeing import crisis

    hint = _(
        "run peertui --crisis with a country's name or two-letter code, for example "
        "peertui --crisis {example}"
    ).format(example=crisis.other_example(crisis.choose_country(configured_country(home), "").iso2))
    status = 0
    try:
        lines = crisis.lines_for(code, configured_country(home), how_to_choose=hint)
    except ValueError as problem:
        print(f"peertui: {problem}", file=sys.stderr)
        # The same lines as for two letters that are no country ("--crisis XX"): one
        # wording for a country peertui does not know, however it was typed.
        lines = crisis.unlisted_country_lines(str(problem))
        status = 2
    try:
        print("\n".join(lines))
        sys.stdout.flush()
    except BrokenPipeError:  # `peertui --crisis | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status


def _home_is_free(args: argparse.Namespace) -> bool:
    """One running copy per home: say so in one sentence before any screen is drawn."""
    from peertui.core.homelock import HomeInUse, check_home_free
    from peertui.paths import resolve_paths
    from peertui.ui.problems import problem

    try:
        check_home_free(resolve_paths(args.home))
    except HomeInUse as exc:
        print(f"peertui: {problem(exc)}", file=sys.stderr)
        return False
    except OSError:
        return True  # the front-end reports an unusable home in its own words
    return True


def main(argv: list[str] | None = None) -> int:
    from peertui.config import speak_language

    speak_language("")  # the locale's language until a front-end has read the settings
    args = build_parser().parse_args(argv)
    if args.crisis is not None:
        return print_crisis_lines(" ".join(args.crisis), args.home)
    if not _home_is_free(args):
        return 1
    if wants_plain(args):
        from peertui.plain.app import run as run_plain

        return run_plain(args)
    from peertui.tui.app import run as run_tui

    return run_tui(args)


if __name__ == "__main__":
    sys.exit(main())
