"""The JSON payloads members exchange inside encrypted envelopes and sealed direct deliveries.

The relay never sees these. Each payload is a small object with a type tag `t`; `parse`
checks the fields a receiver relies on, so a buggy or hostile member cannot crash others.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from typing import Any

from peertui.core.errors import InvalidInput, Why, refused
from peertui_wire.encoding import canonical_json
from peertui_wire.protocol import MAX_PLAINTEXT_BYTES

MAX_TEXT = 4000
MAX_NICK = 40
MAX_SHORT = 200

# Group messages (encrypted with the sender's session):
#   msg      {id, text, nick, cw}                       a chat line
#   profile  {nick, pronouns, intro}                   who I am in this group
#   modnote  {index, reason}                           why a moderator signed roster event `index`
#   thanks   {id}                                      a thanks reaction to message `id`
#   guidelines {text, key}                             new guidelines; the roster records their
#                                                      commitment keyed with `key`
# Direct deliveries (sealed to one member):
#   share    {blob}                                    a sealed sender-session share
#   settings {language}                                the group's declared language (moderators)
#   welcome  {name, guidelines, guidelines_key, profiles, modnotes, language, pad}
#                                                      sent by the approver to a new member
#   warn     {reason}                                  a private warning
#   report   {report_id, msg_id, reported, nick, text, context, reason}   to moderators only
#   invite_key {secret, join_secret, expires}          an invite's keys, so every moderator can
#                                                      read (and revoke) its join requests
#   rekey    {}                                        "your share never reached me: send it again"
#   request_closed {request_id}                        a moderator declined a request (to moderators)
# and, as a group message from the approver:
#   introduce {key, nick, pronouns, intro}             a new member's name, so the log names them
_REQUIRED: dict[str, dict[str, type | tuple[type, ...]]] = {
    "msg": {"id": str, "text": str, "nick": str, "cw": str},
    "profile": {"nick": str, "pronouns": str, "intro": str},
    "modnote": {"index": int, "reason": str},
    "thanks": {"id": str},
    "guidelines": {"text": str, "key": str},
    "settings": {"language": str},
    "share": {"blob": str},
    "welcome": {"name": str, "guidelines": str, "guidelines_key": str, "profiles": dict},
    "warn": {"reason": str},
    "report": {
        "report_id": str,
        "msg_id": str,
        "reported": str,
        "nick": str,
        "text": str,
        "context": list,
        "reason": str,
    },
    "invite_key": {"secret": str, "join_secret": str, "expires": int},
    "join": {"key": str, "reply": str, "nick": str, "pronouns": str, "intro": str},
    "deny": {"reason": str},
    "rekey": {},
    "request_closed": {"request_id": str},
    "introduce": {"key": str, "nick": str, "pronouns": str, "intro": str},
}


class BadPayload(ValueError):
    pass


# A language tag as the settings take it: "es", "pt_BR", "pt-BR", "es_419".
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[_-](?:[A-Za-z]{2}|[0-9]{3}))?$")


def language_tag(value: object) -> str:
    """A group's declared language from a payload: a short language tag, else "" (never text
    to show as it is)."""
    if not isinstance(value, str) or not _LANGUAGE_TAG.fullmatch(value):
        return ""
    language, _sep, territory = value.replace("-", "_").partition("_")
    return f"{language.lower()}_{territory.upper()}" if territory else language.lower()


def encode(kind: str, **fields: Any) -> bytes:
    """The canonical byte form (docs/PROTOCOL.md §3): sorted keys, no spaces, UTF-8 as is."""
    return canonical_json({"t": kind, **fields})


# Sizes a padded payload is filled to (one byte under a power of two, so that with the one byte
# of ISO/IEC 7816-4 padding it fills its bucket exactly): a welcome's size then says only
# which power of two its member list falls under, not how many members there are.
COARSE_SIZES = (4095, 8191, 16383, 32767, MAX_PLAINTEXT_BYTES)


def encode_padded(kind: str, **fields: Any) -> bytes:
    """Like `encode`, with a `pad` field of spaces filling it to the next of COARSE_SIZES."""
    bare = len(encode(kind, pad="", **fields))
    target = next((size for size in COARSE_SIZES if size >= bare), bare)
    return encode(kind, pad=" " * (target - bare), **fields)


def parse(data: bytes, allowed: set[str]) -> dict[str, Any]:
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadPayload("payload is not JSON") from exc
    if not isinstance(obj, dict) or obj.get("t") not in allowed:
        raise BadPayload("unexpected payload type")
    for name, typ in _REQUIRED[obj["t"]].items():
        value = obj.get(name)
        if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            raise BadPayload(f"payload field {name!r} is missing or has the wrong type")
        if isinstance(value, str) and len(value) > MAX_TEXT * 2:
            raise BadPayload(f"payload field {name!r} is too long")
    return obj


# One word of letters, digits and - _ . ' (any script): commands like `/warn <nick> <reason>`
# can then always tell the nickname from the reason, and nothing in it can fake a line prefix.
_NICK = re.compile(r"^[\w.'-]+$")
_NOT_NICK = re.compile(r"[^\w.'-]+")


@functools.lru_cache(maxsize=4096)
def nick_skeleton(nick: str) -> str:
    """What a nickname looks like, for telling look-alikes apart: "hоst" with a Cyrillic о,
    "ｈｏｓｔ" and "HOST" all have the skeleton "host"."""
    from confusable_homoglyphs import confusables

    text = unicodedata.normalize("NFKC", nick).casefold()
    latin: dict[str, str] = {}
    for found in confusables.is_confusable(text, greedy=True, preferred_aliases=["latin"]) or []:
        for glyph in found["homoglyphs"]:
            if glyph["n"].startswith("LATIN") and len(glyph["c"]) == 1:
                latin[found["character"]] = glyph["c"]
                break
    shown = "".join(latin.get(ch, ch) for ch in text)
    return "".join(_small_capital_as_letter(ch) for ch in shown).casefold()


def _small_capital_as_letter(ch: str) -> str:
    name = unicodedata.name(ch, "")
    prefix = "LATIN LETTER SMALL CAPITAL "
    return (
        name[len(prefix)].lower()
        if name.startswith(prefix) and len(name) == len(prefix) + 1
        else ch
    )


def clean_nick(nick: str) -> str:
    """A nickname the local person typed, or a clear error saying what to change."""
    from confusable_homoglyphs import confusables

    nick = unicodedata.normalize("NFKC", nick.strip())
    if not nick:
        raise refused(InvalidInput, Why.NICK_EMPTY)
    if any(ch.isspace() for ch in nick):
        raise refused(InvalidInput, Why.NICK_SPACES)
    if not _NICK.match(nick):
        raise refused(InvalidInput, Why.NICK_CHARACTERS)
    if len(nick) > MAX_NICK:
        raise refused(InvalidInput, Why.NICK_TOO_LONG, MAX_NICK=MAX_NICK)
    if confusables.is_mixed_script(nick):
        raise refused(InvalidInput, Why.NICK_MIXED_SCRIPTS)
    return nick


def wire_nick(nick: object) -> str:
    """A nickname received from someone else, forced into the same shape ('' if nothing is left)."""
    return _NOT_NICK.sub("_", " ".join(str(nick).split())).strip("_")[:MAX_NICK]


def clean_text(text: str) -> str:
    """Message text: printable, one line per message in plain mode (newlines kept as ' / ')."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    text = " / ".join(line for line in lines if line)
    text = "".join(ch for ch in text if _visible(ch))
    if not text:
        raise refused(InvalidInput, Why.MESSAGE_EMPTY)
    if len(text) > MAX_TEXT:
        raise refused(InvalidInput, Why.MESSAGE_TOO_LONG, MAX_TEXT=MAX_TEXT, len=len(text))
    return text


# Zero-width joiners are invisible but meaningful (emoji sequences, Indic and Arabic scripts).
_JOINERS = "\u200c\u200d"


def _visible(ch: str) -> bool:
    return ch.isprintable() or ch in _JOINERS


# Whole terminal escape sequences (CSI, OSC, other ESC forms), removed before the remaining
# control characters so that nothing of "\x1b[31m" is left to be read aloud as "[31m".
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]"
)


def safe_text(text: str, limit: int = 8000) -> str:
    """Multi-line text from others (guidelines): escape sequences and control characters
    removed, line breaks kept."""
    lines = _ESCAPES.sub("", str(text)).split("\n")
    cleaned = ["".join(ch for ch in line if _visible(ch)) for line in lines]
    return "\n".join(cleaned)[:limit]


def safe_line(text: str, limit: int = MAX_TEXT) -> str:
    """Display-safe text received from others: no escape sequences or line breaks."""
    text = str(text)
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        # Nearly every line: no control character (so no escape), no whitespace but single
        # spaces (the only printable one), nothing invisible. Unchanged, so no copy by character.
        return text[:limit]
    text = " ".join(_ESCAPES.sub("", text).split())
    return "".join(ch for ch in text if _visible(ch))[:limit]
