"""The signed, hash-chained roster: who may sign what, in which order, under which owner."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey

from peertui.core.crypto import Identity, Invite
from peertui_wire.roster import (
    MODERATOR,
    RosterError,
    RosterState,
    event_hash,
    genesis,
    make_event,
)

OWNER, MOD, ALICE, BOB = (SigningKey.generate() for _ in range(4))


def pk(key: SigningKey) -> bytes:
    return bytes(key.verify_key)


def build() -> tuple[RosterState, list[dict]]:
    events = [genesis(OWNER, ts=1)]
    state = RosterState.from_genesis(events[0])
    for signer, kind, kwargs in [
        (OWNER, "admit", {"target": pk(MOD), "role": MODERATOR}),
        (MOD, "admit", {"target": pk(ALICE)}),
        (MOD, "admit", {"target": pk(BOB)}),
        (MOD, "mute", {"target": pk(BOB), "until": 10_000}),
    ]:
        event = make_event(signer, state, kind, ts=2, **kwargs)
        state.apply(event)
        events.append(event)
    return state, events


STATE, EVENTS = build()


def test_replay_rebuilds_roles_and_moderation():
    state = RosterState.replay(EVENTS, expected_owner=pk(OWNER))
    assert state.is_moderator(pk(MOD)) and not state.is_moderator(pk(ALICE))
    assert state.post_refusal(pk(BOB), now_ms=5_000).startswith("muted")
    assert state.post_refusal(pk(ALICE), now_ms=5_000) is None
    assert state.head_hash == event_hash(EVENTS[-1]) and state.next_index == len(EVENTS)


def test_event_signed_by_a_plain_member_is_refused():
    state = RosterState.replay(EVENTS)
    for kind, kwargs in [
        ("remove", {"target": pk(BOB)}),
        ("admit", {"target": pk(SigningKey.generate())}),
        ("slowmode", {"value": 30}),
        ("readonly", {"value": 1}),
    ]:
        with pytest.raises(RosterError, match="owner or a moderator"):
            state.apply(make_event(ALICE, state, kind, **kwargs))
    with pytest.raises(RosterError, match="lower rank"):
        state.apply(make_event(MOD, state, "remove", target=pk(OWNER)))
    with pytest.raises(RosterError, match="only the owner"):
        state.apply(make_event(MOD, state, "role", target=pk(ALICE), role=MODERATOR))
    leave = make_event(ALICE, state, "leave", target=pk(ALICE))
    state.apply(leave)
    assert not state.is_member(pk(ALICE))


def test_out_of_order_and_forked_events_are_refused():
    state = RosterState.replay(EVENTS)
    first = make_event(MOD, state, "warn", target=pk(ALICE))
    second_state = copy.deepcopy(state)
    second_state.apply(first)
    second = make_event(MOD, second_state, "warn", target=pk(BOB))
    with pytest.raises(RosterError, match="out of order"):
        state.apply(second)
    state.apply(first)
    fork = make_event(OWNER, RosterState.replay(EVENTS), "warn", target=pk(BOB))
    with pytest.raises(RosterError, match="out of order"):
        state.apply(fork)  # a second event for an index already taken
    fork["index"] = state.next_index
    with pytest.raises(RosterError):  # re-indexed but still chained to the old head
        state.apply(fork)
    # Correctly signed at the right index, but chained to an older head: a fork.
    older = copy.deepcopy(state)
    older.head_hash = event_hash(EVENTS[2])
    with pytest.raises(RosterError, match="does not chain"):
        state.apply(make_event(OWNER, older, "warn", target=pk(BOB)))
    with pytest.raises(RosterError, match="genesis"):
        RosterState.replay(EVENTS[1:])
    with pytest.raises(RosterError, match="out of order"):
        RosterState.replay([EVENTS[0], EVENTS[2], EVENTS[1]])


def test_relay_substituting_the_owner_key_is_caught_by_the_invite():
    invite = Invite.parse(Invite.create("http://127.0.0.1:9", pk(OWNER)).token())
    impostor = SigningKey.generate()
    fake = [genesis(impostor)]
    with pytest.raises(RosterError, match="pinned in the invite"):
        RosterState.replay(fake, expected_owner=invite.owner_key)
    with pytest.raises(RosterError, match="different group"):
        RosterState.replay(fake, expected_group_id=invite.group_id)
    # Claiming the real group id with the impostor's key breaks the id-to-key binding.
    claimed = make_event(
        impostor, None, "genesis", group_id=invite.group_id, target=pk(impostor), role="owner"
    )
    with pytest.raises(RosterError, match="does not belong to the owner key"):
        RosterState.replay([claimed], expected_owner=invite.owner_key)
    ok = RosterState.replay(
        EVENTS, expected_group_id=invite.group_id, expected_owner=invite.owner_key
    )
    assert ok.owner == pk(OWNER)


def test_identity_keys_work_as_roster_signers():
    owner = Identity.generate()
    state = RosterState.from_genesis(genesis(owner.signing_key))
    member = Identity.generate()
    state.apply(make_event(owner.signing_key, state, "admit", target=member.public_key))
    assert state.is_member(member.public_key)


def _mutate(value, position: int, replacement: str):
    if isinstance(value, bool) or value is None:
        return not value
    if isinstance(value, int):
        return value + 1 + position
    if not value:
        return replacement
    position %= len(value)
    if value[position] == replacement:
        replacement = "B" if replacement != "B" else "C"
    return value[:position] + replacement + value[position + 1 :]


@settings(max_examples=400, deadline=None)
@given(
    which=st.integers(0, len(EVENTS) - 1),
    field=st.sampled_from(sorted(EVENTS[0])),
    position=st.integers(0, 200),
    replacement=st.sampled_from("AZaz09_-x"),
)
def test_any_altered_field_of_any_event_is_refused(which, field, position, replacement):
    events = copy.deepcopy(EVENTS)
    events[which][field] = _mutate(events[which][field], position, replacement)
    with pytest.raises(RosterError):
        RosterState.replay(events)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(sorted(EVENTS[0])),
        st.one_of(
            st.integers(-5, 10**20),
            st.text(max_size=60),
            st.none(),
            st.lists(st.integers(), max_size=2),
        ),
    )
)
def test_arbitrary_json_objects_are_refused_as_roster_errors(junk):
    with pytest.raises(RosterError):
        RosterState.replay([junk])
    with pytest.raises(RosterError):
        RosterState.replay(EVENTS).apply(junk)
