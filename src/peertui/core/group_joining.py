"""Joining, for a group membership (`peertui.core.group.GroupSession`): waiting for a
moderator's answer, then becoming an active member."""

from __future__ import annotations

import asyncio
import contextlib

from peertui.core import joinbox, payloads
from peertui.core.events import JoinDenied
from peertui.core.group_sending import GroupSending
from peertui.core.models import (
    ACTIVE,
    BANNED,
    CONNECTED,
    DENIED,
    OFFLINE,
)
from peertui.core.relay_client import (
    RelayError,
    RelayRefused,
    RelayUnavailable,
)
from peertui_wire.encoding import b64d
from peertui_wire.roster import RosterState

MEMBERSHIP_POLL_SECONDS = (0.3, 0.6, 1.2, 2.5, 5.0)


class GroupJoining(GroupSending):
    # ----- joining -----------------------------------------------------------------------
    async def _wait_for_admission(self) -> bool:
        attempt = 0
        while True:
            try:
                info = await self.client.membership(self.group_id)
                self._set_connection(CONNECTED)
            except RelayUnavailable as exc:
                self._set_connection(OFFLINE, exc)
                info = {"status": "pending"}
            status = info.get("status")
            if status == "pending" and self.state.get("prekey_unpublished"):
                # The join's own publish was refused (engine.join): a moderator can only
                # admit me with a prekey to seal the welcome to, so it goes out while I wait.
                with contextlib.suppress(RelayError):
                    await self.publish_prekey()
            if status == "member":
                await self._activate()
                return True
            if status in ("expired", "unknown"):
                # The relay deletes a request with its invite ("unknown" once it is purged):
                # nobody can answer it any more, so waiting on would be waiting for nothing.
                self.state["status"] = DENIED
                self.save()
                self._emit(
                    JoinDenied(
                        self.group_id,
                        "the invite expired before a moderator answered (the relay no longer "
                        "has the request); ask for a new invite",
                    )
                )
                return False
            if status in ("denied", "banned", "removed"):
                reason = ""
                sealed = info.get("sealed_reason")
                if sealed and self.state.get("joining_reply"):
                    opened = joinbox.open_reply(
                        b64d(self.state["joining_reply"]), self.group_id, b64d(sealed)
                    )
                    if opened:
                        with contextlib.suppress(payloads.BadPayload):
                            reason = payloads.safe_line(
                                payloads.parse(opened, {"deny"})["reason"], 300
                            )
                self.state["status"] = DENIED if status == "denied" else BANNED
                self.save()
                self._emit(JoinDenied(self.group_id, reason))
                return False
            await asyncio.sleep(
                MEMBERSHIP_POLL_SECONDS[min(attempt, len(MEMBERSHIP_POLL_SECONDS) - 1)]
            )
            attempt += 1

    async def _activate(self) -> None:
        events = await self.client.get_roster(self.group_id)
        owner = b64d(self.state["owner_key"])
        self.roster = RosterState.replay(events, self.group_id, expected_owner=owner)
        self.state["roster"] = events
        self.state["status"] = ACTIVE
        self.save()
        await self._share_with(self._others())
        await self._post_profile()

    async def _post_profile(self) -> None:
        """Tell the group who I am; in a read-only group (or while muted) that waits.

        The relay cannot tell a profile from a chat message, so it refuses both while only
        moderators may post. Admission must not fail on that: the profile is owed and sent
        when read-only is turned off.
        """
        try:
            await self._post_group_payload(
                payloads.encode(
                    "profile",
                    nick=self.state["nick"],
                    pronouns=self.state["pronouns"],
                    intro=self.state["intro"],
                )
            )
        except RelayRefused as exc:
            if exc.code not in ("read_only", "muted"):
                raise
            self.state["profile_owed"] = True
        else:
            self.state.pop("profile_owed", None)
        self.save()
