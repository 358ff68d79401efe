"""The event stream's frames match the data schema the API document states (schemathesis
cannot read a stream that never ends, so this test does it)."""

from __future__ import annotations

import asyncio
import json

import httpx
import jsonschema_rs
import pytest
from httpx_sse import aconnect_sse
from nacl.signing import SigningKey

from peertui_wire.auth import origin_of, sign_request

from .groupkit import GroupKit

pytestmark = pytest.mark.timeout(60)


def json_schema(openapi_schema):
    """OpenAPI 3.0's `nullable` as JSON Schema: null or the schema."""
    if isinstance(openapi_schema, dict):
        converted = {k: json_schema(v) for k, v in openapi_schema.items() if k != "nullable"}
        if openapi_schema.get("nullable"):
            return {"anyOf": [converted, {"type": "null"}]}
        return converted
    if isinstance(openapi_schema, list):
        return [json_schema(item) for item in openapi_schema]
    return openapi_schema


async def test_every_frame_and_the_log_match_the_documented_schemas(relay_factory):
    relay = relay_factory("--keepalive-seconds", "0.3")
    document = httpx.get(relay.url + "/v1/openapi.json").json()
    stream_doc = document["paths"]["/v1/groups/{gid}/events"]["get"]["responses"]["200"]
    event_schema = jsonschema_rs.validator_for(stream_doc["x-peertui-event-data"])
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()  # its admitted request is deleted with its event
    waiting = kit.client_for(SigningKey.generate())  # so one join request stays pending
    await waiting.request_join(kit.group_id, await kit.invite(uses=1), kit.sealed())
    await member.client.post_message(kit.group_id, b"hello", idempotency_key="abcdefgh12")
    await member.client.send_direct(kit.group_id, kit.owner.public, b"just for you")
    path = f"/v1/groups/{kit.group_id}/events?since=0"
    headers = sign_request(kit.owner.key, "GET", path, b"", origin=origin_of(relay.url))
    frames = []
    async with (
        httpx.AsyncClient(base_url=relay.url, timeout=10) as http,
        aconnect_sse(http, "GET", path, headers=headers) as source,
    ):
        assert source.response.headers["X-Peertui-Epoch"]
        assert int(source.response.headers["X-Peertui-Last-Seq"]) >= 5
        assert float(source.response.headers["X-Peertui-Keepalive"]) == 0.3

        async def read() -> None:
            async for sse in source.aiter_sse():
                if sse.data:
                    frames.append((sse.event, json.loads(sse.data)))
                if len(frames) >= 5:
                    return

        await asyncio.wait_for(read(), 10)
    assert {kind for kind, _ in frames} == {"roster", "join_request", "message", "direct"}
    for _kind, data in frames:
        assert event_schema.is_valid(data), data
    log_doc = document["paths"]["/v1/groups/{gid}/log"]["get"]["responses"]["200"]
    log_schema = jsonschema_rs.validator_for(
        json_schema(log_doc["content"]["application/json"]["schema"])
    )
    path = f"/v1/groups/{kit.group_id}/log?since=0"
    headers = sign_request(kit.owner.key, "GET", path, b"", origin=origin_of(relay.url))
    answer = httpx.get(relay.url + path, headers=headers).json()
    assert log_schema.is_valid(answer), answer
    await waiting.aclose()
    await kit.close()
