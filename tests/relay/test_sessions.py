"""Request sessions (docs/PROTOCOL.md §11.1) against the real relay, with real crypto.

One signed handshake opens a session; later requests carry a keyed BLAKE2b MAC. These tests
hold the relay to its answers for the hostile cases: a forged MAC, a replayed one, a MAC moved
to another path or body, an expired or used-up session, the session of a removed or banned
member, a session id presented by another key or for another group, a stolen session key
after expiry, and a session key that tries to open another session. They run on SQLite and
on PostgreSQL (cluster mode's shared sessions).
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from nacl.signing import SigningKey
from starlette.requests import Request
from starlette.responses import Response
from tests.e2e import hostile
from tests.e2e.hostile import HostileRelay

from peertui.core.relay_client import RelayClient, RelayRefused
from peertui_wire.auth import origin_of, sign_request
from peertui_wire.encoding import b64d, b64e
from peertui_wire.request_session import Ephemeral, client_mac_key, mac_request

from .groupkit import GroupKit, Member, collect


class Stolen:
    """What a thief (or a test) holds of a session: its id and MAC key, nothing else."""

    def __init__(self, url: str, group_id: str, member: Member, answer: dict, mine: Ephemeral):
        self.url, self.group_id, self.member = url, group_id, member
        self.session_id = b64d(answer["session_id"], length=16)
        self.key = client_mac_key(
            mine,
            b64d(answer["relay_key"], length=32),
            self.session_id,
            b64d(group_id, length=16),
            member.public,
        )
        self.answer = answer

    def headers(self, method: str, path: str, body: bytes = b"", **kwargs) -> dict[str, str]:
        member_key = kwargs.pop("member_key", self.member.public)
        return mac_request(
            self.key,
            self.session_id,
            member_key,
            method,
            path,
            body,
            origin=origin_of(self.url),
            **kwargs,
        )

    def post(self, body: bytes, headers: dict[str, str], path: str = "") -> httpx.Response:
        path = path or f"/v1/groups/{self.group_id}/messages"
        return httpx.post(
            self.url + path,
            content=body,
            headers=headers | {"Content-Type": "application/json"},
        )


def handshake(url: str, group_id: str, member: Member) -> Stolen:
    mine = Ephemeral.generate()
    path = f"/v1/groups/{group_id}/sessions"
    body = json.dumps({"client_key": b64e(mine.public)}).encode()
    response = httpx.post(
        url + path,
        content=body,
        headers=sign_request(member.key, "POST", path, body, origin=origin_of(url)),
    )
    assert response.status_code == 201, response.text
    return Stolen(url, group_id, member, response.json(), mine)


def envelope_body(text: bytes = b"hello") -> bytes:
    return json.dumps({"envelope": b64e(text)}).encode()


def error(response: httpx.Response) -> tuple[int, str, str]:
    problem = response.json()["error"]
    return response.status_code, problem["code"], problem["message"]


async def test_a_session_opens_once_and_carries_posts_and_the_stream(relay):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    session = handshake(relay.url, kit.group_id, member)
    assert session.answer["expires_at"] > time.time() * 1000 + 60_000
    assert session.answer["max_requests"] >= 1000
    body = envelope_body(b"by mac")
    path = f"/v1/groups/{kit.group_id}/messages"
    response = session.post(body, session.headers("POST", path, body))
    assert response.status_code == 201, response.text
    seq = response.json()["seq"]
    # The MAC'd post is stored as the member's: the log names the member as its sender.
    events, _ = await member.client.log(kit.group_id, seq - 1)
    assert [(e.seq, e.sender, e.body["envelope"]) for e in events] == [
        (seq, member.public, b64e(b"by mac"))
    ]

    # The client opens one session lazily and uses it for posts and the stream.
    client = RelayClient(relay.url, member.key)
    seqs = [await client.post_message(kit.group_id, b"m%d" % i) for i in range(5)]
    streamed = await collect(client, kit.group_id, seq, 5)
    assert [e.seq for e in streamed] == seqs
    assert client.sessions.handshakes == 1
    await client.aclose()
    await kit.close()


async def test_forged_replayed_and_moved_macs_are_refused_in_words(relay):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    session = handshake(relay.url, kit.group_id, member)
    path = f"/v1/groups/{kit.group_id}/messages"
    body = envelope_body()

    forged = session.headers("POST", path, body)
    forged["X-Peertui-Mac"] = b64e(bytes(32))
    assert error(session.post(body, forged)) == (
        401,
        "unauthenticated",
        "The relay could not authenticate this request: the request MAC does not match its "
        "session.",
    )
    # A MAC made with another session's key for this session's id.
    other = handshake(relay.url, kit.group_id, member)
    mixed = other.headers("POST", path, body) | {"X-Peertui-Session": b64e(session.session_id)}
    assert error(session.post(body, mixed))[1] == "unauthenticated"

    good = session.headers("POST", path, body)
    assert session.post(body, good).status_code == 201
    status, code, message = error(session.post(body, good))
    assert (status, code) == (401, "replayed_request")
    assert "already received once" in message

    # Moved to another body, another path, another method: the MAC covers them all.
    fresh = session.headers("POST", path, body)
    assert error(session.post(envelope_body(b"other"), fresh))[1] == "unauthenticated"
    log_path = f"/v1/groups/{kit.group_id}/log?since=0"
    moved = session.headers("POST", log_path)
    response = httpx.get(relay.url + log_path, headers=moved)
    assert error(response)[1] == "unauthenticated"
    # For another origin (a request meant for another relay).
    wrong_origin = mac_request(
        session.key,
        session.session_id,
        member.public,
        "POST",
        path,
        body,
        origin="relay.example.org",
    )
    assert error(session.post(body, wrong_origin))[1] == "unauthenticated"
    # Too old, although the MAC is right.
    old = session.headers("POST", path, body, now_ms=int(time.time() * 1000) - 10 * 60_000)
    status, code, message = error(session.post(body, old))
    assert (status, code) == (401, "unauthenticated") and "clock" in message
    # Only what was accepted was stored: one message.
    events, _ = await member.client.log(kit.group_id, 0)
    assert [e.kind for e in events].count("message") == 1
    await kit.close()


async def test_a_session_binds_its_key_and_group(relay):
    kit = await GroupKit.create(relay.url)
    member, other_member = await kit.add_member(), await kit.add_member()
    session = handshake(relay.url, kit.group_id, member)
    path = f"/v1/groups/{kit.group_id}/messages"
    body = envelope_body()
    # Another member presents this session (with a MAC that is right for its key).
    as_other = session.headers("POST", path, body, member_key=other_member.public)
    status, code, message = error(session.post(body, as_other))
    assert (status, code) == (401, "session_mismatch")
    assert message.startswith("This session belongs to another key or another group")

    # In another group where the member is also a member.
    second = await GroupKit.create(relay.url)
    secret = await second.invite(uses=1)
    await RelayClient(relay.url, member.key).request_join(second.group_id, secret, second.sealed())
    await second.roster(None, "admit", target=member.public)
    other_path = f"/v1/groups/{second.group_id}/messages"
    response = session.post(body, session.headers("POST", other_path, body), path=other_path)
    assert error(response)[:2] == (401, "session_mismatch")
    # A request outside any group (creating one) is signed, never MAC'd.
    response = httpx.post(
        relay.url + "/v1/groups",
        content=b"{}",
        headers=session.headers("POST", "/v1/groups", b"{}"),
    )
    assert error(response)[:2] == (401, "session_mismatch")
    # An id the relay never issued.
    unknown = session.headers("POST", path, body) | {"X-Peertui-Session": b64e(bytes(16))}
    status, code, message = error(session.post(body, unknown))
    assert (status, code) == (401, "unknown_session") and "open a new session" in message
    await kit.close()
    await second.close()


async def test_a_session_serves_only_posts_the_stream_and_the_log(relay):
    """What a stolen session key reaches is bounded by the routes it may use: everything
    else (directs, their acknowledgement, prekeys, the roster, invites) must be signed."""
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    session = handshake(relay.url, kit.group_id, member)
    body = json.dumps({"seqs": [1]}).encode()
    for method, tail in [
        ("POST", "direct/ack"),
        ("POST", "direct"),
        ("PUT", "prekey"),
        ("GET", "roster"),
        ("POST", "roster"),
        ("POST", "invites"),
        ("GET", "membership"),
    ]:
        path = f"/v1/groups/{kit.group_id}/{tail}"
        response = httpx.request(
            method, relay.url + path, content=body, headers=session.headers(method, path, body)
        )
        status, code, message = error(response)
        assert (status, code) == (401, "signature_required"), (method, tail, response.text)
        assert message == (
            "A session serves only posts, the event stream and the log; sign this request."
        )
    log_path = f"/v1/groups/{kit.group_id}/log?since=0"
    response = httpx.get(relay.url + log_path, headers=session.headers("GET", log_path))
    assert response.status_code == 200 and response.json()["events"]
    await kit.close()


async def test_a_session_key_cannot_open_another_session(relay):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    session = handshake(relay.url, kit.group_id, member)
    path = f"/v1/groups/{kit.group_id}/sessions"
    body = json.dumps({"client_key": b64e(Ephemeral.generate().public)}).encode()
    response = session.post(body, session.headers("POST", path, body), path=path)
    status, code, message = error(response)
    assert (status, code) == (401, "signature_required")
    assert "signed request" in message
    await kit.close()


async def test_the_handshake_refuses_strangers_and_unusable_keys(relay):
    kit = await GroupKit.create(relay.url)
    path = f"/v1/groups/{kit.group_id}/sessions"
    stranger = SigningKey.generate()
    body = json.dumps({"client_key": b64e(Ephemeral.generate().public)}).encode()
    response = httpx.post(
        relay.url + path,
        content=body,
        headers=sign_request(stranger, "POST", path, body, origin=origin_of(relay.url)),
    )
    assert error(response)[:2] == (403, "not_member")
    # The all-zero point gives no shared secret: libsodium refuses it, and so does the relay.
    body = json.dumps({"client_key": b64e(bytes(32))}).encode()
    response = httpx.post(
        relay.url + path,
        content=body,
        headers=sign_request(kit.owner.key, "POST", path, body, origin=origin_of(relay.url)),
    )
    status, code, message = error(response)
    assert (status, code) == (422, "invalid_field")
    assert "client_key" in message and "X25519" in message
    await kit.close()


@pytest.mark.parametrize("kind", ["remove", "ban"])
async def test_a_removed_or_banned_members_session_ends(relay, kind):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    session = handshake(relay.url, kit.group_id, member)
    path = f"/v1/groups/{kit.group_id}/messages"
    body = envelope_body()
    assert session.post(body, session.headers("POST", path, body)).status_code == 201
    client = RelayClient(relay.url, member.key)
    await client.post_message(kit.group_id, b"from the client")
    await kit.roster(None, kind, target=member.public)

    response = session.post(body, session.headers("POST", path, body))
    assert error(response)[:2] in {(401, "session_ended"), (401, "unknown_session")}
    # The client drops its session, signs, and gets the relay's real answer in words.
    with pytest.raises(RelayRefused) as refused:
        await client.post_message(kit.group_id, b"after")
    assert refused.value.code == ("banned" if kind == "ban" else "not_member")
    await client.aclose()
    await kit.close()


async def test_a_member_who_is_removed_is_refused_even_with_a_session_opened_later(relay):
    """The relay checks the member list at every use, not only at the handshake."""
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    sessions = [handshake(relay.url, kit.group_id, member) for _ in range(2)]
    await kit.roster(None, "remove", target=member.public)
    path = f"/v1/groups/{kit.group_id}/log?since=0"
    for session in sessions:
        response = httpx.get(relay.url + path, headers=session.headers("GET", path))
        assert error(response)[:2] in {(401, "session_ended"), (401, "unknown_session")}
    await kit.close()


async def test_an_expired_session_and_a_stolen_key_after_expiry_are_refused(relay_factory):
    relay = relay_factory("--session-seconds", "1.5")
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    stolen = handshake(relay.url, kit.group_id, member)
    path = f"/v1/groups/{kit.group_id}/messages"
    body = envelope_body()
    assert stolen.post(body, stolen.headers("POST", path, body)).status_code == 201
    await asyncio.sleep(max(0.0, stolen.answer["expires_at"] / 1000 - time.time()) + 0.2)
    status, code, message = error(stolen.post(body, stolen.headers("POST", path, body)))
    assert (status, code) == (401, "session_expired")
    assert message.startswith("This session has expired")
    # Still no good afterwards (the relay forgot it), and the key opens nothing new.
    again = error(stolen.post(body, stolen.headers("POST", path, body)))
    assert again[:2] in {(401, "session_expired"), (401, "unknown_session")}
    open_path = f"/v1/groups/{kit.group_id}/sessions"
    handshake_body = json.dumps({"client_key": b64e(Ephemeral.generate().public)}).encode()
    response = stolen.post(
        handshake_body, stolen.headers("POST", open_path, handshake_body), path=open_path
    )
    assert error(response)[:2] == (401, "signature_required")

    # The member's own client renews its session by itself and loses nothing.
    client = RelayClient(relay.url, member.key)
    first = await client.post_message(kit.group_id, b"one", idempotency_key="post-one-0001")
    await asyncio.sleep(1.7)
    second = await client.post_message(kit.group_id, b"two", idempotency_key="post-two-0001")
    assert second > first and client.sessions.handshakes == 2
    events, _ = await client.log(kit.group_id, first - 1)
    assert [e.body["envelope"] for e in events] == [b64e(b"one"), b64e(b"two")]
    await client.aclose()
    await kit.close()


async def test_a_session_runs_out_after_its_request_budget(relay_factory):
    relay = relay_factory("--session-max-requests", "3")
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    session = handshake(relay.url, kit.group_id, member)
    path = f"/v1/groups/{kit.group_id}/messages"
    body = envelope_body()
    for _ in range(3):
        assert session.post(body, session.headers("POST", path, body)).status_code == 201
    assert error(session.post(body, session.headers("POST", path, body)))[:2] == (
        401,
        "session_expired",
    )
    # The member's client renews its session as the budget runs out, before the relay says no.
    client = RelayClient(relay.url, member.key)
    for i in range(7):
        await client.post_message(kit.group_id, b"m%d" % i)
    assert client.sessions.handshakes == 3
    await client.aclose()
    await kit.close()


async def test_the_client_survives_a_relay_restart_without_losing_or_doubling_a_post(
    relay, backend
):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    client = RelayClient(relay.url, member.key)
    before = await client.post_message(kit.group_id, b"before", idempotency_key="before-00001")
    assert client.sessions.handshakes == 1
    relay.restart()  # SIGKILL: the relay forgets every session (and is back on its port)
    after = await client.post_message(kit.group_id, b"after", idempotency_key="after-000001")
    # The same post again (a retry after a lost answer): its seq, not a copy.
    again = await client.post_message(kit.group_id, b"after", idempotency_key="after-000001")
    assert after == again > before
    # One process forgets its sessions (SQLite); a cluster's are rows every process shares.
    assert client.sessions.handshakes == (1 if backend else 2)
    streamed = await collect(client, kit.group_id, before - 1, 2)
    assert [e.body["envelope"] for e in streamed] == [b64e(b"before"), b64e(b"after")]
    await client.aclose()
    await kit.close()


class _OlderRelay(HostileRelay):
    """A relay from before sessions: no such endpoint (what Starlette answers for it)."""

    async def _forward(self, request: Request) -> Response:
        if request.url.path.endswith("/sessions"):
            body = {"error": {"code": "not_found", "message": "There is no such endpoint."}}
            return Response(json.dumps(body), status_code=404, media_type="application/json")
        return await super()._forward(request)


async def test_the_client_signs_for_a_relay_without_sessions(relay):
    older = await _OlderRelay(relay.url).start()
    kit = await GroupKit.create(older.url)
    member = await kit.add_member()
    first = await member.client.post_message(kit.group_id, b"one")
    second = await member.client.post_message(kit.group_id, b"two")
    assert second == first + 1
    assert member.client.sessions.handshakes == 0 and not member.client.sessions.supported
    streamed = await collect(member.client, kit.group_id, first - 1, 2)
    assert [e.seq for e in streamed] == [first, second]
    await kit.close()
    await older.stop()


async def test_the_client_signs_when_something_on_the_way_drops_session_headers(relay, monkeypatch):
    """A proxy that forwards signatures but not sessions: the MAC'd post is refused, sent
    again signed (stored once), and the client signs from then on."""
    stripped = tuple(
        h for h in hostile._FORWARDED if h not in ("x-peertui-session", "x-peertui-mac")
    )
    monkeypatch.setattr(hostile, "_FORWARDED", stripped)
    proxy = await HostileRelay(relay.url).start()
    kit = await GroupKit.create(proxy.url)
    member = await kit.add_member()
    first = await member.client.post_message(kit.group_id, b"one", idempotency_key="strip-00001")
    assert member.client.sessions.handshakes == 1 and not member.client.sessions.supported
    second = await member.client.post_message(kit.group_id, b"two", idempotency_key="strip-00002")
    assert member.client.sessions.handshakes == 1
    events, _ = await member.client.log(kit.group_id, first - 1)
    assert [(e.seq, e.body["envelope"]) for e in events] == [
        (first, b64e(b"one")),
        (second, b64e(b"two")),
    ]
    await kit.close()
    await proxy.stop()


async def test_a_burst_of_posts_waits_for_one_handshake(relay):
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    client = RelayClient(relay.url, member.key)
    seqs = await asyncio.gather(
        *(
            client.post_message(kit.group_id, b"b%d" % i, idempotency_key=f"burst-{i:05d}")
            for i in range(20)
        )
    )
    assert len(set(seqs)) == 20 and client.sessions.handshakes == 1
    await client.aclose()
    await kit.close()
