"""The wire side of request sessions (docs/PROTOCOL.md §11.1): both ends derive one MAC key,
the MAC covers every field a signature covers, and the MAC is libsodium's keyed BLAKE2b."""

from __future__ import annotations

import os

import pytest
from nacl.encoding import RawEncoder
from nacl.hash import blake2b

from peertui_wire.request_session import (
    Ephemeral,
    SessionKeyError,
    client_mac_key,
    mac_bytes,
    relay_mac_key,
    request_mac,
)

SID, GID, MEMBER = os.urandom(16), os.urandom(16), os.urandom(32)
FIELDS = ("POST", "/v1/groups/g/messages", 1_700_000_000_000, "AAAAAAAAAAAAAAAAAAAAAA", b"{}")


def test_client_and_relay_derive_the_same_key_and_nobody_else_does():
    client, relay, eve = Ephemeral.generate(), Ephemeral.generate(), Ephemeral.generate()
    mine = client_mac_key(client, relay.public, SID, GID, MEMBER)
    assert mine == relay_mac_key(relay, client.public, SID, GID, MEMBER)
    # Bound to the session id, the group and the member key, and to both ephemeral keys.
    assert relay_mac_key(relay, client.public, os.urandom(16), GID, MEMBER) != mine
    assert relay_mac_key(relay, client.public, SID, os.urandom(16), MEMBER) != mine
    assert relay_mac_key(relay, client.public, SID, GID, os.urandom(32)) != mine
    assert client_mac_key(client, eve.public, SID, GID, MEMBER) != mine
    assert relay_mac_key(relay, eve.public, SID, GID, MEMBER) != mine


def test_an_unusable_x25519_key_is_refused():
    with pytest.raises(SessionKeyError):
        relay_mac_key(Ephemeral.generate(), bytes(32), SID, GID, MEMBER)


def test_the_mac_is_libsodiums_keyed_blake2b_over_every_signed_field():
    key = os.urandom(32)
    mac = request_mac(key, *FIELDS, "relay.example.org")
    data = mac_bytes(*FIELDS, "relay.example.org")
    assert data.startswith(b"peertui-session-request-v2\nrelay.example.org\nPOST\n")
    assert mac == blake2b(data, digest_size=32, key=key, encoder=RawEncoder)
    method, path, ts, nonce, body = FIELDS
    changed = [
        ("GET", path, ts, nonce, body, "relay.example.org"),
        (method, path + "x", ts, nonce, body, "relay.example.org"),
        (method, path, ts + 1, nonce, body, "relay.example.org"),
        (method, path, ts, "B" + nonce[1:], body, "relay.example.org"),
        (method, path, ts, nonce, b"{ }", "relay.example.org"),
        (method, path, ts, nonce, body, "other.example.org"),
    ]
    assert all(request_mac(key, *fields) != mac for fields in changed)
    assert request_mac(os.urandom(32), *FIELDS, "relay.example.org") != mac


def test_the_relays_memory_keeps_four_sessions_per_member_and_ends_them_together():
    from peertui_relay.sessions import MAX_SESSIONS_PER_MEMBER, LocalSessions, Session

    store = LocalSessions()

    def session(member: bytes, group: str = "g") -> Session:
        made = Session(os.urandom(16), group, member, os.urandom(32), 10_000, 100)
        store.add(made)
        return made

    alice = [session(b"a" * 32) for _ in range(MAX_SESSIONS_PER_MEMBER + 2)]
    bob = session(b"b" * 32)
    elsewhere = session(b"a" * 32, "other group")
    assert [store.find(s.session_id) for s in alice] == [None, None, *alice[2:]]
    assert store.count_use(alice[-1]) == 1 and store.count_use(alice[0]) is None
    store.end_member("g", b"a" * 32)
    assert all(store.find(s.session_id) is None for s in alice)
    assert store.find(bob.session_id) is bob and store.find(elsewhere.session_id) is elsewhere
    store.expire(10_000)
    assert store.by_id == {} and store.by_member == {}
