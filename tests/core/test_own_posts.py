"""The record of my own posts (peertui.core.own_posts): a post in one of my sessions that this
device did not seal is told, and nothing the relay can make up or repeat raises it."""

from __future__ import annotations

import copy

from tests.core.cryptokit import HEAD

from peertui.core.crypto import Identity, OutboundSession
from peertui.core.own_posts import KEPT_SESSIONS, OwnPosts
from peertui_wire.ids import group_id_for


def _sealed(posts: OwnPosts, identity: Identity, session: OutboundSession, text: bytes) -> bytes:
    envelope = session.encrypt(identity, text, head=HEAD)
    posts.made(envelope, session.session_id, session.verify_key, session.index - 1)
    return envelope


def test_a_copy_of_my_session_posting_is_told_and_my_own_posts_are_not():
    me = Identity.generate()
    gid = group_id_for(me.public_key)
    session = OutboundSession.create(me, gid, 0, roster=HEAD)
    copied = copy.deepcopy(session)  # a copied home: the same session, keys and index
    posts = OwnPosts(None, cursor=5)
    first = _sealed(posts, me, session, b"mine")
    assert not posts.made_elsewhere(first, gid, seq=6)
    assert not posts.made_elsewhere(first, gid, seq=7)  # the relay repeating it: not news

    # The copy reuses index 0 (behind), then seals index 1 before I do (ahead).
    assert posts.made_elsewhere(copied.encrypt(me, b"thief", head=HEAD), gid, seq=8)
    assert posts.made_elsewhere(copied.encrypt(me, b"thief", head=HEAD), gid, seq=9)
    # ...but not for anything stored before the record began (an upgrade, a restored relay).
    assert not posts.made_elsewhere(copied.encrypt(me, b"thief", head=HEAD), gid, seq=5)


def test_the_relay_cannot_raise_it_by_forging_or_by_a_session_i_cannot_check():
    me = Identity.generate()
    gid = group_id_for(me.public_key)
    session = OutboundSession.create(me, gid, 0, roster=HEAD)
    posts = OwnPosts(None, cursor=0)
    envelope = _sealed(posts, me, session, b"mine")
    flipped = bytearray(envelope)
    flipped[-1] ^= 1  # the same session and index, not signed by its key
    assert not posts.made_elsewhere(bytes(flipped), gid, seq=1)
    assert not posts.made_elsewhere(b"garbage", gid, seq=1)
    other = OutboundSession.create(me, gid, 0, roster=HEAD)  # a session this device never made
    assert not posts.made_elsewhere(other.encrypt(me, b"x", head=HEAD), gid, seq=1)
    # In another group its signature does not hold.
    assert not posts.made_elsewhere(envelope, group_id_for(Identity.generate().public_key), 1)


def test_the_record_stays_small_and_survives_a_round_trip():
    me = Identity.generate()
    gid = group_id_for(me.public_key)
    posts = OwnPosts(None, cursor=0)
    for _ in range(KEPT_SESSIONS + 3):
        session = OutboundSession.create(me, gid, 0, roster=HEAD)
        last = _sealed(posts, me, session, b"x")
    again = OwnPosts(posts.to_json(), cursor=99)
    assert len(again.to_json()["sessions"]) == KEPT_SESSIONS
    assert again.to_json()["since_seq"] == 0
    assert not again.made_elsewhere(last, gid, seq=1)
