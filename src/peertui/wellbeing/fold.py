"""Fold a *received* message on this device when it may hurt to read unprepared.

Runs on the receiver only, never sends anything, never blocks: the message is kept and shown
folded with its reason, so the reader chooses to open it, hide it or report it to the
moderators. Reasons: slurs, method details of self-harm, someone's personal details. A
message that only says its writer is in danger is *not* folded: see `responses.received_view`,
which shows it with a note for the reader instead.
"""

from __future__ import annotations

import re
from functools import cache

from peertui.wellbeing._data import available_languages, load_toml, pick_language
from peertui.wellbeing.personal import personal_details

REASONS = {
    "slur": "contains a slur",
    "means": "may describe a method of self-harm",
    "personal": "contains personal details",
}


@cache
def _slur_pattern(lang: str) -> re.Pattern[str] | None:
    words = load_toml(f"fold/{lang}.toml").get("slurs", [])
    if not words:
        return None
    alternatives = "|".join(re.escape(w.casefold()) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def fold_reason(text: str, lang: str = "en") -> str:
    """Why to fold `text` ('' when it can be shown as it is)."""
    lang = pick_language(lang, "fold")
    folded = text.casefold()
    # Every language's list, the reader's own first: a slur is a slur in any interface language.
    for code in dict.fromkeys((lang, *sorted(available_languages("fold")))):
        pattern = _slur_pattern(code)
        if pattern is not None and pattern.search(folded):
            return REASONS["slur"]
    from peertui.wellbeing.responses import received_view

    if received_view(text, lang).fold_reason:
        return REASONS["means"]
    if personal_details(text, lang):
        return REASONS["personal"]
    return ""
