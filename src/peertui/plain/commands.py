"""The plain-mode command table: names, usage, one-line help and details; parsing typed lines."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    summary: str
    detail: str = ""


COMMANDS: tuple[Command, ...] = (
    Command(
        "help",
        "/help [command]",
        "List commands, or explain one.",
        "Without a command, lists every command with one line each. "
        "With one, for example /help mute, explains it in full.",
    ),
    # Wellbeing: these work with no network and no group.
    Command(
        "crisis",
        "/crisis [country]",
        "Crisis lines for your country or any other (works offline).",
        "Without a country, uses 'country' from config.toml, then your locale. "
        "Give a two-letter code such as GB or US to see another country.",
    ),
    Command(
        "ground",
        "/ground [exercise]",
        "Grounding exercises; paced steps you can stop any time.",
        "Without a name, lists the exercises. /ground box runs box breathing as paced lines. "
        "Timed steps follow each other by themselves; a step at your own pace waits until you "
        "press Enter. /stop (or any other command) ends the exercise.",
    ),
    Command(
        "plan",
        "/plan [edit | export <file>]",
        "Show your safety plan; /plan edit to change it.",
        "/plan shows your plan. /plan edit walks through the six steps: type one entry per line, "
        "a blank line finishes a step (a blank first line keeps what is there, a single - empties "
        "the step); /cancel stops without saving anything. /plan export <file> writes the plan "
        "as a text file only you can read, asking before it replaces a file.",
    ),
    # Groups.
    Command(
        "host",
        "/host <name> [relay-url]",
        "Start a new group, on a relay or on this computer.",
        "Without a relay URL the group runs on a relay inside this program, reachable while it "
        "runs. You become the group's owner and moderator.",
    ),
    Command(
        "invite",
        "/invite",
        "Make an invite for the current group (printed alone on a line).",
        "Prints a peertui: token on its own line. Share it privately; whoever uses it still "
        "needs your approval.",
    ),
    Command(
        "join",
        "/join <invite> [nick]",
        "Ask to join a group with an invite.",
        "Your request, with your nickname, is sealed to the group's moderators. You are told "
        "when it is approved or declined.",
    ),
    Command("groups", "/groups", "List your groups, with their state and connection."),
    Command(
        "switch",
        "/switch <group>",
        "Make another group the current one (name or number from /groups).",
    ),
    Command("nick", "/nick <name>", "Change your nickname in the current group."),
    Command("members", "/members", "List the members of the current group."),
    Command(
        "profile",
        "/profile <pronouns> | <a line about you>",
        "Set your pronouns and a short line about you, shown in /members of this group only.",
    ),
    Command("thanks", "/thanks <n>", "Thank the author of message n (they see that you did)."),
    Command(
        "requests",
        "/requests",
        "List the people waiting to join the groups you moderate (moderators).",
    ),
    Command("approve", "/approve <nick>", "Let a person who asked to join into the current group."),
    Command("deny", "/deny <nick> [reason]", "Decline a join request; the reason is sent to them."),
    Command("leave", "/leave", "Leave the current group."),
    # Messages.
    Command(
        "cw",
        "/cw <topic> | <text>",
        "Send a message folded behind a content warning.",
        "Others see the topic first and open the message with /open <number>.",
    ),
    Command("open", "/open <n>", "Show message n in full (content warning or hidden message)."),
    Command(
        "history", "/history [n]", "Show the last n messages of the current group (default 20)."
    ),
    Command("search", "/search <words>", "Search your saved messages in all groups."),
    Command(
        "report",
        "/report <n> <reason>",
        "Report message n to the moderators privately.",
        "The moderators see the message and a little context; the person you report is never "
        "told who reported them.",
    ),
    Command(
        "ignore",
        "/ignore <nick> | /ignore word <w>",
        "Hide a person's messages, or messages with a word, for yourself only.",
        "Hidden messages still get a number and a line saying why you hid them; /open <n> shows "
        "one. It is kept on this computer only, until /unignore <nick> or /unignore word <w>.",
    ),
    Command(
        "unignore", "/unignore <nick> | /unignore word <w>", "Show a hidden person or word again."
    ),
    # Moderation.
    Command(
        "warn",
        "/warn <nick> <reason>",
        "Warn a member; only they see the reason (moderators).",
        "The reason goes privately to the member alone. The moderation log, which every member "
        "can read, says that a warning happened, without the reason.",
    ),
    Command(
        "mute", "/mute <nick> <minutes> [reason]", "Stop a member posting for a while (moderators)."
    ),
    Command("unmute", "/unmute <nick>", "Let a muted member post again (moderators)."),
    Command("remove", "/remove <nick> [reason]", "Remove a member from the group (moderators)."),
    Command(
        "ban",
        "/ban <nick> [reason]",
        "Remove a member and refuse them for good (moderators).",
        "Afterwards you are asked whether to cancel the group's open invites too, so the person "
        "cannot ask again with one of them.",
    ),
    Command(
        "delete",
        "/delete <n> <reason>",
        "Remove message n for everyone, with a reason (moderators).",
    ),
    Command(
        "slowmode",
        "/slowmode <seconds>",
        "Members may post once per this many seconds; 0 turns it off.",
    ),
    Command("readonly", "/readonly on|off", "Only moderators may post while read-only is on."),
    Command("promote", "/promote <nick>", "Make a member a moderator (owner)."),
    Command("demote", "/demote <nick>", "Make a moderator a member again (owner)."),
    Command(
        "reports",
        "/reports",
        "List reports sent to the moderators of the current group (moderators).",
    ),
    Command("dismiss", "/dismiss <n>", "Take report n off the list once dealt with (moderators)."),
    Command(
        "warnings",
        "/warnings",
        "The warnings moderators sent you in this group (only you see them).",
    ),
    Command("modlog", "/modlog", "The group's moderation log, the same for every member."),
    # Your data.
    Command("export", "/export <file>", "Write the current group's history to a plain-text file."),
    Command(
        "wipe",
        "/wipe",
        "Erase all peertui data on this computer (asks you to confirm).",
        "If you own or moderate groups, you are told first what erasing means for them.",
    ),
    Command("quit", "/quit", "Leave plain mode (your groups stay; Ctrl+D does the same)."),
)

BY_NAME = {command.name: command for command in COMMANDS}
# /stop and /cancel only mean something during an exercise or a question; elsewhere harmless.
ALIASES = {"exit": "quit", "q": "quit", "h": "help", "?": "help"}


@dataclass(frozen=True)
class Typed:
    """One line the user typed: a command with its argument text, or a message to send."""

    command: str  # "" for a plain message
    argument: str


def parse(line: str) -> Typed:
    stripped = line.strip()
    # "//text" sends a message that starts with a slash.
    if stripped.startswith("//"):
        return Typed("", stripped[1:])
    if not stripped.startswith("/"):
        return Typed("", stripped)
    name, _, rest = stripped[1:].partition(" ")
    name = name.lower()
    return Typed(ALIASES.get(name, name), rest.strip())


def suggest(name: str) -> str | None:
    matches = difflib.get_close_matches(name, [c.name for c in COMMANDS], n=1, cutoff=0.5)
    if matches:
        return matches[0]
    prefixed = [c.name for c in COMMANDS if c.name.startswith(name)] if name else []
    return prefixed[0] if len(prefixed) == 1 else None


def help_lines(name: str = "") -> list[str]:
    """Lines for /help or /help <command>; raises KeyError for an unknown command."""
    if not name:
        # No column padding: screen readers would read out the runs of spaces.
        lines = [f"{c.usage} - {c.summary}" for c in COMMANDS]
        lines.append(
            "Anything not starting with / is sent to the current group (// sends a leading /)."
        )
        return lines
    command = BY_NAME[ALIASES.get(name.lstrip("/").lower(), name.lstrip("/").lower())]
    return [command.usage, command.summary, *([command.detail] if command.detail else [])]
