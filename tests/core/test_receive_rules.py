"""The receiver's rules on authenticated messages (docs/PROTOCOL.md §9), without a network."""

from __future__ import annotations

from nacl.signing import SigningKey

from peertui.core import receive_rules
from peertui.core.crypto import Decrypted, RosterHead
from peertui_wire.encoding import b64d
from peertui_wire.roster import RosterState, event_hash, genesis, make_event

OWNER = SigningKey(bytes(32))
MEMBER = SigningKey(bytes(range(32)))


def roster(*kinds: str) -> tuple[RosterState, list[dict]]:
    events = [genesis(OWNER, ts=1_000)]
    state = RosterState.from_genesis(events[0])
    member = bytes(MEMBER.verify_key)
    for kind in kinds:
        extra = {"role": "member"} if kind == "admit" else {}
        if kind == "mute":
            extra = {"until": 100_000}
        if kind == "readonly":
            event = make_event(OWNER, state, kind, value=1, ts=2_000)
        else:
            event = make_event(OWNER, state, kind, target=member, ts=2_000, **extra)
        state.apply(event)
        events.append(event)
    return state, events


def message(sent_ms: int, session: RosterHead, head: RosterHead | None = None) -> Decrypted:
    head = head or session
    return Decrypted(
        bytes(MEMBER.verify_key), b"s" * 16, 0, 0, b"{}", sent_ms, 0, head, session, b"e" * 32
    )


def test_members_only_and_mute_at_the_signed_time_and_read_only():
    state, events = roster("admit")
    head = receive_rules.head_of(state)
    assert receive_rules.refusal(state, events, message(5_000, head)) is None
    muted, muted_events = roster("admit", "mute")
    assert "muted" in receive_rules.refusal(muted, muted_events, message(50_000, head))
    assert receive_rules.refusal(muted, muted_events, message(100_001, head)) is None
    quiet, quiet_events = roster("admit", "readonly")
    assert "read-only" in receive_rules.refusal(quiet, quiet_events, message(5_000, head))
    stranger, stranger_events = roster()
    assert "not a member" in receive_rules.refusal(stranger, stranger_events, message(5_000, head))


def test_heads_ahead_split_and_forks_are_told_apart():
    state, events = roster("admit")
    mine = receive_rules.head_of(state)
    assert receive_rules.compare_head(events, mine) == receive_rules.HeadCheck(False, False)
    assert receive_rules.compare_head(events, RosterHead(5, mine.hash)).ahead
    assert receive_rules.compare_head(events, RosterHead(1, b"\x00" * 32)).split
    other = make_event(OWNER, RosterState.replay(events[:1]), "slowmode", value=3)
    assert receive_rules.is_fork(events, other)
    assert not receive_rules.is_fork(events, events[1])
    assert not receive_rules.is_fork(events, {**other, "index": 7})
    assert b64d(event_hash(events[1])) == mine.hash


def test_gaps_count_what_was_skipped_and_late_arrivals_fill_them():
    counters: dict[str, int] = {}
    assert receive_rules.missing_before(counters, "river", 40) == 0  # first seen: no claim
    assert receive_rules.missing_before(counters, "river", 41) == 0
    assert receive_rules.missing_before(counters, "river", 44) == 2
    assert receive_rules.missing_before(counters, "river", 43) == 0  # late, fills the gap
    assert counters == {"river": 44}


def test_display_time_is_the_signed_time_clamped_to_the_receivers_clock():
    assert receive_rules.display_time(1_000, 5_000) == 1_000
    assert receive_rules.display_time(10**13, 5_000) == 5_000 + 120_000
