"""Reading a request's JSON body and fields, and the checks of who may do what: each refusal an
`ApiError` whose message says which field or rule, so a client can show it."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from peertui_relay.errors import ApiError, invalid
from peertui_relay.hub import Group
from peertui_wire.encoding import EncodingError, b64d, b64u_size


def json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "malformed_json", "The request body is not valid JSON.") from None
    except RecursionError:
        raise ApiError(400, "malformed_json", "The request body is nested too deeply.") from None
    if not isinstance(value, dict):
        raise ApiError(
            422, "invalid_field", "The request body must be a JSON object.", field="body"
        )
    return value


def b64_field(
    obj: dict[str, Any], name: str, *, length: int | None = None, max_bytes: int | None = None
) -> bytes:
    if name not in obj:
        raise invalid(name, f"The field '{name}' is required.")
    try:
        data = b64d(obj[name], length=length, field=name)
    except EncodingError as exc:
        raise invalid(name, f"The field '{name}' is wrong: {exc}.") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise invalid(name, f"The field '{name}' is larger than {max_bytes // 1024} KiB.")
    return data


def optional_b64_field(obj: dict[str, Any], name: str, *, length: int) -> bytes | None:
    """`b64_field` for a field a request may leave out (None when it does)."""
    return b64_field(obj, name, length=length) if name in obj else None


def b64_text_field(obj: dict[str, Any], name: str, *, max_bytes: int) -> str:
    """`b64_field` for a value kept as its text: checked canonical, never decoded."""
    if name not in obj:
        raise invalid(name, f"The field '{name}' is required.")
    try:
        size = b64u_size(obj[name], field=name)
    except EncodingError as exc:
        raise invalid(name, f"The field '{name}' is wrong: {exc}.") from None
    if size > max_bytes:
        raise invalid(name, f"The field '{name}' is larger than {max_bytes // 1024} KiB.")
    return obj[name]


def int_field(
    obj: dict[str, Any], name: str, low: int, high: int, *, required: bool = True
) -> int | None:
    if name not in obj and not required:
        return None
    value = obj.get(name)
    if type(value) is not int or not low <= value <= high:
        raise invalid(name, f"The field '{name}' must be a whole number from {low} to {high}.")
    return value


def int_list(obj: dict[str, Any], name: str, most: int) -> list[int]:
    value = obj.get(name)
    if (
        not isinstance(value, list)
        or len(value) > most
        or not all(type(v) is int and 0 < v < 2**63 for v in value)
    ):
        raise invalid(
            name, f"The field {name!r} must be a list of at most {most} positive integers."
        )
    return value


def int_param(text: str | None, name: str) -> int:
    if text is None or text == "":
        return 0
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise invalid(name, f"'{name}' must be a non-negative whole number.")
    return int(text)


_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


def idempotency_key(obj: dict[str, Any]) -> str:
    value = obj.get("idempotency_key")
    if value is None:
        return ""
    if not isinstance(value, str) or not _IDEMPOTENCY_KEY.fullmatch(value):
        raise invalid(
            "idempotency_key",
            "The field 'idempotency_key' must be 8 to 64 letters, digits, '-' or '_'.",
        )
    return value


def require_member(group: Group, key: bytes) -> None:
    if key in group.state.banned:
        raise ApiError(403, "banned", "This key is banned from this group.")
    if not group.state.is_member(key):
        raise ApiError(
            403, "not_member", "This key is not a member of this group; ask the host for an invite."
        )


def require_moderator(group: Group, key: bytes) -> None:
    require_member(group, key)
    if not group.state.is_moderator(key):
        raise ApiError(
            403, "not_moderator", "Only the owner or a moderator of this group can do this."
        )


def require_may_post(group: Group, key: bytes, now: int) -> None:
    require_member(group, key)
    state = group.state
    if state.is_muted(key, now):
        until = state.muted_until[key]
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(until / 1000))
        raise ApiError(
            403, "muted", f"You were muted by the moderators until {when}.", extra={"until": until}
        )
    if state.readonly and not state.is_moderator(key):
        raise ApiError(
            403, "read_only", "The group is read-only for now: only moderators may post."
        )
