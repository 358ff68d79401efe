"""The words of a slash command about one member (/warn, /mute, /unmute, /remove, /ban,
/promote, /demote), read the same way by both front-ends.

`split` takes what was typed apart without judging it; `checked` says whether it is complete
and right, raising the usage error plain mode prints. The TUI acts at once on a complete
command and opens its form only for one with required words missing, so words typed after
Enter never become part of a reason by surprise.
"""

from __future__ import annotations

from dataclasses import dataclass

from peertui.core.moderation import parse_minutes
from peertui.i18n import N_
from peertui.ui import actions, commands
from peertui.ui.wording import _

# The actions whose reason must be given, and the one that takes a length in minutes.
REASON_NEEDED = frozenset({"peertui.warn"})
WITH_MINUTES = frozenset({"peertui.mute"})
# How long a mute lasts, as typed: minutes, or a number with m, h or d.
LENGTH_WORDS = N_("Give the length in minutes, or with m, h or d: 30, 30m, 2h or 1d.")
WITH_REASON = frozenset({"peertui.warn", "peertui.mute", "peertui.remove", "peertui.ban"})


@dataclass(frozen=True)
class MemberWords:
    """A command's words as typed; any of them may be empty."""

    action_id: str
    who: str = ""
    minutes: str = ""
    reason: str = ""

    @property
    def missing(self) -> tuple[str, ...]:
        """The required words not typed, in the order they are written: "who", "minutes",
        "reason"."""
        wanted = [("who", self.who)]
        if self.action_id in WITH_MINUTES:
            wanted.append(("minutes", self.minutes))
        if self.action_id in REASON_NEEDED:
            wanted.append(("reason", self.reason))
        return tuple(name for name, value in wanted if not value)


@dataclass(frozen=True)
class MemberCommand:
    """A complete command: `minutes` is None for the actions that take no length."""

    action_id: str
    who: str
    reason: str = ""
    minutes: int | None = None


def split(argument: str, action_id: str) -> MemberWords:
    """'bob 10 cool off' for /mute -> who 'bob', minutes '10', reason 'cool off'."""
    who, _sep, rest = argument.strip().partition(" ")
    rest = rest.strip()
    minutes = ""
    if action_id in WITH_MINUTES:
        minutes, _sep, rest = rest.partition(" ")
    reason = rest.strip() if action_id in WITH_REASON else ""
    return MemberWords(action_id, who, minutes, reason)


def wrong(words: MemberWords) -> commands.UsageError | None:
    """The error for words that are typed but wrong (not missing), or None."""
    action = actions.by_id(words.action_id)
    if words.action_id in WITH_MINUTES and words.minutes:
        number = words.minutes.lower().rstrip("mhd")
        if number.isdigit() and int(number) == 0:
            return commands.usage(action, _("Mute for 1 minute or more."))
        try:
            parse_minutes(words.minutes)
        except ValueError:
            return commands.usage(action, _(LENGTH_WORDS))
    return None


def checked(words: MemberWords) -> MemberCommand:
    """The complete command, or the usage error that says what is wrong or missing."""
    action = actions.by_id(words.action_id)
    problem = wrong(words)
    if problem is not None:
        raise problem
    missing = words.missing
    if "who" in missing:
        raise commands.usage(action)
    if "minutes" in missing:
        raise commands.usage(action, _(LENGTH_WORDS))
    if "reason" in missing:
        raise commands.usage(action, _("Give a reason."))
    minutes = parse_minutes(words.minutes) if words.action_id in WITH_MINUTES else None
    return MemberCommand(words.action_id, words.who, words.reason, minutes)


def parse(argument: str, action_id: str) -> MemberCommand:
    return checked(split(argument, action_id))
