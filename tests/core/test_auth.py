"""Request signing: what the relay accepts and the sentence it gives for what it refuses."""

from __future__ import annotations

import pytest
from nacl.signing import SigningKey

from peertui_wire.auth import HEADER_TIME, AuthError, sign_request, verify_request


def test_signed_request_verifies_and_names_its_key():
    key = SigningKey.generate()
    headers = sign_request(key, "POST", "/v1/groups/x/messages", b'{"a":1}')
    public, nonce, _ts = verify_request(headers, "POST", "/v1/groups/x/messages", b'{"a":1}')
    assert public == bytes(key.verify_key) and nonce == headers["X-Peertui-Nonce"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/groups/x/messages", b'{"a":1}'),
        ("POST", "/v1/groups/y/messages", b'{"a":1}'),
        ("POST", "/v1/groups/x/messages", b'{"a":2}'),
    ],
)
def test_any_change_to_method_path_or_body_is_refused(method, path, body):
    headers = sign_request(SigningKey.generate(), "POST", "/v1/groups/x/messages", b'{"a":1}')
    with pytest.raises(AuthError, match="signature"):
        verify_request(headers, method, path, body)


@pytest.mark.parametrize("bad_time", ["²³", "-5", "12.5", "", "1" * 16, "１２３"])
def test_malformed_timestamps_are_refused_in_words(bad_time):
    headers = sign_request(SigningKey.generate(), "GET", "/v1/health")
    headers[HEADER_TIME] = bad_time
    with pytest.raises(AuthError):
        verify_request(headers, "GET", "/v1/health", b"")


def test_stale_request_is_refused():
    headers = sign_request(SigningKey.generate(), "GET", "/p", now_ms=1_000_000)
    with pytest.raises(AuthError, match="clock"):
        verify_request(headers, "GET", "/p", b"", now_ms=1_000_000 + 121_000)
