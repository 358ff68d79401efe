"""Posts and event streams are answered on the relay's front door (bare ASGI), the rest by
Starlette: a client must not be able to tell which one answered."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from nacl.signing import SigningKey

from peertui_wire.auth import origin_of, sign_request
from peertui_wire.encoding import b64e

from .groupkit import GroupKit, collect

pytestmark = pytest.mark.timeout(90)
TOKEN = {"Authorization": "Bearer front-door-metrics"}


def _counts(relay) -> dict[str, int]:
    text = httpx.get(relay.url + "/v1/metrics", headers=TOKEN).text
    found = re.findall(r'peertui_relay_requests_total\{status="(\dxx)"\} (\d+)', text)
    return {status: int(count) for status, count in found}


def _post(relay, key: SigningKey, path: str, body: bytes, extra=()) -> httpx.Response:
    headers = list(sign_request(key, "POST", path, body, origin=origin_of(relay.url)).items())
    return httpx.post(relay.url + path, content=body, headers=headers + list(extra))


def _error(response: httpx.Response) -> dict:
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == str(len(response.content))
    return response.json()["error"]


async def test_posts_and_streams_are_answered_and_counted_as_every_other_route(relay_factory):
    relay = relay_factory("--metrics-token", "front-door-metrics")
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    path = f"/v1/groups/{kit.group_id}/messages"
    body = json.dumps({"envelope": b64e(b"hello"), "idempotency_key": "front-door-1"}).encode()
    before = _counts(relay)

    stored = _post(relay, kit.owner.key, path, body)
    assert stored.status_code == 201
    assert stored.headers["content-type"] == "application/json"
    seq, ts = stored.json()["seq"], stored.json()["ts"]
    # What JSONResponse wrote, byte for byte: the seq and the time it was stored with.
    assert stored.content == b'{"seq":%d,"ts":%d}' % (seq, ts)
    retried = _post(relay, kit.owner.key, path, body)
    assert (retried.status_code, retried.json()) == (200, {"seq": seq, "ts": ts})
    stranger = _post(relay, SigningKey.generate(), path, body)
    assert (stranger.status_code, _error(stranger)["code"]) == (403, "not_member")
    unsigned = httpx.post(relay.url + path, content=body)
    assert (unsigned.status_code, _error(unsigned)["code"]) == (401, "unauthenticated")
    bad = _post(relay, kit.owner.key, path, b'{"envelope": "not base64!"}')
    assert (bad.status_code, _error(bad)["field"]) == (422, "envelope")

    # A stream opened and read: its 200 is counted once, however long it runs.
    received = await collect(member.client, kit.group_id, seq - 1, 1, timeout=30)
    assert [e.seq for e in received] == [seq]

    after = _counts(relay)
    # 2xx: the first metrics read, the post, its retry, the session handshake the client
    # opened for its stream, and the stream; 4xx: three refusals.
    assert member.client.sessions.handshakes == 1
    assert after["2xx"] - before["2xx"] == 5
    assert after["4xx"] - before["4xx"] == 3
    assert after["5xx"] == before["5xx"] == 0
    await kit.close()


async def test_paths_and_methods_beside_the_front_door_go_to_starlette(relay):
    kit = await GroupKit.create(relay.url)
    gid = kit.group_id
    wrong_method = httpx.get(f"{relay.url}/v1/groups/{gid}/messages")
    assert (wrong_method.status_code, _error(wrong_method)["code"]) == (405, "method_not_allowed")
    assert "POST" in wrong_method.headers["Allow"]
    for path in ("/v1/groups//messages", f"/v1/groups/{gid}/x/messages", "/v1/groups/messages"):
        response = _post(relay, kit.owner.key, path, b"{}")
        assert (response.status_code, _error(response)["code"]) == (404, "not_found"), path
    posted_stream = _post(relay, kit.owner.key, f"/v1/groups/{gid}/events", b"{}")
    assert posted_stream.status_code == 405
    await kit.close()


async def test_a_repeated_header_counts_once_its_first_value_as_starlette_reads_it(relay):
    kit = await GroupKit.create(relay.url)
    path = f"/v1/groups/{kit.group_id}/messages"
    body = json.dumps({"envelope": b64e(b"first wins")}).encode()
    stranger = b64e(bytes(SigningKey.generate().verify_key))
    # A second X-Peertui-Key after the signed one changes nothing...
    assert _post(relay, kit.owner.key, path, body, [("X-Peertui-Key", stranger)]).status_code == 201
    # ...and one sent before it is the key the signature is checked against: refused.
    headers = sign_request(kit.owner.key, "POST", path, body, origin=origin_of(relay.url))
    first = [("X-Peertui-Key", stranger)] + list(headers.items())
    refused = httpx.post(relay.url + path, content=body, headers=first)
    assert (refused.status_code, _error(refused)["code"]) == (401, "unauthenticated")
    await kit.close()


async def test_a_stream_with_a_bad_position_is_refused_before_it_starts(relay):
    kit = await GroupKit.create(relay.url)
    for query, field in (("?since=abc", "since"), ("?since=1&since=-2", "since")):
        path = f"/v1/groups/{kit.group_id}/events{query}"
        headers = sign_request(kit.owner.key, "GET", path, origin=origin_of(relay.url))
        response = httpx.get(relay.url + path, headers=headers)
        assert (response.status_code, _error(response)["field"]) == (422, field), query
    # The last of a repeated parameter is the one used, as Starlette's query_params.get.
    path = f"/v1/groups/{kit.group_id}/events?since=-2&since=0"
    headers = sign_request(kit.owner.key, "GET", path, origin=origin_of(relay.url))
    async with (
        httpx.AsyncClient() as client,
        client.stream("GET", relay.url + path, headers=headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
    await kit.close()
