"""The engine's moderation: join requests, roster actions (warn, mute, remove, ban, roles,
slow mode, read-only), guidelines, the group's language, invites cancelled, reports and the log.
Every action is a signed roster event the members see in the moderation log."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import nacl.utils

from peertui.core import joinbox, payloads
from peertui.core.engine_base import EngineBase
from peertui.core.errors import (
    InvalidInput,
    NotFound,
    NotOnYourself,
    RelayAction,
    RelayFailed,
    Why,
    refused,
)
from peertui.core.models import (
    JoinRequest,
    Member,
    ModLogEntry,
    Report,
)
from peertui.core.moderation import (
    GUIDELINES_KEY_BYTES,
    guidelines_commitment,
    parse_minutes,
    resolve_member,
)
from peertui.core.relay_client import RelayError, RelayRefused
from peertui_wire.encoding import b64d, b64e
from peertui_wire.ids import invite_secret_hash
from peertui_wire.roster import MEMBER, MODERATOR

# What a moderator cannot do to themselves (the signed roster refuses it too).
_NOT_ON_SELF = frozenset({"warn", "mute", "remove", "ban"})


class EngineModeration(EngineBase):
    """What moderators do, checked here first (a moderator, an active group, not on
    themselves) and then signed into the group's roster by its session."""

    def pending_requests(self, group_id: str) -> list[JoinRequest]:
        return self._session(group_id).pending_requests()

    async def approve(self, group_id: str, who: str) -> Member:
        session = self._active(group_id)
        session.require_moderator()
        request = session.find_request(who)
        await session.ensure_still_pending(request)
        await session.admit(request)
        return next(m for m in session.members() if m.key == request["key"])

    async def deny(self, group_id: str, who: str, reason: str = "") -> None:
        session = self._active(group_id)
        session.require_moderator()
        request = session.find_request(who)
        await session.ensure_still_pending(request)
        sealed = joinbox.seal_reply(
            b64d(request["reply"]),
            session.group_id,
            payloads.encode("deny", reason=payloads.safe_line(reason, 300)),
        )
        try:
            await session.client.deny_join(session.group_id, request["request_id"], sealed)
        except RelayError as exc:
            raise RelayFailed(RelayAction.DENY_REQUEST, exc) from None
        session.state["join_requests"].pop(request["request_id"], None)
        session.save()
        await session.tell_moderators(
            payloads.encode("request_closed", request_id=request["request_id"])
        )

    async def _act(
        self, group_id: str, kind: str, who: str = "", reason: str = "", **fields: Any
    ) -> Member | None:
        session = self._active(group_id)
        session.require_moderator()
        member = None
        if who:
            member = resolve_member(session.members(), who)
            self._refuse_self(kind, member)
            fields["target"] = b64d(member.key)
        await session.moderate(kind, reason=payloads.safe_line(reason, 300), **fields)
        return member

    def check_not_self(self, group_id: str, kind: str, who: str) -> None:
        """Refuse, in words, warning, muting, removing or banning oneself — before a front-end
        opens a form or asks a question for it (the roster would refuse it after)."""
        if kind not in _NOT_ON_SELF or not who.strip():
            return
        try:
            member = resolve_member(self._session(group_id).members(), who)
        except NotFound:
            return  # a name nobody has: the action itself says so
        self._refuse_self(kind, member)

    @staticmethod
    def _refuse_self(kind: str, member: Member) -> None:
        if kind in _NOT_ON_SELF and member.is_me:
            raise NotOnYourself(member.nick)

    async def warn(self, group_id: str, who: str, reason: str = "") -> None:
        """A private warning: the log shows that it happened; only the member reads why."""
        member = await self._act(group_id, "warn", who)
        assert member is not None
        await self._session(group_id).warn_privately(
            b64d(member.key), payloads.safe_line(reason, 300)
        )

    async def mute(
        self, group_id: str, who: str, minutes: int | str = 60, reason: str = ""
    ) -> None:
        try:
            minutes = parse_minutes(str(minutes))
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        until = int(time.time() * 1000) + minutes * 60_000
        await self._act(group_id, "mute", who, reason, until=until)

    async def unmute(self, group_id: str, who: str, reason: str = "") -> None:
        await self._act(group_id, "unmute", who, reason)

    async def remove(self, group_id: str, who: str, reason: str = "") -> None:
        await self._act(group_id, "remove", who, reason)

    async def ban(self, group_id: str, who: str, reason: str = "") -> bool:
        """Ban a member; someone who has only asked to join is denied and banned (what a host
        typing /ban means: they must not get in). True when it was such a request."""
        session = self._active(group_id)
        session.require_moderator()
        try:
            resolve_member(session.members(), who)
        except NotFound:
            request = None
            if session.state["join_requests"]:
                with contextlib.suppress(NotFound):
                    request = session.find_request(who)
            if request is None and self._left_or_removed(group_id, who):
                # A ban names a key; someone removed who asks again comes with a fresh one,
                # so say what does stop them rather than "nobody called".
                raise refused(NotFound, Why.NO_LONGER_IN_GROUP, who=who) from None
            if request is None and not session.state["join_requests"]:
                raise
            if request is None:
                raise refused(NotFound, Why.NOBODY_CALLED, who=who) from None
            await self.deny(group_id, who, reason)
            await session.moderate(
                "ban", reason=payloads.safe_line(reason, 300), target=b64d(request["key"])
            )
            return True
        await self._act(group_id, "ban", who, reason)
        return False

    def _left_or_removed(self, group_id: str, who: str) -> bool:
        """Whether the log shows someone of this name removed from the group or leaving it."""
        name = who.strip().lstrip("@").casefold()
        return any(
            entry.action in ("remove", "leave") and entry.target_nick.casefold() == name
            for entry in self.modlog(group_id)
        )

    async def delete_message(self, group_id: str, msg_id: str, reason: str = "") -> None:
        message = self.message(group_id, msg_id)
        if message.seq <= 0:
            raise refused(InvalidInput, Why.MESSAGE_NOT_ON_RELAY_YET)
        envelope = message.extra.get("env", "")
        if not envelope:
            raise refused(InvalidInput, Why.MESSAGE_TOO_OLD_TO_REMOVE)
        # Named by its envelope id end to end: a relay that renumbers messages cannot redirect it.
        await self._act(group_id, "delete", reason=reason, value=envelope)

    async def set_slowmode(self, group_id: str, seconds: int) -> None:
        await self._act(group_id, "slowmode", value=int(seconds))

    async def revoke_invites(self, group_id: str) -> int:
        """Cancel every open invite of the group, e.g. after a ban, so nobody can ask again."""
        session = self._active(group_id)
        session.require_moderator()
        secrets = [keys.secret for keys in session.live_invite_keys()]
        for secret in secrets:
            try:
                await session.client.revoke_invite(
                    session.group_id, invite_secret_hash(b64d(secret))
                )
            except RelayRefused as exc:
                if exc.status != 404:  # already expired or used up: nothing to cancel
                    raise RelayFailed(RelayAction.CANCEL_INVITE, exc) from None
            except RelayError as exc:
                raise RelayFailed(RelayAction.CANCEL_INVITE, exc) from None
        return len(secrets)

    async def set_guidelines(self, group_id: str, text: str) -> None:
        """New guidelines: every member sees them again and accepts before posting."""
        session = self._active(group_id)
        session.require_moderator()
        text = text.strip() + "\n"
        if len(text) > 8000:
            raise refused(InvalidInput, Why.GUIDELINES_TOO_LONG)
        key = nacl.utils.random(GUIDELINES_KEY_BYTES)
        await session.post_payload(payloads.encode("guidelines", text=text, key=b64e(key)))
        session.propose_guidelines(text, key)
        await self._act(group_id, "guidelines", value=guidelines_commitment(text, key))
        self.accept_guidelines(group_id)

    async def set_group_language(self, group_id: str, language: str) -> str:
        """Declare the group's language ("es", "pt_BR"; "" takes the declaration away): sent to
        the members end-to-end encrypted, like the guidelines, and to newcomers in their
        welcome. Returns the tag as kept."""
        session = self._active(group_id)
        session.require_moderator()
        tag = payloads.language_tag(language.strip()) if language.strip() else ""
        if language.strip() and not tag:
            raise refused(InvalidInput, Why.NOT_A_LANGUAGE, value=language.strip())
        await session.post_payload(payloads.encode("settings", language=tag))
        session.state["language"] = tag
        session.save()
        return tag

    async def set_readonly(self, group_id: str, on: bool) -> None:
        await self._act(group_id, "readonly", value=1 if on else 0)

    async def promote(self, group_id: str, who: str) -> None:
        member = await self._act(group_id, "role", who, role=MODERATOR)
        assert member is not None
        session = self._session(group_id)
        # A new moderator gets the live invite keys so it can read join requests too.
        for keys in session.live_invite_keys():
            await session.send_direct_payload(b64d(member.key), keys.payload())

    async def demote(self, group_id: str, who: str) -> None:
        await self._act(group_id, "role", who, role=MEMBER)

    async def report(self, group_id: str, msg_id: str, reason: str) -> None:
        session = self._active(group_id)
        message = self.message(group_id, msg_id)
        if message.extra.get("key") == b64e(session.me):
            raise refused(InvalidInput, Why.REPORT_OWN_MESSAGE)
        if message.removed_reason is not None:
            raise refused(InvalidInput, Why.ALREADY_REMOVED, reason=message.removed_reason)
        earlier = [
            m for m in self.store.latest(session.group_id, 3, message.ts) if m.msg_id != msg_id
        ][-2:]
        context = [f"{m.nick}: {m.text}" for m in earlier]
        await session.report(message, payloads.safe_line(reason, 300), context)

    def reports(self, group_id: str) -> list[Report]:
        session = self._session(group_id)
        session.require_moderator()
        return session.reports()

    def dismiss_report(self, group_id: str, report_id: str) -> None:
        """A moderator has dealt with a report: it leaves this device's queue."""
        session = self._session(group_id)
        session.require_moderator()
        before = len(session.state["reports"])
        session.state["reports"] = [
            r for r in session.state["reports"] if r["report_id"] != report_id
        ]
        if len(session.state["reports"]) == before:
            raise refused(NotFound, Why.REPORT_NOT_IN_QUEUE)
        session.save()

    def my_warnings(self, group_id: str) -> list[tuple[int, str]]:
        """Warnings moderators sent to me in this group: (time in ms, reason); private to me."""
        return [(w["ts"], w["reason"]) for w in self._session(group_id).state.get("warnings", [])]

    def modlog(self, group_id: str) -> list[ModLogEntry]:
        return self._session(group_id).modlog()
