"""Keep the message catalogue in step with the code: `./dev.sh i18n extract|update|compile|init`.

Thin wrapper over Babel's own command line (`pybabel`), so the options live in one place:
    extract   write src/peertui/locale/peertui.pot from the code and the wellbeing TOML
    update    merge the .pot into every language's .po (new messages arrive untranslated)
    compile   build the .mo files (the wheel build does this too, see hatch_build.py)
    init LANG start a new language's .po from the .pot
    all       extract, update and compile
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "src" / "peertui" / "locale"
TEMPLATE = LOCALE_DIR / "peertui.pot"
DOMAIN = "peertui"
# Line numbers would change every .po at every code edit and make translators' merges
# conflict; the file names are enough to find a message.
EXTRACT_OPTIONS = [
    "--mapping-file",
    str(ROOT / "babel.cfg"),
    "--add-comments=TRANSLATORS:",
    "--keyword=NP_:1c,2",  # peertui.i18n.NP_: a msgid with context, marked for later
    "--add-location=file",
    "--sort-by-file",
    "--width=100",
    "--project=peertui",
    "--copyright-holder=peertui contributors",
    "--msgid-bugs-address=https://github.com/peertui/peertui/issues",
]


def pybabel(*args: str) -> None:
    # From the repository root, so locations read src/peertui/... on every machine.
    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        CommandLineInterface().run(["pybabel", "--quiet", *args])
    finally:
        os.chdir(previous)


def extract(output: Path = TEMPLATE) -> None:
    pybabel("extract", *EXTRACT_OPTIONS, f"--output-file={output}", ".")


def update() -> None:
    pybabel(
        "update",
        f"--input-file={TEMPLATE}",
        f"--output-dir={LOCALE_DIR}",
        f"--domain={DOMAIN}",
        "--width=100",
    )


def compile_all() -> None:
    pybabel("compile", f"--directory={LOCALE_DIR}", f"--domain={DOMAIN}")


def init(language: str) -> None:
    pybabel(
        "init",
        f"--input-file={TEMPLATE}",
        f"--output-dir={LOCALE_DIR}",
        f"--domain={DOMAIN}",
        f"--locale={language}",
        "--width=100",
    )


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("extract", "update", "compile", "init", "all"):
        print(__doc__, file=sys.stderr)
        return 2
    command = argv[0]
    if command == "init":
        if len(argv) != 2:
            print("usage: ./dev.sh i18n init LANG (for example pt_BR)", file=sys.stderr)
            return 2
        init(argv[1])
    if command in ("extract", "all"):
        extract()
    if command in ("update", "all"):
        update()
    if command in ("compile", "all"):
        compile_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
