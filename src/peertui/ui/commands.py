"""The one slash-command parser: a typed line becomes a message or an action with its argument.

Both front-ends use it, so `/slowmode 10` means the same everywhere, an unknown command gets
the same "did you mean" and "//text" sends "/text".
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from peertui.core.crypto import InvalidInvite
from peertui.core.crypto.invite import Invite
from peertui.ui import actions
from peertui.ui.actions import Action, FrontEnd
from peertui.ui.wording import _

if TYPE_CHECKING:
    from peertui.core.models import Report


class CommandError(ValueError):
    """A line that looks like a command but is not one; str() says what to type instead."""

    def __init__(self, text: str, suggestion: str | None = None) -> None:
        super().__init__(text)
        self.suggestion = suggestion


class UsageError(ValueError):
    """A command typed with the wrong arguments; str() shows how to type it."""


@dataclass(frozen=True)
class Parsed:
    """One typed line: `action` is None for a message to send (`text`)."""

    action: Action | None
    argument: str = ""
    text: str = ""

    @property
    def is_message(self) -> bool:
        return self.action is None


def parse(line: str, front_end: FrontEnd = "plain") -> Parsed:
    """A message, or a command with its argument; raises CommandError for an unknown one."""
    stripped = line.strip()
    if stripped.startswith("//"):
        return Parsed(None, text=stripped[1:])
    if not stripped.startswith("/"):
        return Parsed(None, text=stripped)
    words = stripped[1:].split(maxsplit=2)
    table = actions.slash_table(front_end)
    if not words:
        raise CommandError(_("A lone / is not a command. /help lists the commands."))
    first = words[0].casefold()
    if len(words) > 1 and f"{first} {words[1].casefold()}" in table:
        rest = words[2] if len(words) > 2 else ""
        return Parsed(table[f"{first} {words[1].casefold()}"], argument=rest.strip())
    if first in table:
        rest = stripped[1:].strip()[len(words[0]) :]
        return Parsed(table[first], argument=rest.strip())
    longer = sorted(n for n in table if n.startswith(f"{first} "))
    if longer:
        # "/group" alone: the command exists only with a second word, so name them.
        raise CommandError(
            _("/{name} needs one more word: {choices}.").format(
                name=words[0], choices=", ".join(f"/{n}" for n in longer)
            )
        )
    elsewhere = actions.slash_table("tui" if front_end == "plain" else "plain").get(first)
    if elsewhere is not None and elsewhere.only_here_because:
        # Typed from habit in the other front-end: say what does the same job here.
        raise CommandError(
            _("/{name} is not used here: {why}.").format(
                name=words[0], why=_(elsewhere.only_here_because)
            )
        )
    suggestion = suggest(first, front_end)
    hint = " " + _("Did you mean /{name}?").format(name=suggestion) if suggestion else ""
    raise CommandError(
        _(
            "There is no command /{name}.{hint} /help lists the commands. (Start with // to send a "
            "message that begins with a slash.)"
        ).format(name=words[0], hint=hint),
        suggestion,
    )


def host_arguments(argument: str) -> tuple[str, str | None]:
    """`/host <name> [relay-url]`: the name may have spaces; a last word that is a URL is the
    relay."""
    words = argument.split()
    relay_url = (
        words.pop() if len(words) > 1 and words[-1].startswith(("http://", "https://")) else None
    )
    return " ".join(words), relay_url


def suggest(name: str, front_end: FrontEnd = "plain") -> str | None:
    names = sorted({n.split()[0] for n in actions.slash_table(front_end)})
    matches = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    if matches:
        return matches[0]
    prefixed = [n for n in names if n.startswith(name)] if name else []
    return prefixed[0] if len(prefixed) == 1 else None


def usage(action: Action, why: str = "") -> UsageError:
    """The error for a command typed wrongly: what was wrong, then how to type it."""
    text = _("Usage: {usage}").format(usage=action.usage)
    return UsageError(f"{why} {text}" if why else text)


def need(argument: str, action: Action, why: str = "") -> str:
    if not argument.strip():
        raise usage(action, why)
    return argument.strip()


def message_number(text: str, action: Action) -> int:
    """A message number as typed (`12` or `#12`)."""
    cleaned = text.strip().lstrip("#")
    if not cleaned.isdigit():
        raise usage(action, _("'{text}' is not a message number.").format(text=text.strip()))
    return int(cleaned)


def leading_number(argument: str) -> tuple[int | None, str]:
    """A message number at the start of a command's argument (`12 rude` or `#12 rude`) and
    the rest; (None, argument) when it does not start with one."""
    first, _sep, rest = argument.strip().partition(" ")
    cleaned = first.removeprefix("#")
    if cleaned.isdigit() and cleaned.isascii():
        return int(cleaned), rest.strip()
    return None, argument


def numbered_report(argument: str, found: Sequence[Report]) -> tuple[int, Report]:
    """`/dismiss <n>`: the report numbered as /reports lists them (`2` or `#2`), in both
    front-ends, so the number a moderator is told (`report_before_acting`) is the one taken."""
    text = need(argument, actions.by_id("peertui.dismiss")).removeprefix("#")
    if not (text.isdigit() and text.isascii()) or not 1 <= int(text) <= len(found):
        raise UsageError(
            _("There is no report {n}; /reports lists them with numbers.").format(n=text)
        )
    return int(text), found[int(text) - 1]


def whole_number(text: str, action: Action, what: str) -> int:
    cleaned = text.strip()
    if not cleaned.isdigit():
        raise usage(action, _("{what} is a whole number.").format(what=what))
    return int(cleaned)


def invite_and_nick(argument: str) -> tuple[str, str]:
    """`/join`'s words: the invite with every space and line break taken out, and the nickname.

    An invite has no spaces, but a pasted one often arrives broken over lines (which the TUI's
    composer writes as " / "). The longest run of leading words that reads as a whole invite is
    the invite and the rest is the nickname; when none reads (a cut or damaged invite) the last
    word is the nickname, so the invite's own error names what is wrong with it.
    """
    words = [word for word in argument.split() if word != "/"]
    if len(words) < 2:
        return ("".join(words), "")
    for end in range(len(words), 0, -1):
        candidate = "".join(words[:end])
        try:
            Invite.parse(candidate)
        except InvalidInvite:
            continue
        return (candidate, " ".join(words[end:]))
    return ("".join(words[:-1]), words[-1])


def nothing_after_invite(argument: str) -> None:
    """/invite takes no words: every invite is for 7 days and 10 uses. Counts typed after it
    ("/invite 0 0") are refused in words, never silently ignored."""
    if argument.strip():
        raise usage(
            actions.by_id("peertui.invite"),
            _("An invite is always valid for 7 days and 10 uses; /invite takes nothing after it."),
        )


def slowmode_seconds(text: str) -> int:
    """`/slowmode`'s word: seconds between messages; `off` (like `/readonly off`) is 0."""
    cleaned = text.strip().casefold()
    if cleaned in ("off", _("off").casefold()):
        return 0
    if cleaned.startswith("-") and cleaned[1:].isdigit():
        # A whole number, only below zero: say so, not that it is not a whole number.
        raise usage(
            actions.by_id("peertui.slowmode"),
            _("The number of seconds must be 0 or more (0 or off turns slow mode off)."),
        )
    return whole_number(
        cleaned,
        actions.by_id("peertui.slowmode"),
        _("The number of seconds (0 or off turns it off)"),
    )


def asks_first(argument: str) -> bool:
    """Whether a group setting (/slowmode, /readonly) is asked about before it is changed: the
    same rule in both front-ends. Typed with its value (/slowmode 30, /readonly on) the words
    are the decision and it is done at once; chosen by its key alone, the TUI asks (a single
    key is easily pressed by mistake)."""
    return not argument.strip()
