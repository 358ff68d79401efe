"""Everything plain mode writes to the terminal goes through here, one whole line at a time.

The line kinds and their prefixes are the stable contract in docs/PLAIN_MODE.md: messages
`#N nick: text` (with `[group] ` in front when not in the current group), notices `-- `,
errors `!! `, questions `?? ` (or the words `Notice:`, `Error:`, `Question:` when the
`plain_prefixes` setting says "words"), command output indented by two spaces, and a fixed
prompt. On a terminal, lines are wrapped at word boundaries to its width with indented
continuation lines, so a screen reader never hears a word cut in two; when output is piped,
each event stays one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from peertui.i18n import N_, _

PROMPT = "> "
OUTPUT_INDENT = "  "
CONTINUATION_INDENT = "  "
BANNER = N_("peertui plain mode. /help lists commands; /crisis shows crisis lines; /x quick exit.")


# Said once at every start while the prefixes are symbols: "-- " and "?? " are read aloud as
# "dash dash" and "question question" (or not at all) by screen readers such as Fenrir. The
# short setting name is the one offered: Fenrir says "plain_prefixes" as "plain prefixes",
# which typed back would not be a setting.
PREFIX_HINT = N_(
    "Using a screen reader? /set prefixes words starts lines with Notice:, Error: and "
    "Question: instead of symbols."
)


def welcome_lines(style: Style, first_run: bool, *, about_said: bool = False) -> list[str]:
    """The notices plain mode starts with, once each; `about_said` when the first run's words
    about peertui were already printed (before its passphrase question)."""
    lines = [_(BANNER)]
    if first_run:
        from peertui.ui.welcome import first_run_lines

        # The TUI's first screen says these; plain mode has no such screen.
        if not about_said:
            lines += first_run_lines()
        lines.append(first_run_language())
    if not style.words:
        lines.append(_(PREFIX_HINT))
    return lines


def first_run_language() -> str:
    """Said once, on the first start: the language chosen, and how to choose another."""
    from peertui.i18n import current_language, language_in_sentence

    return _("peertui speaks {language}; /set language changes it (en, es, pt_BR).").format(
        language=language_in_sentence(current_language())
    )


SYMBOL_PREFIXES = {"notice": "-- ", "error": "!! ", "question": "?? "}
# Word prefixes are said in the interface language (docs/PLAIN_MODE.md); symbols never change.
WORD_PREFIXES = {"notice": N_("Notice: "), "error": N_("Error: "), "question": N_("Question: ")}
NOTICE_PREFIX, ERROR_PREFIX, QUESTION_PREFIX = SYMBOL_PREFIXES.values()

# Colour only when asked for (`--color`), only on the prefix, and never the only carrier of
# meaning: the prefixes are the same with or without it.
_KIND_COLOURS = {"notice": "\x1b[36m", "error": "\x1b[31m", "question": "\x1b[33m"}
_RESET = "\x1b[0m"
# Clears the screen and the scrollback (xterm's 3J) like the TUI's F12.
CLEAR_TERMINAL = "\x1b[3J\x1b[2J\x1b[H\x1b[3J"
# Cooked-mode terminals keep a half-typed line in their buffer when output interrupts it, but it
# is no longer on screen; the terminal's reprint key brings it back. The kernel keeps that line
# until Enter (FIONREAD counts only whole lines in canonical mode), so peertui cannot know
# whether anything was typed: the tip says "if", never claims the person was typing.
REPRINT_HINT = N_(
    "Tip: if you were typing when this arrived, your line is still there: Ctrl+R shows it again."
)

# C0 and C1 control characters (ESC among them) except tab; other people's text must never be
# able to move the cursor, recolour or clear a screen-reader user's terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n|\u2028|\u2029")
_LONG_NUMBER = re.compile(r"\d{3,}")
_WORD = re.compile(r"\S+")
_NUMBER_WORD = re.compile(r"\+?\d+(-\d+)*")
_AROUND_A_NUMBER = "()[]\"'«»“”‘’,.;:!?¡¿"


# "  - item" (or "* item"): a list item whose wrapped lines should hang under its text.
_BULLET = re.compile(r"^\s*[-*•] ")


def one_line(text: str) -> str:
    """Text from anyone else made safe to print: one line, no control characters."""
    return _CONTROL.sub("", _LINE_BREAK.sub(" / ", text)).replace("\t", " ")


def digit_by_digit(text: str) -> str:
    """'116 123' -> '1 1 6 1 2 3': screen readers then say each digit, not 'one hundred...'.

    Only a word that is a number (digits, maybe joined by hyphens or led by +, with the
    sentence's punctuation around it) is spelled out. Anything else with digits in it — an
    address (http://127.0.0.1:8765), an invite, a command, a file name — is something to copy
    or type back, and a space put into it would break it, so it is left exactly as it is."""
    return _WORD.sub(_spelled, text)


def _spelled(found: re.Match[str]) -> str:
    word = found.group()
    core = word.strip(_AROUND_A_NUMBER)
    if not core or not _NUMBER_WORD.fullmatch(core):
        return word
    start = word.index(core)
    spelled = _LONG_NUMBER.sub(lambda digits: " ".join(digits.group()), core)
    return word[:start] + spelled + word[start + len(core) :]


def is_dumb_terminal(term: str | None = None) -> bool:
    """No TERM, TERM=dumb and Emacs' eterm cannot take escape sequences."""
    term = os.environ.get("TERM", "") if term is None else term
    return term in ("", "dumb") or term.startswith("eterm")


class OutputClosed(Exception):
    """Whoever read our output has gone (`peertui --plain | head`): end quietly."""


@dataclass
class Style:
    """How lines look; from the settings and the terminal, changeable while running."""

    colour: bool = False
    words: bool = False  # word prefixes (Notice:, Error:, Question:) instead of symbols
    digits: bool = False  # numbers digit by digit
    wrap: bool = False  # wrap to the terminal's width (a terminal, not a pipe)


class Console:
    """Writes lines; keeps the prompt on its own line when events arrive while the user is idle."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        style: Style | None = None,
        show_prompt: bool = True,
        dumb: bool = False,
    ):
        self._stream = stream or sys.stdout
        self.style = style or Style()
        self.dumb = dumb
        self._show_prompt = show_prompt
        self._prompt_showing = False
        self._waiting_for_input = False
        self._reprompt_scheduled = False
        self._hint_due = False
        self.closed = False
        # Lines written while the prompt was showing that a person might be answering (what
        # arrived from the group); an aside such as "connected again" is not counted.
        self.interruptions = 0
        # Whether a typed line is already waiting to be handled (the reader knows): the prompt
        # is drawn only when none is, so output always follows the line it answers.
        self.input_waiting: Callable[[], bool] = lambda: False

    # ----- line kinds

    def message(self, line: str) -> None:
        self._write("message", line)

    def notice(self, text: str, *, aside: bool = False) -> None:
        """`aside`: news about the app itself (the relay's connection), nothing anyone could
        reply to: a line typed at an open question after it is not asked about (session.ask)."""
        self._write("notice", one_line(text), aside=aside)

    def error(self, text: str) -> None:
        self._write("error", one_line(text))

    def question(self, text: str) -> None:
        self._write("question", one_line(text))

    def raw(self, line: str) -> None:
        """A line alone with no prefix and never wrapped, such as an invite token to copy."""
        self._write("raw", one_line(line))

    def output(self, text: str = "") -> None:
        self._write("output", one_line(text))

    def write_line(self, kind: str, text: str) -> None:
        """A `ui.wording.Line` by its kind."""
        {
            "notice": self.notice,
            "error": self.error,
            "question": self.question,
            "output": self.output,
            "raw": self.raw,
            "message": self.message,
        }[kind](text)

    # ----- geometry

    def width(self) -> int | None:
        """Columns to wrap at, or None when not wrapping (a pipe, a file)."""
        if not self.style.wrap:
            return None
        try:
            return max(20, os.get_terminal_size(self._stream.fileno()).columns)
        except (OSError, ValueError, AttributeError):
            return None

    def height(self) -> int | None:
        if not self.style.wrap:
            return None
        try:
            return max(5, os.get_terminal_size(self._stream.fileno()).lines)
        except (OSError, ValueError, AttributeError):
            return None

    def rendered(self, kind: str, text: str) -> list[str]:
        """The screen lines one line of this kind takes (its prefix included)."""
        if kind == "output":
            text = (OUTPUT_INDENT + one_line(text)).rstrip()
        line = f"{self._prefix(kind)}{text}"
        if self.style.digits and kind != "raw":
            line = digit_by_digit(line)
        width = self.width()
        if width is None or kind == "raw" or len(line) <= width:
            return [line]
        indent = CONTINUATION_INDENT + (OUTPUT_INDENT if kind == "output" else "")
        bullet = _BULLET.match(text)
        if bullet:
            # A list item's continuation lines hang under its first word, not under the dash.
            indent = " " * (len(self._prefix(kind)) + bullet.end())
        return textwrap.wrap(
            line,
            width=width,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [line]

    # ----- prompt

    def offer_reprint_hint(self) -> None:
        """From now on, the first line that interrupts a half-typed line is followed by the
        Ctrl+R tip (the session calls this only once the person has typed something)."""
        self._hint_due = True

    def finish(self) -> None:
        """No more input will be read: never show the prompt again."""
        self._waiting_for_input = False

    def prompt(self, text: str = PROMPT) -> None:
        """Show the prompt (on a terminal only, so piped scripts get clean output)."""
        self._waiting_for_input = True
        if self._show_prompt and not self._prompt_showing and not self.input_waiting():
            self._put(text)
            self._prompt_showing = True

    def input_received(self) -> None:
        """The user pressed Enter: the terminal has already moved past the prompt."""
        self._prompt_showing = False
        self._waiting_for_input = False

    def clear_screen(self) -> None:
        """Quick exit: the screen and the scrollback go (not possible on a dumb terminal)."""
        if not self.dumb:
            self._put(CLEAR_TERMINAL)

    # ----- writing

    def _prefix(self, kind: str) -> str:
        if self.style.words:
            return _(WORD_PREFIXES[kind]) if kind in WORD_PREFIXES else ""
        return SYMBOL_PREFIXES.get(kind, "")

    def _write(self, kind: str, text: str, *, aside: bool = False) -> None:
        was_prompting = self._prompt_showing
        lines = self.rendered(kind, text)
        chunks = []
        if was_prompting:
            # Finish the prompt's line instead of moving the cursor back over it.
            chunks.append("\n")
            self._prompt_showing = False
            if not aside:
                self.interruptions += 1
        prefix = self._prefix(kind)
        for line in lines:
            if self.style.colour and prefix and line.startswith(prefix):
                line = f"{_KIND_COLOURS[kind]}{prefix}{_RESET}{line[len(prefix) :]}"
            chunks.append(line + "\n")
        if was_prompting and self._hint_due:
            self._hint_due = False
            chunks.extend(line + "\n" for line in self.rendered("notice", _(REPRINT_HINT)))
        self._put("".join(chunks))
        if was_prompting and not self._reprompt_scheduled:
            # One prompt after a burst of incoming lines, not one per line.
            self._reprompt_scheduled = True
            asyncio.get_running_loop().call_soon(self._reprompt)

    def _put(self, text: str) -> None:
        if self.closed:
            raise OutputClosed
        try:
            self._stream.write(text)
            self._stream.flush()
        except BrokenPipeError:
            self.closed = True
            # Later writes (and the interpreter's flush at exit) go nowhere instead of raising.
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, self._stream.fileno())
            except (OSError, ValueError, AttributeError):
                pass
            raise OutputClosed from None

    def _reprompt(self) -> None:
        self._reprompt_scheduled = False
        if self._waiting_for_input and not self.closed:
            with contextlib.suppress(OutputClosed):
                self.prompt()
