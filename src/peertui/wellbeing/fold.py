"""Fold a *received* message on this device when it may hurt to read unprepared.

Runs on the receiver only, never sends anything, never blocks: the message is kept and shown
folded with its reason, so the reader chooses to open it, hide it or report it to the
moderators. Reasons: slurs, method details of self-harm, someone's personal details. A
message that only says its writer is in danger is *not* folded: see `responses.received_view`,
which shows it with a note for the reader instead.
"""

from __future__ import annotations

import re
import threading
from functools import cache

from peertui.wellbeing._data import available_languages, load_toml, pick_language
from peertui.wellbeing.personal import personal_details
from peertui.wellbeing.prefilter import PatternSet

REASONS = {
    "slur": "contains a slur",
    "means": "may describe a method of self-harm",
    "personal": "contains personal details",
}


@cache
def _slurs() -> PatternSet:
    """Every language's slurs, each a whole word: the automaton finds the few worth checking."""
    words = {
        word.casefold()
        for code in sorted(available_languages("fold"))
        for word in load_toml(f"fold/{code}.toml").get("slurs", [])
    }
    return PatternSet(rf"(?<!\w){re.escape(word)}(?!\w)" for word in sorted(words))


def fold_reason(text: str, lang: str = "en") -> str:
    """Why to fold `text` ('' when it can be shown as it is)."""
    return received_checks(text, lang)[0]


def received_checks(text: str, lang: str = "en") -> tuple[str, bool]:
    """What a receiver needs for one message, with the detector run once: why to fold it ('' to
    show it as it is) and whether it may be a cry for help (shown, with a note for the reader).
    Pure and thread-safe, so a backlog can be checked off the event loop."""
    from peertui.wellbeing.responses import received_view

    lang = pick_language(lang, "fold")
    view = received_view(text, lang)
    # Every language's list: a slur is a slur in any interface language.
    if _slurs().search(text.casefold()):
        return REASONS["slur"], view.cry_for_help
    if view.fold_reason:
        return REASONS["means"], view.cry_for_help
    if personal_details(text, lang):
        return REASONS["personal"], view.cry_for_help
    return "", view.cry_for_help


_warming = threading.Lock()


def warm_up(lang: str = "en") -> None:
    """Load every list and pattern the sender's and the receiver's checks use (about 1.3 s
    on a quiet machine, several seconds on a busy one). Called in a worker thread when the
    engine opens: otherwise the first message written or received pays for it, and the first
    message written after starting (checked on the event loop by the front end) froze the
    screen while a newcomer's first message waited in the receive thread (FINDINGS7 F3).
    One load at a time: a second caller waits for the first, then finds it all cached."""
    from peertui.wellbeing.detect import assess

    with _warming:
        received_checks("warm up", lang)
        assess("warm up", lang)
