"""Friendly random nicknames to offer when joining (nobody has to invent one)."""

from __future__ import annotations

import secrets

_ADJECTIVES = [
    "quiet",
    "gentle",
    "steady",
    "kind",
    "brave",
    "calm",
    "warm",
    "patient",
    "bright",
    "soft",
    "hopeful",
    "curious",
    "easy",
    "still",
    "mellow",
    "sunny",
]
_NOUNS = [
    "otter",
    "heron",
    "fern",
    "maple",
    "robin",
    "badger",
    "willow",
    "pebble",
    "finch",
    "river",
    "moss",
    "lark",
    "cedar",
    "hare",
    "wren",
    "meadow",
]


def random_nickname() -> str:
    return f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_NOUNS)}"
