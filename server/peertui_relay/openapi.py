"""The relay's OpenAPI 3.0 document, written by hand to match `app.py` (served at /v1/openapi.json)."""

from __future__ import annotations

from typing import Any

from peertui_wire import roster

_B64 = {"type": "string", "pattern": "^[A-Za-z0-9_-]*$"}
# A 32-byte public key in unpadded base64url is exactly 43 characters.
_KEY = {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$", "minLength": 43, "maxLength": 43}
_EVENT = {
    "type": "object",
    "required": ["seq", "kind", "sender", "ts", "body"],
    "properties": {
        "seq": {"type": "integer", "minimum": 1},
        "kind": {"type": "string", "enum": ["roster", "message", "direct", "join_request"]},
        "sender": _KEY,
        "ts": {"type": "integer", "minimum": 0},
        "body": {"type": "object"},
    },
}
_GAP = {
    "type": "object",
    "required": ["requested", "first_available"],
    "properties": {
        "requested": {"type": "integer", "minimum": 0},
        "first_available": {"type": "integer", "minimum": 1},
    },
}
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string"},
                "retry_after": {"type": "integer"},
                "until": {"type": "integer"},
            },
        }
    },
}
_ROSTER_EVENT = {
    "type": "object",
    "required": sorted(roster.FIELDS),
    "properties": {
        "v": {"type": "integer"},
        "group": _B64,
        "index": {"type": "integer", "minimum": 0},
        "prev": {"type": "string"},
        "kind": {"type": "string"},
        "signer": _B64,
        "target": _B64,
        "role": {"type": "string"},
        "until": {"type": "integer"},
        "value": {},
        "ts": {"type": "integer"},
        "sig": _B64,
    },
}
_SIGNATURE_HEADERS = ["PeertuiKey", "PeertuiTime", "PeertuiNonce", "PeertuiSignature"]
_SIGNED: list[dict[str, list[str]]] = [{name: [] for name in _SIGNATURE_HEADERS}]


def _errors(*statuses: int) -> dict[str, Any]:
    return {
        str(s): {"description": "error", "content": {"application/json": {"schema": _ERROR}}}
        # Any request may meet a slow body (408), a busy or full store (503, 507).
        for s in (400, 401, 408, 413, 429, 503, 507, *statuses)
    }


def _json_body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _ok(status: int, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    if schema is None:
        return {str(status): {"description": "done"}}
    return {
        str(status): {"description": "done", "content": {"application/json": {"schema": schema}}}
    }


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query_int(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 0},
    }


def _op(
    summary: str,
    responses: dict[str, Any],
    *,
    body: dict[str, Any] | None = None,
    params: list[dict[str, Any]] | None = None,
    signed: bool = True,
    errors: tuple[int, ...] = (403, 404, 422),
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {**responses, **_errors(*errors)}}
    if body is not None:
        op["requestBody"] = body
    if params:
        op["parameters"] = params
    op["security"] = _SIGNED if signed else []
    return op


_GID = _path_param("gid")
_EVENT_LIST = {
    "type": "object",
    "properties": {"events": {"type": "array", "items": {"type": "object"}}},
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "peertui relay",
        "version": "1",
        "description": "Stores and forwards end-to-end encrypted group events.",
    },
    "components": {
        "securitySchemes": {
            "PeertuiKey": {"type": "apiKey", "in": "header", "name": "X-Peertui-Key"},
            "PeertuiTime": {"type": "apiKey", "in": "header", "name": "X-Peertui-Time"},
            "PeertuiNonce": {"type": "apiKey", "in": "header", "name": "X-Peertui-Nonce"},
            "PeertuiSignature": {"type": "apiKey", "in": "header", "name": "X-Peertui-Signature"},
        }
    },
    "paths": {
        "/v1/health": {
            "get": {
                "summary": "Health: 200 when the store answers and takes writes, else 503",
                "security": [],
                "responses": {
                    code: {
                        "description": what,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["status"],
                                    "properties": {
                                        "status": {"type": "string", "enum": ["ok", "unavailable"]},
                                        "reason": {"type": "string"},
                                    },
                                }
                            }
                        },
                    }
                    for code, what in (("200", "healthy"), ("503", "store unusable"))
                },
            }
        },
        "/v1/metrics": {
            "get": {
                "summary": "Prometheus metrics",
                "security": [],
                "description": "Only with `Authorization: Bearer <metrics_token>` or on the "
                "metrics port; otherwise 404.",
                "responses": {
                    "200": {
                        "description": "text exposition format",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    "404": {
                        "description": "metrics are not served to this request",
                        "content": {"application/json": {"schema": _ERROR}},
                    },
                },
            }
        },
        "/v1/openapi.json": {
            "get": _op("This document", _ok(200, {"type": "object"}), signed=False, errors=())
        },
        "/v1/groups": {
            "post": _op(
                "Register a group by its genesis roster event",
                _ok(
                    201,
                    {
                        "type": "object",
                        "properties": {"group_id": _B64, "seq": {"type": "integer"}},
                    },
                ),
                body=_json_body(
                    {
                        "type": "object",
                        "required": ["genesis"],
                        "properties": {
                            "genesis": _ROSTER_EVENT,
                            "retention_days": {"type": "integer", "minimum": 1},
                        },
                    }
                ),
                errors=(409, 422, 507),
            )
        },
        "/v1/groups/{gid}/roster": {
            "get": _op("The whole roster log", _ok(200, _EVENT_LIST), params=[_GID]),
            "post": _op(
                "Append a roster event",
                _ok(201, {"type": "object"}),
                params=[_GID],
                body=_json_body(
                    {
                        "type": "object",
                        "required": ["event"],
                        "properties": {"event": _ROSTER_EVENT},
                    }
                ),
                errors=(403, 404, 409, 422),
            ),
        },
        "/v1/groups/{gid}/invites": {
            "post": _op(
                "Register an invite by the hash of its secret",
                _ok(201, {"type": "object"}),
                params=[_GID],
                body=_json_body(
                    {
                        "type": "object",
                        "required": ["secret_hash", "expires_at", "uses"],
                        "properties": {
                            "secret_hash": _B64,
                            "expires_at": {"type": "integer"},
                            "uses": {"type": "integer", "minimum": 1, "maximum": 1000},
                        },
                    }
                ),
            )
        },
        "/v1/groups/{gid}/invites/{secret_hash}": {
            "delete": _op(
                "Revoke an invite",
                _ok(204),
                params=[_GID, _path_param("secret_hash")],
            )
        },
        "/v1/groups/{gid}/join-requests": {
            "post": _op(
                "Ask to join with an invite secret (sealed: exactly 4170 bytes, see PROTOCOL.md)",
                _ok(
                    202,
                    {
                        "type": "object",
                        "properties": {
                            "request_id": {"type": "string"},
                            "seq": {"type": "integer"},
                        },
                    },
                ),
                params=[_GID],
                body=_json_body(
                    {
                        "type": "object",
                        "required": ["invite_secret", "sealed"],
                        "properties": {"invite_secret": _B64, "sealed": _B64},
                    }
                ),
                errors=(403, 404, 409, 422),
            ),
            "get": _op(
                "Pending join requests (moderators)", _ok(200, {"type": "object"}), params=[_GID]
            ),
        },
        "/v1/groups/{gid}/join-requests/{rid}/deny": {
            "post": _op(
                "Deny a pending join request (the sealed request is deleted; a note with the "
                "reason sealed to the joiner stays until the invite expires, at most 7 days)",
                _ok(200, {"type": "object"}),
                params=[_GID, _path_param("rid")],
                body=_json_body(
                    {"type": "object", "properties": {"sealed_reason": _B64}}, required=False
                ),
            )
        },
        "/v1/groups/{gid}/membership": {
            "get": _op(
                "This key's standing in the group",
                _ok(
                    200,
                    {
                        "type": "object",
                        "properties": {
                            "status": {
                                "type": "string",
                                "enum": [
                                    "member",
                                    "pending",
                                    "denied",
                                    "removed",
                                    "banned",
                                    "expired",
                                    "unknown",
                                ],
                            },
                            "role": {"type": "string", "nullable": True},
                            "sealed_reason": {"type": "string", "nullable": True},
                        },
                    },
                ),
                params=[_GID],
            )
        },
        "/v1/groups/{gid}/sessions": {
            "post": _op(
                "Open a request session (PROTOCOL.md §11.1): signed, never MAC'd; later "
                "requests in this group may carry X-Peertui-Session and X-Peertui-Mac instead "
                "of X-Peertui-Signature",
                _ok(
                    201,
                    {
                        "type": "object",
                        "required": ["session_id", "relay_key", "expires_at", "max_requests"],
                        "properties": {
                            "session_id": _B64,
                            "relay_key": _KEY,
                            "expires_at": {"type": "integer"},
                            "max_requests": {"type": "integer", "minimum": 1},
                        },
                    },
                ),
                params=[_GID],
                body=_json_body(
                    {
                        "type": "object",
                        "required": ["client_key"],
                        "properties": {"client_key": _KEY},
                    }
                ),
            )
        },
        "/v1/groups/{gid}/messages": {
            "post": _op(
                "Post an encrypted envelope",
                {**_ok(201, {"type": "object"}), **_ok(200, {"type": "object"})},
                params=[_GID],
                body=_json_body(
                    {
                        "type": "object",
                        "required": ["envelope"],
                        "properties": {
                            # A 48 KiB envelope is 65,536 base64url characters.
                            "envelope": {**_B64, "maxLength": 65_536},
                            "idempotency_key": {
                                "type": "string",
                                "pattern": "^[A-Za-z0-9_-]{8,64}$",
                                "description": "The client's message id: a retry of a stored "
                                "post answers 200 with the original seq instead of a copy.",
                            },
                        },
                    }
                ),
                errors=(403, 404, 422, 507),
            )
        },
        "/v1/groups/{gid}/direct": {
            "post": _op(
                "Deliver a payload to one member",
                _ok(201, {"type": "object"}),
                params=[_GID],
                body=_json_body(
                    {
                        "type": "object",
                        "required": ["to", "payload"],
                        "properties": {"to": _KEY, "payload": {**_B64, "maxLength": 65_536}},
                    }
                ),
                errors=(403, 404, 422, 507),
            )
        },
        "/v1/groups/{gid}/direct/ack": {
            "post": _op(
                "Acknowledge direct deliveries: the relay deletes them (protocol v2)",
                _ok(200, {"type": "object"}),
                params=[_GID],
                body=_json_body(
                    {
                        "type": "object",
                        "required": ["seqs"],
                        "properties": {
                            "seqs": {
                                "type": "array",
                                "maxItems": 500,
                                "items": {"type": "integer", "minimum": 1},
                            }
                        },
                    }
                ),
                errors=(404, 422),
            )
        },
        "/v1/groups/{gid}/prekey": {
            "put": _op(
                "Publish my signed prekey (protocol v2, docs/PROTOCOL.md §4)",
                _ok(201, {"type": "object"}),
                params=[_GID],
                body=_json_body(
                    {"type": "object", "required": ["prekey"], "properties": {"prekey": _B64}}
                ),
                errors=(400, 403, 404, 409, 422),
            )
        },
        "/v1/groups/{gid}/prekeys": {
            "get": _op(
                "Every member's newest signed prekey",
                _ok(200, {"type": "object"}),
                params=[_GID],
                errors=(403, 404),
            )
        },
        "/v1/groups/{gid}/events": {
            "get": {
                "summary": "Server-Sent Events stream of the group's events",
                "parameters": [
                    _GID,
                    _query_int("since"),
                    {
                        "name": "Last-Event-ID",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string"},
                    },
                ],
                "security": _SIGNED,
                "responses": {
                    "200": {
                        "description": "event stream: frames `id: <seq>`, `event: <kind>` "
                        "(or `gap`), `data: <JSON>`; the data of each frame matches "
                        "`x-peertui-event-data` (an event) or, for `gap`, `x-peertui-gap-data`; "
                        "`: keepalive` comments every keepalive interval",
                        "headers": {
                            "X-Peertui-Epoch": {
                                "description": "the group log's epoch; changes on restore",
                                "schema": {"type": "string"},
                            },
                            "X-Peertui-Last-Seq": {
                                "description": "the newest seq stored when the stream opened",
                                "schema": {"type": "integer"},
                            },
                            "X-Peertui-Keepalive": {
                                "description": "seconds between keepalives",
                                "schema": {"type": "number"},
                            },
                        },
                        "content": {"text/event-stream": {"schema": {"type": "string"}}},
                        "x-peertui-event-data": _EVENT,
                        "x-peertui-gap-data": _GAP,
                    },
                    **_errors(403, 404, 422),
                },
            }
        },
        "/v1/groups/{gid}/log": {
            "get": _op(
                "Stored events after a position, as JSON",
                _ok(
                    200,
                    {
                        "type": "object",
                        "required": ["events", "gap", "last_seq", "epoch"],
                        "properties": {
                            "events": {"type": "array", "items": _EVENT, "maxItems": 500},
                            "gap": {**_GAP, "nullable": True},
                            "last_seq": {"type": "integer", "minimum": 0},
                            "epoch": {"type": "string"},
                        },
                    },
                ),
                params=[_GID, _query_int("since"), _query_int("limit")],
            )
        },
    },
}
