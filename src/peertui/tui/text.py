"""Text prepared for the terminal: guidelines reflowed, and messages drawn at a width every
terminal agrees on."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.console import Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

# A numbered or bulleted item starts its own line; any other line continues the one before.
ITEM_START = re.compile(r"^\s*(\d+[.)]|[-*•])\s")

# Joiners, presentation selectors, skin-tone modifiers, tag characters and direction overrides.
# Terminals disagree about how wide a sequence built from them is (a family emoji is 2 cells
# in some, 6 in others), which pushes the pane's right border out of line; without them each
# character has the width every terminal gives it. Only the display changes, never the message.
UNSTABLE_WIDTH = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufe0e\ufe0f\U0001f3fb-\U0001f3ff\U000e0000-\U000e007f]"
)


# Leading spaces, then optionally a list marker: what a wrapped line's continuation hangs under.
HANGING = re.compile(r"^(\s*)((?:[-*•])\s)?")


def hanging(lines: Iterable[str]) -> Group:
    """Lines whose wrapped continuations line up under their own text: an indented line stays
    indented, and a list item ("  - Ask them ...") hangs under its first word, not its dash.
    Markup is never read from the lines (a crisis line's note may hold brackets)."""
    rows: list[Padding | Table] = []
    for line in lines:
        found = HANGING.match(line)
        indent = len(found.group(1)) if found else 0
        marker = found.group(2) if found else None
        text = line[found.end() :] if found else line
        if marker:
            item = Table.grid()
            item.add_column(width=len(marker), no_wrap=True)
            item.add_column(ratio=1)
            item.add_row(Text(marker), Text(text))
            rows.append(Padding(item, (0, 0, 0, indent)))
        else:
            rows.append(Padding(Text(text), (0, 0, 0, indent)))
    return Group(*rows)


def reflow(text: str) -> str:
    """Join wrapped lines into paragraphs; numbered items and blank lines keep their place."""
    lines: list[str] = []
    for raw in text.strip().splitlines():
        line = raw.strip()
        if not line:
            if lines and lines[-1]:
                lines.append("")
        elif lines and lines[-1] and not ITEM_START.match(raw):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    return "\n".join(lines)


def steady_width(text: str) -> str:
    """`text` without the characters whose width terminals disagree on."""
    return UNSTABLE_WIDTH.sub("", text)
