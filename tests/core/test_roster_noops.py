"""Actions that change nothing are refused, so the public moderation log stays meaningful."""

from __future__ import annotations

import pytest
from nacl.signing import SigningKey

from peertui_wire.roster import MODERATOR, RosterError, RosterState, genesis, make_event


@pytest.fixture
def group():
    owner, member = SigningKey.generate(), SigningKey.generate()
    state = RosterState.from_genesis(genesis(owner))
    state.apply(make_event(owner, state, "admit", target=bytes(member.verify_key)))
    return owner, bytes(member.verify_key), state


@pytest.mark.parametrize(
    ("kind", "fields", "words"),
    [
        ("unmute", {"target": True}, "not muted"),
        ("readonly", {"value": 0}, "already off"),
        ("slowmode", {"value": 0}, "already"),
        ("role", {"target": True, "role": "member"}, "already a member"),
    ],
)
def test_no_op_actions_are_refused(group, kind, fields, words):
    owner, member, state = group
    if fields.pop("target", False):
        fields["target"] = member
    with pytest.raises(RosterError, match=words):
        state.apply(make_event(owner, state, kind, **fields))


def test_promoting_twice_is_refused_but_once_works(group):
    owner, member, state = group
    state.apply(make_event(owner, state, "role", target=member, role=MODERATOR))
    with pytest.raises(RosterError, match="already a moderator"):
        state.apply(make_event(owner, state, "role", target=member, role=MODERATOR))
