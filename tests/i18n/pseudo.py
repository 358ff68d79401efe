"""A pseudo-locale: every message of the catalogue bracketed, ⟦like this⟧, built with Babel at
test time into a temporary folder that `$PEERTUI_LOCALE_DIR` points the real program at.

A person running peertui in it sees brackets around every word that came from the catalogue;
whatever words are left outside brackets were written somewhere the translators cannot reach.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "src" / "peertui" / "locale" / "peertui.pot"
# A real CLDR locale peertui ships no catalogue for, so dates, numbers and plural rules work.
PSEUDO = "eo"
OPEN, CLOSE = "⟦", "⟧"


def bracketed(text: str) -> str:
    """Each line of a message bracketed on its own, so every printed line shows its origin."""
    return "\n".join(f"{OPEN}{line}{CLOSE}" if line.strip() else line for line in text.split("\n"))


def install_pseudo_locale(folder: Path) -> Path:
    """Write the pseudo-locale's compiled catalogue under `folder`; returns `folder`."""
    with TEMPLATE.open("rb") as handle:
        template = read_po(handle)
    catalog = Catalog(locale=PSEUDO, domain="peertui")
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            forms = catalog.num_plurals
            singular, plural = message.id
            string: str | tuple[str, ...] = tuple(
                bracketed(singular if n == 0 else plural) for n in range(forms)
            )
        else:
            string = bracketed(message.id)
        catalog.add(message.id, string, context=message.context, flags=message.flags)
    target = folder / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    # available_languages() looks for the .po; the .mo written after it is what is read.
    with (target / "peertui.po").open("wb") as handle:
        write_po(handle, catalog)
    with (target / "peertui.mo").open("wb") as handle:
        write_mo(handle, catalog)
    return folder


_ALLOWED = [
    # A service's name before its address (crisis lines): as its provider writes it.
    re.compile(r"^\s*[^⟦⟧:]+:(?= https?://)", re.MULTILINE),
    re.compile(r"https?://\S+"),  # URLs
    re.compile(r"peertui:[A-Za-z0-9_-]+"),  # an invite
    # A command and its typed subject ("/help wellbeing"): people type them in English.
    re.compile(r"(?<![\w/])/help [a-z]+"),
    re.compile(r"(?<![\w/])/[a-z][a-z-]*"),
    re.compile(
        r"\b(?:F\d{1,2}|Ctrl\+\S+|Alt\+\S+|Shift\+\S+|Esc|Tab|Enter|Up|Down|Home|End)\b",
        re.IGNORECASE,
    ),
    re.compile(r"\^[a-z]\b"),  # Textual's footer: ^s is Ctrl+S
    re.compile(r"\b\d[\d:.,/-]*\b"),  # numbers, times, dates
]


def cldr_list_words(locale: str = PSEUDO) -> tuple[str, ...]:
    """The words CLDR puts between list items ("aŭ", "kaj"): Babel's, not the catalogue's."""
    from babel.lists import format_list

    words: set[str] = set()
    for style in ("standard", "or"):
        joined = format_list(["Xa", "Xb", "Xc"], style=style, locale=locale)
        words.update(
            re.findall(
                r"[^\W\d_]{2,}", joined.replace("Xa", "").replace("Xb", "").replace("Xc", "")
            )
        )
    return tuple(words)


def outside_brackets(screen: str) -> str:
    """A captured screen with catalogue text blanked. A message wrapped over several lines has
    its brackets on its first and last line only, so depth is carried from line to line; a
    closing bracket with no opening one (a wrapped or half-covered message) ends bracketed text
    that began out of sight."""
    kept_lines = []
    depth = 0
    for line in screen.split("\n"):
        kept: list[str] = []
        for char in line:
            if char == OPEN:
                depth += 1
            elif char == CLOSE:
                if depth == 0:
                    kept.clear()  # it opened before this line's visible start
                else:
                    depth -= 1
            elif depth == 0:
                kept.append(char)
            else:
                kept.append(" ")
        kept_lines.append("".join(kept))
    return "\n".join(kept_lines)


def words_outside_the_catalogue(line: str, allowed: tuple[str, ...] = ()) -> str:
    """What is left of a printed line or screen once catalogue text, user content named in `allowed`
    (nicknames, messages, group names), URLs, invites, commands, key names and numbers are
    taken out; empty when the line is all catalogue or allowed content."""
    rest = outside_brackets(line)
    for text in sorted(allowed, key=len, reverse=True):
        rest = rest.replace(text, " ")
    for pattern in _ALLOWED:
        rest = pattern.sub(" ", rest)
    words = re.findall(r"[^\W\d_]{2,}", rest)
    return " ".join(words)
