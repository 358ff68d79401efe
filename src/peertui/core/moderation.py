"""Moderation helpers that need no network: default guidelines, naming members, the open log."""

from __future__ import annotations

import hashlib

from peertui.core.errors import NotFound, Why, refused
from peertui.core.models import Member
from peertui.i18n import N_, _
from peertui_wire.encoding import b64e

# One paragraph or item per line: each front-end wraps to its own width (a braille line or a
# screen reader must not get sentences broken mid-way). One message a line for translators.
# Content, not interface wording, so it stays in core (tests/core/test_core_has_no_wording.py,
# CONTENT, says why): the host publishes it and the engine commits to it in the roster.
_DEFAULT_GUIDELINE_LINES = (
    N_(
        "This is a peer-support group: people helping each other as equals. It is not therapy "
        "and not a crisis service. If you might act on thoughts of harming yourself, contact a "
        "crisis line now (F1 in the app, /crisis in plain mode)."
    ),
    N_("1. Be kind. Listen first; assume good intent; disagree gently."),
    N_("2. Share your own experience, not diagnoses. No medical or medication advice."),
    N_("3. Never describe methods or means of self-harm or suicide, not even in passing."),
    N_(
        "4. Keep everyone's personal details private, including your own: no real names, phone "
        "numbers, addresses or workplaces, and nothing said here is repeated elsewhere."
    ),
    N_("5. Use a content warning (/cw topic | text) for heavy topics."),
    N_(
        "6. Moderators may warn, mute, remove or ban, and remove messages. Every action is in the "
        "moderation log that all members can read (/modlog); warnings tell their reason only to "
        "the person warned. To reach the moderators, report a message (/report) or ask in the "
        "group."
    ),
)
# In English, as every group created before translations has them.
DEFAULT_GUIDELINES = "".join(f"{line}\n" for line in _DEFAULT_GUIDELINE_LINES)


def default_guidelines() -> str:
    """The default guidelines in the interface language: what a new host starts from and what
    a joiner reads and accepts before seeing the group's own."""
    return "".join(f"{_(line)}\n" for line in _DEFAULT_GUIDELINE_LINES)


def guidelines_hash(text: str) -> str:
    """A local digest of accepted guidelines; it never leaves this device."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


GUIDELINES_KEY_BYTES = 32


def guidelines_commitment(text: str, key: bytes) -> str:
    """What the public roster records for guidelines: keyed BLAKE2b-256, the key travelling
    only inside encrypted payloads, so the relay can neither confirm the default guidelines
    nor test a guess of custom ones (docs/PROTOCOL.md §7)."""
    digest = hashlib.blake2b(
        text.encode("utf-8"), digest_size=32, key=key, person=b"peertui-guidelns"
    ).digest()
    return b64e(digest)


def resolve_member(members: list[Member], who: str) -> Member:
    """Find one member by nickname, member id, or an unambiguous prefix of either."""
    needle = who.strip().lstrip("@").casefold()
    if not needle:
        raise refused(NotFound, Why.NAME_A_MEMBER)
    for exact in (
        [m for m in members if m.nick.casefold() == needle],
        [m for m in members if m.member_id == needle],
    ):
        if len(exact) == 1:
            return exact[0]
        if len(exact) > 1:
            ids = ", ".join(f"{m.nick} ({m.member_id})" for m in exact)
            raise refused(NotFound, Why.SEVERAL_MEMBERS_CALLED, who=who, ids=ids)
    prefixed = [
        m for m in members if m.nick.casefold().startswith(needle) or m.member_id.startswith(needle)
    ]
    if len(prefixed) == 1:
        return prefixed[0]
    if prefixed:
        names = ", ".join(f"{m.nick} ({m.member_id})" for m in prefixed)
        raise refused(NotFound, Why.MEMBER_AMBIGUOUS, who=who, names=names)
    raise refused(NotFound, Why.NO_MEMBER_CALLED, who=who)


def parse_minutes(text: str) -> int:
    """Durations like 30, 30m, 2h, 1d -> minutes."""
    text = text.strip().lower()
    units = {"m": 1, "h": 60, "d": 1440}
    factor = units.get(text[-1:])
    number = text[:-1] if factor else text
    if not number.isdigit() or int(number) <= 0:
        raise ValueError("Give a duration such as 30, 30m, 2h or 1d.")
    return int(number) * (factor or 1)
