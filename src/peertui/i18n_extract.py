"""Babel extraction of the wellbeing texts kept in TOML (grounding, urge surfing, safety plan,
detector responses): every string in the English file is a message, its folder the context.

The long wellbeing texts stay data (`wellbeing/data/<folder>/en.toml`, where their structure
and timings live next to them), but their translations live in the one catalogue with all other
words, so translators use one tool and the untranslated check covers them. `_data.load_texts`
applies the same rule at run time (`translatable`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import IO, Any

# Keys whose strings are not words for people: ids, the file's own language, citations.
NOT_TEXT = frozenset({"id", "language", "source"})


def translatable(key: str) -> bool:
    return key not in NOT_TEXT


def iter_texts(
    data: Any, path: str = "", only: frozenset[str] | None = None
) -> Iterator[tuple[str, str]]:
    """(key path, text) for every translatable string, in file order; with `only`, just the
    strings under those keys (the crisis directory's words among its data)."""
    if isinstance(data, str):
        if only is None or path.rpartition(".")[2] in only:
            yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            if translatable(key):
                yield from iter_texts(value, f"{path}.{key}" if path else key, only)
    elif isinstance(data, list):
        for item in data:
            yield from iter_texts(item, path, only)


def context_of(filename: str) -> str:
    """The message context of a data file: its folder ("grounding", "urge", ...)."""
    parts = filename.replace("\\", "/").split("/")
    return parts[-2] if len(parts) > 1 else parts[-1]


def extract_toml(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    """A Babel extraction method (see babel.cfg): yields pgettext(context, text) messages.

    Options from babel.cfg: `context` (default: the file's folder) and `keys` (default: every
    string but ids and sources).
    """
    raw = fileobj.read()
    lines = raw.decode("utf-8").splitlines()
    data = tomllib.loads(raw.decode("utf-8"))
    context = options.get("context") or context_of(getattr(fileobj, "name", ""))
    only = frozenset(options["keys"].split()) if options.get("keys") else None
    for key_path, text in iter_texts(data, only=only):
        yield _line_of(lines, text), "pgettext", (context, text), [key_path]


def _line_of(lines: list[str], text: str) -> int:
    head = text[:40].replace('"', '\\"')
    return next((n for n, line in enumerate(lines, 1) if head in line), 1)
