"""Sending, for a group membership (`peertui.core.group.GroupSession`): sessions and key
shares, direct deliveries, posts and their outbox, rate limits and slow mode."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from typing import Any

from peertui.core import payloads, receive_rules
from peertui.core.crypto import (
    OutboundSession,
    PrekeyBundle,
    envelope_id,
    seal,
    seal_share,
)
from peertui.core.errors import (
    GuidelinesNotAccepted,
    MemberWithoutKey,
    NotAllowed,
    RelayAction,
    RelayFailed,
    Why,
    refused,
)
from peertui.core.events import (
    MessageQueued,
    MessageReceived,
    MessageReturned,
    Notice,
    Said,
    SendingWaits,
)
from peertui.core.group_state import (
    GroupBase,
    _direct_context,
    now_ms,
)
from peertui.core.models import (
    ACTIVE,
    BANNED,
    CONNECTED,
    LEFT,
    OFFLINE,
    PENDING,
    REMOVED,
)
from peertui.core.moderation import guidelines_hash
from peertui.core.relay_client import (
    Posted,
    RateLimited,
    RelayBusy,
    RelayError,
    RelayRefused,
    RelayUnavailable,
    is_definite_refusal,
)
from peertui.core.store import Message
from peertui_wire.encoding import EncodingError, b64d, b64e

log = logging.getLogger(__name__)


# Why a member who is no longer active cannot post, per status (worded by ui.refusals).
_NO_LONGER_POST = {
    REMOVED: Why.NO_LONGER_POST_REMOVED,
    BANNED: Why.NO_LONGER_POST_BANNED,
    LEFT: Why.NO_LONGER_POST_LEFT,
}


class _NoPrekey(RelayRefused):
    """The member has published no prekey yet, so nothing can be sealed to them."""

    def __init__(self, key: bytes) -> None:
        super().__init__("the member has not published a key yet", code="no_prekey")
        self.key = key


class RosterBehind(RelayUnavailable):
    """Another member has applied roster events the relay does not show this device."""


@dataclasses.dataclass(frozen=True)
class _KeptEnvelope:
    """An envelope made for a post that has not been acknowledged yet, kept on disk so that
    every retry (after a 429, a timeout, a restart) sends these very bytes."""

    envelope: bytes
    counter: int | None  # the per-group counter sealed in it; None if kept by an older version

    @classmethod
    def read(cls, raw: Any) -> _KeptEnvelope | None:
        try:
            if isinstance(raw, str) and raw:  # kept before the counter was kept with it
                return cls(b64d(raw), None)
            if isinstance(raw, dict):
                counter = raw.get("counter")
                return cls(b64d(raw["envelope"]), counter if type(counter) is int else None)
        except (KeyError, TypeError, EncodingError):
            pass
        return None

    def to_json(self) -> dict[str, Any]:
        return {"envelope": b64e(self.envelope), "counter": self.counter}


class GroupSending(GroupBase):
    # ----- sending -----------------------------------------------------------------------
    def _others(self) -> list[bytes]:
        assert self.roster is not None
        return [k for k in self.roster.roles if k != self.me]

    def _sealed_to_stale_prekeys(self) -> bool:
        """A member published a newer prekey than the one my session was shared under."""
        shared = self.state.get("shared_prekeys", {})
        cache = self.state.get("prekeys", {})
        return any(
            PrekeyBundle.from_bytes(b64d(cache[key])).prekey_id > prekey_id
            for key, prekey_id in shared.items()
            if key in cache
        )

    async def _ensure_outbound(self) -> OutboundSession:
        """My current session, replaced at every rotation point (docs/PROTOCOL.md §9.4)."""
        await self._maintain_prekey()
        # Sharing awaits the relay; a roster change meanwhile (a removal, a new epoch) drops
        # the session just made (self.outbound = None): then a fresh one is made for the new
        # roster rather than handing back None.
        if (
            self.outbound is None
            or self.outbound.needs_rotation()
            or self.outbound.epoch != self.state["epoch"]
            or self._sealed_to_stale_prekeys()
        ):
            assert self.roster is not None
            counter = self.outbound.counter if self.outbound else self.state.get("counter", 0)
            self.outbound = OutboundSession.create(
                self.identity,
                self.group_id,
                self.state["epoch"],
                roster=receive_rules.head_of(self.roster),
                counter=counter,
            )
            self.state["shared_prekeys"] = {}
            self._save_outbound()
            await self._share_with(self._others())
            if self.outbound is None:
                return await self._ensure_outbound()
        return self.outbound

    async def _share_with(self, members: list[bytes]) -> None:
        """Hand my current session to `members`; whoever the relay cannot reach now is owed it.

        Owed shares are kept in the group state and paid before my next post, so a member
        never misses my messages because a share failed while the relay was down.
        """
        if self.outbound is None:
            return
        owed = self.state.setdefault("owed_shares", [])
        owed.extend(b64e(k) for k in members if b64e(k) not in owed)
        self.save()
        await self._pay_owed_shares()

    async def _pay_owed_shares(self) -> None:
        # One payer at a time: a send and a reconnect may both get here.
        async with self._share_lock:
            owed = self.state.get("owed_shares", [])
            waiting: list[str] = []  # members who have not published a prekey yet
            while owed and self.outbound is not None:
                key = b64d(owed[0])
                if self.roster is not None and self.roster.is_member(key):
                    prekey = await self._prekey_of(key)
                    if prekey is None:
                        waiting.append(owed[0])
                    else:
                        sealed = seal_share(self.identity, self.outbound, prekey)
                        await self.client.send_direct(self.group_id, key, sealed)
                        self.state.setdefault("shared_prekeys", {})[owed[0]] = prekey.prekey_id
                owed.pop(0)
                self.save()
            owed.extend(waiting)

    async def send_direct_payload(self, key: bytes, inner: bytes) -> None:
        try:
            await self._send_direct(key, inner)
        except _NoPrekey as exc:
            raise MemberWithoutKey(self.nick_of(exc.key)) from None
        except RelayError as exc:
            raise RelayFailed(RelayAction.OTHER, exc) from None

    async def _send_direct(
        self, key: bytes, inner: bytes, prekey: PrekeyBundle | None = None
    ) -> None:
        prekey = prekey or await self._prekey_of(key)
        if prekey is None:
            raise _NoPrekey(key)
        sealed = seal(self.identity, prekey, inner, context=_direct_context(self.group_id))
        await self.client.send_direct(self.group_id, key, sealed)

    async def _post_group_payload(
        self, plaintext: bytes, idempotency_key: str = "", sent_ms: int | None = None
    ) -> Posted:
        async with self._send_lock:
            await self._check_roster_current()
            # A retry sends the very same envelope: the relay may already hold it (idempotency
            # key), and its envelope id and counter must stay the ones receivers see.
            kept_key = f"sending:{self.group_id}:{idempotency_key}" if idempotency_key else ""
            kept = _KeptEnvelope.read(self.store.get(kept_key)) if kept_key else None
            drawn: int | None = None  # the counter this attempt took, if it took a new one
            if kept is not None and self._still_current(kept.envelope):
                envelope = kept.envelope
            else:
                outbound = await self._ensure_outbound()
                assert self.roster is not None
                # Sealed again (its session was rotated away, e.g. by a removal): with the
                # counter it was first given, which no other message has, so receivers see
                # no gap where the first sealing's number would have been.
                number = kept.counter if kept is not None and kept.counter is not None else None
                following = outbound.counter
                if number is not None:
                    outbound.counter = number
                else:
                    drawn = following
                counter = outbound.counter
                envelope = outbound.encrypt(
                    self.identity,
                    plaintext,
                    head=receive_rules.head_of(self.roster),
                    sent_ms=now_ms() if sent_ms is None else sent_ms,
                )
                outbound.counter = max(following, outbound.counter)
                own = self._own_posts()
                own.made(envelope, outbound.session_id, outbound.verify_key, outbound.index - 1)
                self.store.put(f"own_posts:{self.group_id}", own.to_json())
                # The index is spent before the post: never reuse a message key.
                self._save_outbound()
                if kept_key:
                    self.store.put(kept_key, _KeptEnvelope(envelope, counter).to_json())
            self.last_envelope_id = b64e(envelope_id(envelope))
            try:
                posted = await self.client.post_message_stored(
                    self.group_id, envelope, idempotency_key=idempotency_key or None
                )
            except (RelayUnavailable, RelayRefused) as exc:
                # Certainly not stored: a definite refusal, or a 429. A 429'd post with an
                # idempotency key is resent later from its kept copy; anything else is not
                # resent as these bytes, so its counter must not stay spent.
                limited = isinstance(exc, RateLimited)
                if (is_definite_refusal(exc) and not limited) or (limited and not kept_key):
                    if kept_key:
                        self.store.delete(kept_key)
                    if (
                        drawn is not None
                        and self.outbound is not None
                        and self.outbound.counter == drawn + 1
                    ):
                        # Certainly not stored, and nothing encrypted since: give the counter
                        # back so receivers see no false gap (the chain index stays spent).
                        self.outbound.counter = drawn
                        self._save_outbound()
                raise
            if kept_key:
                self.store.delete(kept_key)
            # The relay took it: it is back, whatever the stream still says (liveness.py).
            self._set_connection(CONNECTED)
            return posted

    def _still_current(self, envelope: bytes) -> bool:
        """Whether an envelope kept for a retry belongs to my current session and epoch.

        A session that has since filled up (its 100th message may be this very envelope) or
        grown old still is: every member holds its key, so the envelope goes out unchanged.
        Sealing it again would spend a new counter, and receivers would report the first one
        as a message the relay lost."""
        return (
            self.outbound is not None
            and self.outbound.epoch == self.state["epoch"]
            and envelope[6:22] == self.outbound.session_id
        )

    async def _check_roster_current(self) -> None:
        """Send nothing while another member has shown a roster head this device lacks."""
        assert self.roster is not None
        seen = self.state.get("seen_head", 0)
        if seen > self.roster.next_index - 1:
            await self._catch_up_roster()
        if seen > self.roster.next_index - 1:
            raise RosterBehind(
                "Other members have seen roster changes that the relay does not show this "
                "device; your message waits until it does."
            )

    def _written_time(self) -> int:
        """The time signed into a message I write now: my clock, but after every message
        already here (I write after reading them, even when my clock is behind theirs) and
        after my previous one, so my own messages keep the order I wrote them in."""
        written = max(
            now_ms(), self.store.newest_time(self.group_id) + 1, self._last_written_ms + 1
        )
        self._last_written_ms = written
        return written

    def check_can_post(self) -> None:
        if self.status == PENDING:
            raise refused(NotAllowed, Why.REQUEST_STILL_WAITING)
        if self.status != ACTIVE:
            raise refused(NotAllowed, _NO_LONGER_POST.get(self.status, Why.NO_LONGER_POST_REMOVED))
        assert self.roster is not None
        # The roster's own refusal is an English reason for the relay's log; the same typed
        # state is the fact the front-ends word in the reader's language.
        if self.roster.post_refusal(self.me):
            raise self._post_refusal()
        if self.state["guidelines"] and self.state["guidelines_accepted"] != guidelines_hash(
            self.state["guidelines"]
        ):
            raise refused(GuidelinesNotAccepted, Why.ACCEPT_GUIDELINES_FIRST)

    def _post_refusal(self) -> NotAllowed:
        assert self.roster is not None
        roster = self.roster
        if self.me in roster.banned:
            return refused(NotAllowed, Why.POST_BANNED)
        if self.me not in roster.roles:
            return refused(NotAllowed, Why.POST_NOT_MEMBER)
        if roster.is_muted(self.me):
            return refused(NotAllowed, Why.POST_MUTED, until_ms=roster.muted_until[self.me])
        return refused(NotAllowed, Why.POST_READ_ONLY)

    async def send(self, text: str, cw: str) -> Message:
        nick = self.state["nick"]
        self.check_can_post()
        message = Message(
            group_id=self.group_id,
            msg_id=uuid.uuid4().hex,
            seq=0,
            sender=self.identity.member_id,
            nick=nick,
            text=text,
            ts=self._written_time(),
            kind="text",
            cw=cw,
            extra={"key": b64e(self.me)},
            # Numbered now, so "#12 (waiting to send)" is #12 once sent and after a restart.
            number=self.store.reserve_number(),
        )
        self.store.outbox_add(
            self.group_id,
            message.msg_id,
            {"text": text, "cw": cw, "nick": nick, "ts": message.ts, "number": message.number},
        )
        if not self._liveness.streaming:
            self._wake_follow.set()  # the member is here and writing: try the relay now
        # Shown the moment it is written, marked waiting until the relay takes it: the flush
        # below can wait behind another send, a key share or a slow relay (FINDINGS7 F3).
        # MessageReceived follows once it is stored, and a sent line never goes back.
        self._emit(MessageQueued(self.group_id, message))
        delivered = await self.flush_outbox(own_item=message.msg_id)
        if message.msg_id in delivered:
            return delivered[message.msg_id]
        stored = self.store.get_message(self.group_id, message.msg_id)
        if stored is not None and stored.seq > 0:
            # A flush already under way (kicked by a roster event or a reconnect) took it and
            # told MessageReceived.
            return stored
        return message

    def waiting_message(self, item_id: str, item: dict[str, Any]) -> Message:
        """An outbox item as the message it will be once sent, still waiting (seq 0)."""
        return Message(
            group_id=self.group_id,
            msg_id=item_id,
            seq=0,
            sender=self.identity.member_id,
            nick=item.get("nick") or self.state["nick"],
            text=item["text"],
            ts=item.get("ts", 0),
            kind="text",
            cw=item.get("cw", ""),
            extra={"key": b64e(self.me)},
            number=item.get("number", 0),
        )

    def kick_outbox(self) -> None:
        if self._stopped:
            return
        if self.status == ACTIVE and (self._flush_task is None or self._flush_task.done()):
            self._flush_task = asyncio.create_task(self._flush_in_background())

    async def _flush_in_background(self) -> None:
        """A flush nobody awaits: every failure is reported and retried, never left in a task."""
        try:
            await self.flush_outbox()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the outbox stays on disk; try again later
            log.warning("sending the outbox failed: %s", type(exc).__name__)
            self._retry_outbox_later(exc)

    def _retry_outbox_later(self, exc: BaseException) -> None:
        """Keep everything queued and try again after a backoff (or the relay's Retry-After)."""
        if self._stopped:
            return
        delay = self._outbox_backoff.next_delay()
        unreachable = isinstance(exc, RelayUnavailable) and not isinstance(exc, RelayBusy)
        if isinstance(exc, (RelayUnavailable, RateLimited)):
            delay = max(delay, exc.retry_after)
            if unreachable:
                self._set_connection(OFFLINE, exc)
        if self._outbox_retry is not None:
            self._outbox_retry.cancel()
        self._outbox_retry = asyncio.get_running_loop().call_later(
            max(delay, 0.2), self.kick_outbox
        )
        waiting = len(self.store.outbox_list(self.group_id))
        # An unreachable relay is already news (ConnectionChanged, worded once by the front
        # end with "messages wait"); a second notice here said "try again" next to "peertui
        # keeps trying by itself". Only a relay that answers but will not take posts now
        # (busy, a server error) is told here.
        if waiting and not unreachable and not self._outbox_trouble_told:
            self._outbox_trouble_told = True
            self._emit(Notice(self.group_id, said=Said.SENDING_HELD, cause=exc, count=waiting))

    def _return_to_draft(self, item_id: str, item: dict[str, Any], reason: str) -> None:
        self.store.outbox_to_draft(
            item_id, f"draft:{self.group_id}", item["text"], f"draft_reason:{self.group_id}", reason
        )
        self._emit(MessageReturned(self.group_id, item_id, item["text"], item["cw"], reason))

    async def flush_outbox(self, own_item: str = "") -> dict[str, Message]:
        """Send what is waiting, oldest first; stop at the first temporary failure so order is
        kept. Only a definite refusal (a 4xx the relay will repeat) gives an item up: `own_item`
        (the message being sent now) raises RelayProblem for its sender to handle; any other
        goes back to the draft with the reason. Everything else stays queued and is retried."""
        delivered: dict[str, Message] = {}
        if self.status != ACTIVE:
            return delivered
        async with self._flush_lock:
            # Told (SendingWaits) only for a message first in line, as when the relay refuses
            # it itself: one behind others is told "queued", not once per message.
            first = self._first_waiting() == own_item != ""
            if self._waiting_for_rate(announce=first):
                return delivered
            try:
                await self._pay_owed_shares()
            except RateLimited as exc:
                # A key share refused for the rate is no failure of the messages behind it:
                # they wait for the relay's Retry-After like a refused post would.
                self._wait_for_rate(exc, announce=first)
                return delivered
            except RelayUnavailable as exc:
                self._retry_outbox_later(exc)
                return delivered
            for _gid, item_id, item in self.store.outbox_list(self.group_id):
                if self.status != ACTIVE:
                    break
                body = payloads.encode(
                    "msg", id=item_id, text=item["text"], nick=item["nick"], cw=item["cw"]
                )
                try:
                    # Signed with the time it was written (kept in the outbox), so a message
                    # typed while the relay was down keeps its place among the others'.
                    posted = await self._post_group_payload(
                        body, idempotency_key=item_id, sent_ms=item.get("ts")
                    )
                except RosterBehind:
                    break  # stays queued; RosterWarning said why, and the catch-up resends it
                except RateLimited as exc:
                    self._wait_for_rate(exc, announce=item_id == own_item)
                    break
                except (RelayUnavailable, RelayRefused) as exc:
                    if not is_definite_refusal(exc):
                        self._retry_outbox_later(exc)
                        break
                    if item_id == own_item:
                        self.store.outbox_remove(item_id)
                        # Its line is already shown, waiting (send() told MessageQueued):
                        # the refusal names it so the front end takes that line away.
                        problem = RelayFailed(RelayAction.OTHER, exc)
                        problem.msg_id = item_id
                        raise problem from None
                    self._return_to_draft(item_id, item, str(exc))
                    continue
                self._outbox_backoff.reset()
                self._outbox_trouble_told = False
                message = Message(
                    group_id=self.group_id,
                    msg_id=item_id,
                    seq=posted.seq,
                    sender=self.identity.member_id,
                    nick=self.nick_of(self.me),
                    text=item["text"],
                    # The same rule every member applies to it (docs/PROTOCOL.md §9.6); a
                    # relay that does not say when it stored the post: my clock now.
                    ts=receive_rules.order_time(
                        item.get("ts", now_ms()),
                        now_ms() if posted.ts is None else posted.ts,
                        now_ms(),
                    ),
                    kind="text",
                    cw=item["cw"],
                    extra={"key": b64e(self.me), "env": self.last_envelope_id},
                    number=item.get("number", 0),
                )
                # Recorded in history before it leaves the outbox: a crash in between sends it
                # again, which the relay answers with the same seq (idempotency key).
                added = self.store.add_message(message)
                self.store.outbox_remove(item_id)
                if added:
                    delivered[item_id] = message
                    self._emit(MessageReceived(self.group_id, message))
        return delivered

    def _wait_for_rate(self, exc: RateLimited, *, announce: bool) -> None:
        """Slow mode or the relay's rate limit: keep it queued; it goes out by itself once the
        relay's Retry-After has passed, and nothing is posted before then."""
        wait = max(exc.retry_after, 0.5)
        self._posts_wait_until = asyncio.get_running_loop().time() + wait
        self._posts_wait_slow = exc.code == "slow_mode"
        self._posts_wait_roster = self._roster_length()
        self._retry_posts_at(self._posts_wait_until)
        if announce:
            self._announce_wait(wait)

    def _first_waiting(self) -> str:
        waiting = self.store.outbox_list(self.group_id)
        return waiting[0][1] if waiting else ""

    def _waiting_for_rate(self, *, announce: bool) -> bool:
        """Whether the relay's last Retry-After is still running (a retry is then due at its
        end); a message written meanwhile is told when it will go."""
        left = self._posts_wait_until - asyncio.get_running_loop().time()
        if left <= 0.01:  # (a timer may fire a clock tick early)
            return False
        if self._roster_length() != self._posts_wait_roster:
            # The group changed since (slow mode off, read-only on, a mute...): ask the relay
            # now, so a message it can no longer take comes back as a draft at once.
            self._posts_wait_until = 0.0
            return False
        self._retry_posts_at(self._posts_wait_until)
        if announce:
            self._announce_wait(left)
        return True

    def _roster_length(self) -> int:
        return self.roster.next_index if self.roster is not None else 0

    def _retry_posts_at(self, when: float) -> None:
        if self._stopped:
            return
        if self._outbox_retry is not None:
            self._outbox_retry.cancel()
        self._outbox_retry = asyncio.get_running_loop().call_at(when, self.kick_outbox)

    def _announce_wait(self, wait: float) -> None:
        # The newest message is last in line: one slow-mode interval per message ahead.
        waiting = len(self.store.outbox_list(self.group_id))
        spacing = self.roster.slowmode_seconds if self.roster else 0
        ahead = max(waiting - 1, 0)
        eta = wait + ahead * spacing
        self._emit(SendingWaits(self.group_id, self._posts_wait_slow, round(eta), ahead))
