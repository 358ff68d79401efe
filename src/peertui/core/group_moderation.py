"""Moderation, for a group membership (`peertui.core.group.GroupSession`): signed roster
events, admissions and welcomes, reports, warnings, guidelines, invite keys and join
requests."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from peertui.core import joinbox, payloads
from peertui.core.crypto import PrekeyBundle
from peertui.core.errors import (
    MemberWithoutKey,
    NotAllowed,
    NotFound,
    RelayAction,
    RelayFailed,
    RelayProblem,
    Why,
    refused,
)
from peertui.core.group_joining import GroupJoining
from peertui.core.group_sending import _NoPrekey
from peertui.core.group_state import now_ms
from peertui.core.models import (
    ACTIVE,
    Member,
)
from peertui.core.moderation import guidelines_commitment, resolve_member
from peertui.core.relay_client import (
    RelayError,
    RelayRefused,
)
from peertui.core.store import Message
from peertui_wire.encoding import EncodingError, b64d, b64e
from peertui_wire.roster import MEMBER, RosterError, RosterState, make_event


class GroupModeration(GroupJoining):
    # ----- moderation --------------------------------------------------------------------
    def require_moderator(self) -> None:
        if self.status != ACTIVE or self.roster is None or not self.roster.is_moderator(self.me):
            raise refused(NotAllowed, Why.NOT_A_MODERATOR)

    async def moderate(
        self,
        kind: str,
        *,
        target: bytes = b"",
        role: str = "",
        until: int = 0,
        value: int | str = 0,
        reason: str = "",
    ) -> dict[str, Any]:
        """Sign a roster event, publish its reason to members first, then post it to the relay."""
        async with self._roster_lock:
            for _attempt in range(3):
                assert self.roster is not None
                event = make_event(
                    self.identity.signing_key,
                    self.roster,
                    kind,
                    target=target,
                    role=role,
                    until=until,
                    value=value,
                )
                try:
                    check = RosterState.replay(self.state["roster"], self.group_id)
                    check.apply(event)
                except RosterError as exc:
                    # The roster's own reason (English, as the relay says it too).
                    raise refused(NotAllowed, Why.ACTION_NOT_ALLOWED, exc=str(exc)) from None
                if reason:
                    await self._post_group_payload(
                        payloads.encode("modnote", index=event["index"], reason=reason)
                    )
                    self.state["modnotes"][str(event["index"])] = reason
                try:
                    await self.client.post_roster(self.group_id, event)
                except RelayRefused as exc:
                    if exc.status == 409:
                        for missing in (await self.client.get_roster(self.group_id))[
                            self.roster.next_index :
                        ]:
                            await self._apply_roster(missing)
                        continue
                    raise RelayFailed(RelayAction.OTHER, exc) from None
                await self._apply_roster(event)
                return event
        raise refused(RelayProblem, Why.ROSTER_KEPT_CHANGING)

    async def admit(self, request: dict[str, Any]) -> None:
        key = b64d(request["key"])
        # Known before the admit is announced, so the log line names them, not their key.
        self._remember_profile(
            request["key"],
            nick=request["nick"],
            pronouns=request["pronouns"],
            intro=request["intro"],
        )
        await self.moderate("admit", target=key, role=MEMBER)
        try:
            await self._send_direct(key, self._welcome())
        except _NoPrekey:
            # Admitted before their prekey reached the relay (a host who approves at once can
            # beat the requester's publish): the welcome is owed and goes out when their
            # prekey arrives (_on_prekey), or the newcomer would be a member never told so.
            owed = self.state.setdefault("owed_welcomes", [])
            if request["key"] not in owed:
                owed.append(request["key"])
            self.save()
        # Everyone else learns the newcomer's name now, so the admit reads the same everywhere.
        await self._post_group_payload(
            payloads.encode(
                "introduce",
                key=request["key"],
                nick=request["nick"],
                pronouns=request["pronouns"],
                intro=request["intro"],
            )
        )

    def _welcome(self) -> bytes:
        """What a newcomer is told on admission: the group's name, guidelines and members."""
        profiles = dict(self.state["profiles"])
        profiles[b64e(self.me)] = {
            "nick": self.state["nick"],
            "pronouns": self.state["pronouns"],
            "intro": self.state["intro"],
        }
        return payloads.encode_padded(
            "welcome",
            name=self.state["name"],
            guidelines=self.state["guidelines"],
            guidelines_key=self.state.get("guidelines_key", ""),
            profiles=profiles,
            modnotes=self.state["modnotes"],
            language=self.state.get("language", ""),
        )

    async def _pay_owed_welcome(self, bundle: PrekeyBundle) -> None:
        """Send the welcome owed to a member admitted before their prekey was known."""
        owed = self.state.get("owed_welcomes", [])
        key = b64e(bundle.owner)
        if key not in owed:
            return
        if self.roster is None or not self.roster.is_member(bundle.owner):
            owed.remove(key)  # removed (or never admitted after all): nobody to welcome
            self.save()
            return
        await self._send_direct(bundle.owner, self._welcome(), prekey=bundle)
        owed.remove(key)
        self.save()

    async def report(self, message: Message, reason: str, context: list[str]) -> None:
        assert self.roster is not None
        moderators = [k for k in self.roster.moderators() if k != self.me]
        if not moderators:
            raise refused(NotAllowed, Why.NO_MODERATOR_FOR_REPORT)
        body = payloads.encode(
            "report",
            report_id=uuid.uuid4().hex,
            msg_id=message.msg_id,
            reported=message.sender,
            nick=message.nick,
            text=message.text,
            context=context,
            reason=reason,
        )
        try:
            for key in moderators:
                await self._send_direct(key, body)
        except _NoPrekey as exc:
            raise MemberWithoutKey(self.nick_of(exc.key)) from None

    async def warn_privately(self, target: bytes, reason: str) -> None:
        try:
            await self._send_direct(target, payloads.encode("warn", reason=reason))
        except _NoPrekey as exc:
            raise MemberWithoutKey(self.nick_of(exc.key)) from None

    def _welcome_guidelines_match(self, text: str, key_b64: str) -> bool:
        signed = self.roster.guidelines_hash if self.roster is not None else ""
        try:
            key = b64d(key_b64, length=32)
        except EncodingError:
            return False
        return not signed or guidelines_commitment(text, key) == signed

    def propose_guidelines(self, text: str, key: bytes) -> None:
        """Remember guidelines until a signed roster event names their commitment."""
        self.state.setdefault("proposed_guidelines", {})[guidelines_commitment(text, key)] = {
            "text": text,  # committed to as sent; cleaned when shown
            "key": b64e(key),
        }
        self.save()

    async def share_invite_key(self, keys: joinbox.InviteKeys) -> None:
        self.state["invite_keys"].append(keys.to_state())
        self.save()
        assert self.roster is not None
        for key in self.roster.moderators():
            if key != self.me:
                await self._send_direct(key, keys.payload())

    def live_invite_keys(self) -> list[joinbox.InviteKeys]:
        """The keys of invites that have not expired; expired ones are forgotten, so a later
        theft of this device opens none of their (already deleted) join requests."""
        held = [joinbox.InviteKeys.from_fields(k) for k in self.state.get("invite_keys", [])]
        live = [k for k in held if k.expires > now_ms()]
        if len(live) != len(held):
            self.state["invite_keys"] = [k.to_state() for k in live]
            self.save()
        return live

    async def post_payload(self, plaintext: bytes) -> None:
        try:
            await self._post_group_payload(plaintext)
        except RelayRefused as exc:
            raise RelayFailed(RelayAction.OTHER, exc) from None

    async def ensure_still_pending(self, request: dict[str, Any]) -> None:
        """Another moderator may have answered meanwhile; the relay knows."""
        try:
            pending = {r["request_id"] for r in await self.client.join_requests(self.group_id)}
        except RelayError as exc:
            raise RelayFailed(RelayAction.CHECK_REQUEST, exc) from None
        if request["request_id"] not in pending:
            self.state["join_requests"].pop(request["request_id"], None)
            self.save()
            raise refused(NotAllowed, Why.REQUEST_ALREADY_ANSWERED, nick=request["nick"])

    async def tell_moderators(self, inner: bytes) -> None:
        assert self.roster is not None
        for key in self.roster.moderators():
            if key != self.me:
                with contextlib.suppress(RelayError):
                    await self._send_direct(key, inner)

    def find_request(self, who: str) -> dict[str, Any]:
        requests = list(self.state["join_requests"].values())
        if not requests:
            raise refused(NotFound, Why.NO_JOIN_REQUESTS)
        fake_members = [
            Member(key=r["key"], member_id=r["member_id"], nick=r["nick"], role="")
            for r in requests
        ]
        try:
            chosen = resolve_member(fake_members, who)
        except NotFound as missing:
            if getattr(missing, "why", None) is not Why.NO_MEMBER_CALLED:
                raise
            # Said of the requests, not of the members: /members does not list them.
            raise refused(NotFound, Why.NO_REQUEST_FROM, who=who) from None
        return next(r for r in requests if r["key"] == chosen.key)
