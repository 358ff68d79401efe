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
    NotShown = receive_rules.NotShown
    assert receive_rules.refusal(muted, muted_events, message(50_000, head)) is NotShown.MUTED
    assert receive_rules.refusal(muted, muted_events, message(100_001, head)) is None
    quiet, quiet_events = roster("admit", "readonly")
    assert receive_rules.refusal(quiet, quiet_events, message(5_000, head)) is NotShown.READ_ONLY
    stranger, stranger_events = roster()
    refused = receive_rules.refusal(stranger, stranger_events, message(5_000, head))
    assert refused is NotShown.NOT_MEMBER


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


HOUR = 3_600_000
NOW = 1_800_000_000_000


def test_the_order_time_is_the_signed_time_when_the_clocks_are_right():
    # Written 40 s before the relay stored it (queued while the relay was down).
    assert receive_rules.order_time(NOW - 40_000, NOW, NOW + 500) == NOW - 40_000
    # The receiver's own clock does not matter, so every device computes the same.
    for received in (NOW - 30 * 60_000, NOW, NOW + 5 * HOUR, NOW + 30 * 24 * HOUR):
        assert receive_rules.order_time(NOW - 40_000, NOW, received) == NOW - 40_000


def test_a_clock_hours_ahead_is_placed_when_the_relay_stored_it_so_it_cannot_stay_on_top():
    ahead = receive_rules.order_time(NOW + 5 * HOUR, NOW, NOW)
    assert ahead == NOW
    # The next message, stored a second later by a sender with a right clock, comes after.
    assert receive_rules.order_time(NOW + 1_000, NOW + 1_000, NOW + 1_000) > ahead


def test_a_clock_behind_or_a_backdated_message_sinks_at_most_a_day():
    assert receive_rules.order_time(NOW - 3 * HOUR, NOW, NOW) == NOW - 3 * HOUR
    assert receive_rules.order_time(0, NOW, NOW) == NOW - 24 * HOUR
    assert receive_rules.order_time(NOW - 30 * 24 * HOUR, NOW, NOW) == NOW - 24 * HOUR


def test_a_relay_claiming_a_time_far_ahead_of_the_receiver_is_not_believed():
    # A lying relay and a sender clock in the far future: not above an hour past arrival.
    assert receive_rules.order_time(10**15, 10**15, NOW) == NOW + HOUR
    # ... and a relay honest to within minutes is never reached by that bound.
    assert receive_rules.order_time(NOW + 1_000, NOW + 5 * 60_000, NOW) == NOW + 1_000


def test_equal_times_are_ordered_by_sender_and_id_alike_on_every_device():
    from dataclasses import replace

    from peertui.core.store import Message, order_key

    base = Message("g", "id-b", 0, "member-2", "n", "t", NOW)
    others = [
        replace(base, msg_id="id-a"),
        replace(base, sender="member-1", msg_id="id-z"),
        replace(base, ts=NOW - 1, sender="member-9"),
        replace(base, number=99),  # another device's number changes nothing
    ]
    one = sorted([base, *others], key=order_key)
    other = sorted(reversed([base, *others]), key=order_key)
    assert [(m.ts, m.sender, m.msg_id) for m in one] == [(m.ts, m.sender, m.msg_id) for m in other]
    assert [(m.sender, m.msg_id) for m in one][:3] == [
        ("member-9", "id-b"),
        ("member-1", "id-z"),
        ("member-2", "id-a"),
    ]
