"""Text prepared for the terminal: guidelines reflowed, and messages drawn at a width every
terminal agrees on."""

from __future__ import annotations

import re

# A numbered or bulleted item starts its own line; any other line continues the one before.
ITEM_START = re.compile(r"^\s*(\d+[.)]|[-*•])\s")

# Joiners, presentation selectors, skin-tone modifiers, tag characters and direction overrides.
# Terminals disagree about how wide a sequence built from them is (a family emoji is 2 cells
# in some, 6 in others), which pushes the pane's right border out of line; without them each
# character has the width every terminal gives it. Only the display changes, never the message.
UNSTABLE_WIDTH = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufe0e\ufe0f\U0001f3fb-\U0001f3ff\U000e0000-\U000e007f]"
)


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
