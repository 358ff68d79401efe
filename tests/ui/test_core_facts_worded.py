"""What core reports as facts (a pending group's missing name, what /wipe left, an export's
headings, a relay's refusal, the engine's notices) is worded by the shared layer, the same in
English as before and translated in es and pt_BR: a sentence that came out in English in
another language would be one the catalogue never saw."""

from __future__ import annotations

from pathlib import Path

import pytest

from peertui.core import events as ev
from peertui.core.errors import GroupNotActive, NotOnYourself, RelayAction, RelayFailed
from peertui.core.homelock import HomeInUse
from peertui.core.keys import (
    ForeignFilesKept,
    KeyringEntryKept,
    KeyringEntryUnknown,
    KeyringKeyMismatch,
    KeyringRefused,
    NoKey,
    NoKeyAvailable,
    NotDeleted,
    UnlockFault,
    UnlockFileMissing,
    UnlockFileUnusable,
    WrongPassphrase,
)
from peertui.core.models import Hidden
from peertui.core.receive_rules import NotShown
from peertui.core.relay_client import RelayFault, RelayRefused, RelayUnavailable
from peertui.i18n import current_language, use_language
from peertui.ui import problems, received, wording
from peertui.ui.relay_words import relay_said

GID = "g1"


@pytest.fixture
def language():
    before = current_language()
    yield use_language
    use_language(before)


def fault_of(fault: RelayFault) -> RelayUnavailable:
    """A client-side relay fault with every fact any of the sentences names."""
    facts = {"size": 256, "timeout": 10.0, "spoken": 1, "version": 3, "name": "events"}
    return RelayUnavailable(status=502, fault=fault, relay="http://r", detail="bad", **facts)


def unlock_errors() -> list[Exception]:
    home = Path("/h")
    refused = KeyringRefused("keyrings.alt.file.PlaintextKeyring")
    return [
        *(NoKeyAvailable(why, home, "locked", refused, "peertui", "database-1") for why in NoKey),
        NoKeyAvailable(NoKey.NO_KEYRING_NO_PASSPHRASE),
        WrongPassphrase(home),
        KeyringKeyMismatch("database-1", home),
        UnlockFileMissing(home / "data", "unlock.json"),
        *(UnlockFileUnusable(home / "unlock.json", fault, "denied") for fault in UNLOCK_FAULTS),
        HomeInUse(home),
    ]


UNLOCK_FAULTS: tuple[UnlockFault, ...] = ("unreadable", "not_json", "invalid")


def every_sentence() -> list[str]:
    """One sentence for every fact this layer words (none left to core)."""

    def detail(s: ev.Said) -> str:
        return NotShown.MUTED.value if s is ev.Said.MESSAGE_NOT_SHOWN else "x"

    said = [wording.told(ev.Notice(GID, said=s, nick="eve", detail=detail(s), count=2), "Tue")
            for s in ev.Said]  # fmt: skip
    not_shown = [received.not_shown(why) for why in NotShown]
    hidden = [received.hidden_reason(why) for why in Hidden]
    warnings = [
        received.roster_warning(ev.RosterWarning(GID, kind, 3, "eve"))
        for kind in ("fork", "split", "withheld", "key", "copied")
    ]
    missing = [received.messages_missing(ev.MessagesMissing(GID, "eve", n)) for n in (1, 2)]
    faults = [relay_said(fault_of(fault)) for fault in RelayFault]
    unlock = [problems.problem(error) for error in unlock_errors()]
    refusals = [
        problems.problem(RelayFailed(action, RelayRefused("the relay's words", code="banned"), "u"))
        for action in RelayAction
        if action is not RelayAction.OTHER
    ]
    codes = [problems.relay_reason(RelayRefused("x", code=code)) for code in problems._RELAY_CODES]
    leftovers = [
        problems.leftover(NotDeleted(Path("/h/f"), "Permission denied")),
        problems.leftover(ForeignFilesKept(Path("/h"), ("a", "b"))),
        problems.leftover(KeyringEntryKept("peertui", "database-1")),
        problems.leftover(KeyringEntryKept("peertui", "database-1", "locked")),
        problems.leftover(KeyringEntryUnknown(Path("/h/unlock"), "peertui")),
    ]
    words = wording.export_words()
    export = [words.title, words.written, words.removed, words.content_warning]
    return [
        *said,
        *not_shown,
        *hidden,
        *warnings,
        *missing,
        *faults,
        *unlock,
        *refusals,
        *codes,
        *leftovers,
        *export,
        wording.group_name(""),
        problems.problem(GroupNotActive("", "pending")),
        problems.problem(NotOnYourself("alice")),
    ]


def test_english_reads_as_it_did_when_core_worded_it(language):
    language("en")
    assert wording.group_name("") == "unnamed group (waiting for approval)"
    assert wording.group_name("Tuesday") == "Tuesday"
    assert problems.problem(GroupNotActive("", "pending")) == (
        "The group 'unnamed group (waiting for approval)' is pending, not active."
    )
    assert wording.told(ev.Notice(GID, said=ev.Said.BANNED), "Tuesday") == (
        "You were banned from Tuesday: you can no longer read or post there, or ask to join "
        "again. The moderation log (/modlog) shows who did it and why. Crisis lines (/crisis), "
        "grounding (/ground) and your safety plan (/plan) still work."
    )
    held = ev.Notice(GID, said=ev.Said.SENDING_HELD, detail="The relay is busy.", count=1)
    assert wording.told(held, "Tuesday") == (
        "Could not send yet: The relay is busy. 1 waiting message stays queued and goes out "
        "by itself."
    )
    assert wording.told(ev.Notice(GID, "a sentence worded elsewhere"), "T") == (
        "a sentence worded elsewhere"
    )
    assert problems.problem(
        RelayFailed(RelayAction.CREATE_GROUP, RelayRefused("odd", code="x"), "http://r")
    ) == ("Could not create the group on http://r: odd")
    # A known code is worded here, whatever the relay wrote; an unknown one keeps its words.
    banned = RelayRefused("This key is banned from this group.", code="banned")
    assert problems.problem(RelayFailed(RelayAction.REQUEST_JOIN, banned)) == (
        "The join request was not accepted: You are banned from this group."
    )
    gone = RelayUnavailable("Could not reach the relay.")
    assert problems.problem(RelayFailed(RelayAction.OTHER, gone)) == "Could not reach the relay."
    assert str(RelayFailed(RelayAction.OTHER, banned)) == "relay refused other (banned)"
    # This client's own finding about a relay: worded with its address, logged without it.
    slow = RelayUnavailable(fault=RelayFault.TIMEOUT, relay="http://r", timeout=2.5)
    assert problems.problem(RelayFailed(RelayAction.OTHER, slow)) == (
        "The relay at http://r did not answer within 2.5 seconds; check your connection and "
        "try again."
    )
    assert str(slow) == "relay: timeout"


def test_no_said_falls_through_to_its_enum_value(language):
    language("en")
    for said in ev.Said:
        detail = NotShown.READ_ONLY.value if said is ev.Said.MESSAGE_NOT_SHOWN else "x"
        text = wording.told(ev.Notice(GID, said=said, nick="eve", detail=detail, count=2), "T")
        assert text and text != said.value, said


@pytest.mark.parametrize("lang", ["es", "pt_BR"])
def test_every_fact_is_translated(language, lang):
    language("en")
    english = every_sentence()
    language(lang)
    translated = every_sentence()
    same = [e for e, t in zip(english, translated, strict=True) if e == t]
    assert not same, f"untranslated in {lang}: {same}"
