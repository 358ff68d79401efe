"""An answer of known length goes out in one write (head and body together); everything a
client can see of the HTTP exchange stays as it was: HEAD, `100 Continue`, keep-alive, error
answers and event streams whose head must not wait for their first event."""

from __future__ import annotations

import json
import socket

import pytest
from nacl.signing import SigningKey

from peertui_relay.serving import _HeadWithBody
from peertui_wire.auth import origin_of, sign_request
from peertui_wire.encoding import b64e

from .groupkit import GroupKit

pytestmark = pytest.mark.timeout(60)

HEAD = b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n"


class _Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> str:
        return f"extra:{name}"


def test_a_head_of_known_length_is_written_with_its_body():
    transport = _Transport()
    wrapped = _HeadWithBody(transport)  # type: ignore[arg-type]
    wrapped.write(HEAD)
    assert transport.writes == []
    wrapped.write(b"{}")
    assert transport.writes == [HEAD + b"{}"]
    assert wrapped.get_extra_info("peername") == "extra:peername"  # the rest passes through


def test_a_stream_head_and_100_continue_go_out_at_once_and_a_close_flushes():
    transport = _Transport()
    stream = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    wrapped = _HeadWithBody(transport)  # type: ignore[arg-type]
    wrapped.write(stream)
    wrapped.write(b"5\r\nhello\r\n")
    assert transport.writes == [stream, b"5\r\nhello\r\n"]

    transport = _Transport()
    wrapped = _HeadWithBody(transport)  # type: ignore[arg-type]
    wrapped.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    wrapped.write(HEAD)
    wrapped.write(b"")  # an empty body still sends the head
    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n", HEAD]

    transport = _Transport()
    wrapped = _HeadWithBody(transport)  # type: ignore[arg-type]
    wrapped.write(HEAD)
    wrapped.close()  # the app failed after its head: the head is not lost
    assert transport.writes == [HEAD] and transport.closed


def _read_answer(sock: socket.socket, buffered: bytes, *, head_only: bool = False):
    """(status, headers, body, what is left) of one answer read from `sock`."""
    data = buffered
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed mid-head: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    if head_only or status == 100:
        return status, headers, b"", rest
    length = int(headers["content-length"])
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed mid-body"
        rest += chunk
    return status, headers, rest[:length], rest[length:]


def test_answers_on_one_keep_alive_connection_are_whole_and_in_order(relay):
    host, port = relay.url.removeprefix("http://").split(":")
    key = SigningKey.generate()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        # Health (Starlette), HEAD of it (no body), a post the front door refuses (401, with
        # `Expect: 100-continue`), a 404, then health again: each answer whole, none mixed up.
        body = json.dumps({"envelope": b64e(b"x" * 64)}).encode()
        path = "/v1/groups/nosuchgroup/messages"
        signed = sign_request(key, "POST", path, body, origin=origin_of(relay.url))
        post = (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\ncontent-type: application/json\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in signed.items())
            + f"expect: 100-continue\r\ncontent-length: {len(body)}\r\n\r\n"
        ).encode()
        health = f"GET /v1/health HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
        head = f"HEAD /v1/health HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
        missing = f"GET /v1/nothing-here HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()

        sock.sendall(health)
        status, headers, answer, left = _read_answer(sock, b"")
        assert status == 200 and json.loads(answer)["status"] == "ok" and left == b""

        sock.sendall(head)
        status, headers, answer, left = _read_answer(sock, b"", head_only=True)
        assert status in (200, 405) and left == b""

        sock.sendall(post)
        status, _, _, left = _read_answer(sock, b"")
        if status == 100:  # the client may now send the body
            sock.sendall(body)
            status, headers, answer, left = _read_answer(sock, left)
        else:
            sock.sendall(body)
            _, headers, answer, left = _read_answer(sock, b"", head_only=True)
        assert status in (401, 404) and json.loads(answer)["error"]["code"]

        sock.sendall(missing + health)
        status, _, answer, left = _read_answer(sock, b"")
        assert status == 404
        status, _, answer, left = _read_answer(sock, left)
        assert status == 200 and json.loads(answer)["status"] == "ok" and left == b""


async def test_an_event_stream_head_arrives_before_any_event(relay):
    kit = await GroupKit.create(relay.url)
    host, port = relay.url.removeprefix("http://").split(":")
    path = f"/v1/groups/{kit.group_id}/events"
    headers = sign_request(kit.owner.key, "GET", path, b"", origin=origin_of(relay.url))
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        + "\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        status, stream_headers, _, _ = _read_answer(sock, b"", head_only=True)
        assert status == 200
        assert stream_headers["content-type"].startswith("text/event-stream")
