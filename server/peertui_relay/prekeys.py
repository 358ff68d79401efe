"""Protocol-v2 routes: signed prekeys and acknowledged direct deliveries.

Prekeys are what members seal session shares and direct payloads to (docs/PROTOCOL.md §4, §8).
The relay checks each one is signed by the key that uploads it and never goes backwards, but
clients verify them again: the relay is not trusted for them. A direct delivery is deleted as
soon as its recipient acknowledges it, so a later theft of the recipient's keys finds nothing
retained here to open.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from peertui_relay.errors import ApiError, invalid
from peertui_relay.fields import b64_field, int_list, json_object, require_member
from peertui_relay.relay import now_ms
from peertui_relay.storage import VISIBLE_TO_ALL, VISIBLE_TO_MODS
from peertui_wire.crypto_errors import CryptoError
from peertui_wire.encoding import b64e
from peertui_wire.prekeys import PrekeyBundle
from peertui_wire.protocol import PROTOCOL_VERSION

if TYPE_CHECKING:
    from peertui_relay.relay import Relay

MAX_ACKS = 500
Append = Callable[[Any, str, bytes, int, dict[str, Any], str, bytes], Awaitable[tuple[int, bool]]]


def require_version(blob: bytes, field: str) -> None:
    """Refuse a protocol-1 (or unknown) blob with a sentence saying what to do."""
    if not blob or blob[0] != PROTOCOL_VERSION:
        found = blob[0] if blob else "no"
        raise ApiError(
            400,
            "protocol_version",
            f"The {field} uses protocol version {found}; this relay speaks protocol "
            f"{PROTOCOL_VERSION}. Update peertui.",
        )


def prekey_routes(relay: Relay, append: Append) -> list[Route]:
    async def put_prekey(request: Request) -> Response:
        key, body = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        raw = b64_field(json_object(body), "prekey", max_bytes=1024)
        if raw is None:  # required fields never come back empty; this keeps the type exact
            raise invalid("prekey", "The field 'prekey' is required.")
        require_version(raw, "prekey")
        member = group.state.is_member(key)
        if not member:
            record = await relay.db(relay.log.join_request_for, group.group_id, key)
            # An admission deletes the request in the same transaction that stores the roster
            # event, but this process's roster state takes the member only once that storage
            # call has come back to the loop: a prekey arriving in between found neither. The
            # lookup above waited behind that commit, so the roster is asked again after it.
            member = group.state.is_member(key)
            if not member and (record is None or record.status != "pending"):
                raise ApiError(
                    403, "not_member", "Only members and pending requesters may publish a prekey."
                )
        try:
            bundle = PrekeyBundle.from_bytes(raw, group.group_id)
        except CryptoError as exc:
            raise invalid("prekey", f"The prekey was refused: {exc}.") from None
        if bundle.owner != key:
            raise invalid("prekey", "A prekey must be published by the key that signed it.")
        stored = await relay.db(
            relay.log.put_prekey, group.group_id, key, bundle.prekey_id, b64e(raw)
        )
        if not stored:
            raise ApiError(
                409, "prekey_not_newer", "A prekey with this id or a newer one is already held."
            )
        seq, _ = await append(
            group,
            "prekey",
            key,
            now_ms(),
            {"prekey": b64e(raw)},
            VISIBLE_TO_ALL if member else VISIBLE_TO_MODS,
            b"",
        )
        return JSONResponse({"seq": seq, "prekey_id": bundle.prekey_id}, status_code=201)

    async def get_prekeys(request: Request) -> Response:
        key, _ = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        require_member(group, key)
        return JSONResponse({"prekeys": await relay.db(relay.log.prekeys, group.group_id)})

    async def ack_directs(request: Request) -> Response:
        key, body = await relay.authenticate(request)
        group = await relay.group(request.path_params["gid"])
        seqs = int_list(json_object(body), "seqs", MAX_ACKS)
        deleted = await relay.db(relay.log.ack_directs, group.group_id, key, seqs)
        return JSONResponse({"deleted": deleted})

    return [
        Route("/v1/groups/{gid}/prekey", put_prekey, methods=["PUT"]),
        Route("/v1/groups/{gid}/prekeys", get_prekeys, methods=["GET"]),
        Route("/v1/groups/{gid}/direct/ack", ack_directs, methods=["POST"]),
    ]
