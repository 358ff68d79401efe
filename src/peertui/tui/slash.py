"""The few slash commands the composer understands, so they are never posted by mistake.

The guidelines tell people to type /crisis, /modlog, /report and "/cw topic | text"; anything else starting with
a slash is refused with a hint rather than sent, and "//text" posts "/text".
"""

from __future__ import annotations

from dataclasses import dataclass

HELP = (
    "Commands: /cw topic | text sends behind a content warning · /crisis [CC] crisis lines "
    "(optionally for a country code) · /ground [exercise] grounding · /plan your safety plan · "
    "/modlog the moderation log · /report reports the last message from someone else "
    "(or highlight one with Shift+Tab and press r) · //text posts text starting with a slash · "
    "ctrl+p lists every action."
)
UNKNOWN = "Unknown command; ctrl+p lists every action. (Start with // to post a slash.)"
CW_USAGE = "Write it as /cw topic | your message — the topic is shown, the message is folded."


@dataclass(frozen=True)
class Command:
    """What the composer should do with a line: `name` is "" for an ordinary message."""

    name: str
    argument: str = ""
    text: str = ""  # the message to send ("say" and "cw")


def parse(line: str) -> Command:
    line = line.strip()
    if line.startswith("//"):
        return Command("say", text=line[1:])
    if not line.startswith("/"):
        return Command("say", text=line)
    word, _, rest = line[1:].partition(" ")
    word, rest = word.casefold(), rest.strip()
    if word == "cw":
        topic, bar, text = rest.partition("|")
        if not bar or not topic.strip() or not text.strip():
            return Command("problem", text=CW_USAGE)
        return Command("cw", argument=topic.strip(), text=text.strip())
    if word in ("crisis", "ground", "plan", "help", "modlog", "report"):
        return Command(word, argument=rest)
    return Command("problem", text=UNKNOWN)
