"""The one action table: every feature of peertui, with its key, slash command and help.

The TUI builds its bindings, palette and footer from it; plain mode builds its command table
and /help from it. Keys are remapped by id (`settings.keybindings`, e.g.
`{"peertui.crisis": "f1,ctrl+l"}`), so an id never changes once released.
"""

from __future__ import annotations

from collections.abc import Mapping

from peertui.ui.actions import groups, messages, moderation, one_front_end, settings, wellbeing
from peertui.ui.actions.model import (
    BOTH,
    TOPICS,
    Action,
    FrontEnd,
    KeyScope,
    Role,
    topic_summary,
)

__all__ = [
    "ACTIONS",
    "BOTH",
    "BY_ID",
    "TOPICS",
    "Action",
    "FrontEnd",
    "KeyScope",
    "Role",
    "by_id",
    "for_front_end",
    "in_topic",
    "keys",
    "slash_table",
    "topic_summary",
]

# One table, assembled from the feature modules in the order /help lists them.
ACTIONS: tuple[Action, ...] = (
    *wellbeing.ACTIONS,
    *groups.ACTIONS,
    *messages.ACTIONS,
    *moderation.ACTIONS,
    *settings.ACTIONS,
    *one_front_end.ACTIONS,
)

BY_ID: dict[str, Action] = {action.id: action for action in ACTIONS}


def by_id(action_id: str) -> Action:
    return BY_ID[action_id]


def for_front_end(front_end: FrontEnd) -> tuple[Action, ...]:
    return tuple(a for a in ACTIONS if front_end in a.front_ends)


def slash_table(front_end: FrontEnd = "plain") -> dict[str, Action]:
    """Every slash form and alias (without the slash) -> its action."""
    table: dict[str, Action] = {}
    for action in for_front_end(front_end):
        if action.slash is None:
            continue
        table[action.slash] = action
        for alias in action.aliases:
            table[alias] = action
    return table


def keys(keymap: Mapping[str, str]) -> dict[str, str]:
    """Action id -> the keys in use: the person's own (by id) over the default."""
    return {a.id: keymap.get(a.id, a.key or "") for a in ACTIONS if a.key or a.id in keymap}


def in_topic(topic: str, front_end: FrontEnd = "plain") -> tuple[Action, ...]:
    return tuple(a for a in for_front_end(front_end) if a.topic == topic and a.slash)
