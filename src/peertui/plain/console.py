"""Everything plain mode writes to the terminal goes through here, one whole line at a time.

The line kinds and their prefixes are the stable contract in docs/PLAIN_MODE.md:
messages `#N nick: text` (with `[group] ` in front when not in the current group), notices
`-- `, errors `!! `, command output indented by two spaces, and a fixed prompt.
"""

from __future__ import annotations

import asyncio
import re
import sys
from typing import TextIO

NOTICE_PREFIX = "-- "
ERROR_PREFIX = "!! "
QUESTION_PREFIX = "?? "
OUTPUT_INDENT = "  "
PROMPT = "> "
BANNER = "peertui plain mode. /help lists commands; /crisis shows crisis lines."

# Colour only when asked for (`--color`), only on the prefix, and never the only carrier of
# meaning: the prefixes are the same with or without it.
_PREFIX_COLOURS = {
    NOTICE_PREFIX: "\x1b[36m",
    ERROR_PREFIX: "\x1b[31m",
    QUESTION_PREFIX: "\x1b[33m",
}
_RESET = "\x1b[0m"
# Cooked-mode terminals keep a half-typed line in their buffer when output interrupts it, but it
# is no longer on screen; the terminal's reprint key brings it back.
REPRINT_HINT = (
    "Tip: something arrived while you were at the prompt. If you had started typing, your line "
    "is still there: Ctrl+R shows it again."
)

# C0 and C1 control characters (ESC among them) except tab; other people's text must never be
# able to move the cursor, recolour or clear a screen-reader user's terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n|\u2028|\u2029")


def one_line(text: str) -> str:
    """Text from anyone else made safe to print: one line, no control characters."""
    return _CONTROL.sub("", _LINE_BREAK.sub(" / ", text)).replace("\t", " ")


class Console:
    """Writes lines; keeps the prompt on its own line when events arrive while the user is idle."""

    def __init__(
        self, stream: TextIO | None = None, *, colour: bool = False, show_prompt: bool = True
    ):
        self._stream = stream or sys.stdout
        self._colour = colour
        self._show_prompt = show_prompt
        self._prompt_showing = False
        self._waiting_for_input = False
        self._reprompt_scheduled = False
        self._hint_due = False

    def message(self, line: str) -> None:
        self._write("", line)

    def notice(self, text: str) -> None:
        self._write(NOTICE_PREFIX, one_line(text))

    def error(self, text: str) -> None:
        self._write(ERROR_PREFIX, one_line(text))

    def question(self, text: str) -> None:
        self._write(QUESTION_PREFIX, one_line(text))

    def raw(self, line: str) -> None:
        """A line alone with no prefix, such as an invite token to copy."""
        self._write("", one_line(line))

    def output(self, text: str = "") -> None:
        self._write("", (OUTPUT_INDENT + one_line(text)).rstrip())

    def offer_reprint_hint(self) -> None:
        """From now on, the first line that interrupts the prompt is followed by REPRINT_HINT."""
        self._hint_due = True

    def finish(self) -> None:
        """No more input will be read: never show the prompt again."""
        self._waiting_for_input = False

    def prompt(self) -> None:
        """Show the prompt (on a terminal only, so piped scripts get clean output)."""
        self._waiting_for_input = True
        if self._show_prompt and not self._prompt_showing:
            self._stream.write(PROMPT)
            self._stream.flush()
            self._prompt_showing = True

    def input_received(self) -> None:
        """The user pressed Enter: the terminal has already moved past the prompt."""
        self._prompt_showing = False
        self._waiting_for_input = False

    def _write(self, prefix: str, text: str) -> None:
        was_prompting = self._prompt_showing
        if was_prompting:
            # Finish the prompt's line instead of moving the cursor back over it.
            self._stream.write("\n")
            self._prompt_showing = False
        self._stream.write(f"{self._tinted(prefix)}{text}\n")
        if was_prompting and self._hint_due:
            self._hint_due = False
            self._stream.write(f"{self._tinted(NOTICE_PREFIX)}{REPRINT_HINT}\n")
        self._stream.flush()
        if was_prompting and not self._reprompt_scheduled:
            # One prompt after a burst of incoming lines, not one per line.
            self._reprompt_scheduled = True
            asyncio.get_running_loop().call_soon(self._reprompt)

    def _tinted(self, prefix: str) -> str:
        colour = _PREFIX_COLOURS.get(prefix, "") if self._colour else ""
        return f"{colour}{prefix}{_RESET}" if colour else prefix

    def _reprompt(self) -> None:
        self._reprompt_scheduled = False
        if self._waiting_for_input:
            self.prompt()
