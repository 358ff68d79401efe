"""Receiving, for a group membership (`peertui.core.group.GroupSession`): one relay event
at a time — roster events, messages and what they carry, prekeys, direct deliveries and
join requests. (Batches of plain messages are read in runs by group.py.)"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
from typing import Any

from peertui.core import joinbox, payloads, receive_rules, receiving
from peertui.core.crypto import (
    Decrypted,
    DecryptionFailed,
    check_share,
    open_sealed,
)
from peertui.core.events import (
    ErrorOccurred,
    GapDetected,
    GroupLanguageChanged,
    JoinApproved,
    JoinRequested,
    MemberJoined,
    MemberLeft,
    MessageReceived,
    MessageRemoved,
    MessagesMissing,
    ModAction,
    Notice,
    ReportReceived,
    RosterWarning,
    Said,
    Warned,
)
from peertui.core.group_moderation import GroupModeration
from peertui.core.group_state import (
    _REQUEST_FIELDS,
    _direct_context,
    _key_text,
    now_ms,
)
from peertui.core.models import (
    ACTIVE,
    BANNED,
    LEFT,
    REMOVED,
    JoinRequest,
    Member,
    Report,
)
from peertui.core.own_posts import OwnPosts
from peertui.core.receiving import Read
from peertui.core.relay_client import (
    Gap,
    RelayError,
    RelayEvent,
)
from peertui.core.store import Message
from peertui_wire.encoding import EncodingError, b64d, b64e
from peertui_wire.ids import member_id_for
from peertui_wire.roster import MODERATOR

log = logging.getLogger(__name__)

DIRECT_TYPES = {"share", "welcome", "warn", "report", "invite_key", "rekey", "request_closed"}
REKEY_INTERVAL_MS = 30_000
MEMBERSHIP_CHANGES = ("admit", "remove", "ban", "leave")


@functools.lru_cache(maxsize=4096)
def _member_id(key: bytes) -> str:
    return member_id_for(key)


class GroupReceiving(GroupModeration):
    # ----- receiving ---------------------------------------------------------------------
    def _advance(self, seq: int) -> None:
        if seq > self.cursor:
            # Saved first: if the disk refuses, memory still points at the last saved event,
            # so the stream resumes there instead of skipping what could not be stored.
            self.store.put(f"cursor:{self.group_id}", seq)
            self.cursor = seq

    async def _handle(self, item: RelayEvent | Gap) -> None:
        if isinstance(item, Gap) and not item.trusted:
            if not self._told_forged_gap:
                self._told_forged_gap = True
                self._emit(
                    ErrorOccurred(
                        self.group_id, said=Said.FORGED_GAP, count=item.first_available - 1
                    )
                )
            return
        if isinstance(item, Gap):
            self._emit(GapDetected(self.group_id, item.requested + 1, item.first_available - 1))
            self._advance(item.first_available - 1)
            return
        if item.seq <= self.cursor:
            return
        handler = getattr(self, "_on_" + item.kind, None)
        if handler is not None:
            await handler(item)
        self._advance(item.seq)

    async def _on_roster(self, item: RelayEvent) -> None:
        event = item.body["event"]
        if (
            event["kind"] == "admit"
            and event["target"] == b64e(self.me)
            and not self.state["joined_seq"]
        ):
            self.state["joined_seq"] = item.seq
            self.save()
        async with self._roster_lock:
            assert self.roster is not None
            if event["index"] < self.roster.next_index:
                # Already applied: our own action, a replay at activation — or a fork.
                self._check_fork(event)
                return
            if event["index"] > self.roster.next_index:
                await self._catch_up_roster(locked=True)
                return
            await self._apply_roster(event)
        self.kick_outbox()

    def _warn(self, kind: str, index: int, nick: str = "") -> None:
        """One RosterWarning per kind and index (worded by ui.received.roster_warning)."""
        if (kind, index) not in self._warned:
            self._warned.add((kind, index))
            self._emit(RosterWarning(self.group_id, kind, index, nick))

    def _own_posts(self) -> OwnPosts:
        """The record of what this device posted (peertui.core.own_posts)."""
        return OwnPosts(self.store.get(f"own_posts:{self.group_id}"), self.cursor)

    def _check_own_post(self, item: RelayEvent) -> None:
        """A post signed with my key that this device did not make: the key, or a copy of the
        whole home, is used somewhere else (THREAT_MODEL.md, "A stolen device state")."""
        try:
            envelope = receiving.envelope_bytes(item)
        except (EncodingError, KeyError, TypeError, ValueError):
            return
        if self._own_posts().made_elsewhere(envelope, self.group_id, item.seq):
            log.warning("a post signed with this membership's key was made on another device")
            self._warn("copied", 0)

    def _check_fork(self, event: dict[str, Any]) -> bool:
        if not receive_rules.is_fork(self.state["roster"], event):
            return False
        self._warn("fork", event["index"])
        return True

    async def _catch_up_roster(self, locked: bool = False) -> None:
        """Fetch the roster, compare what I hold (forks), apply what is new."""
        if not locked:
            async with self._roster_lock:
                await self._catch_up_roster(locked=True)
            return
        assert self.roster is not None
        events = await self.client.get_roster(self.group_id)
        held = len(self.state["roster"])
        for event in events[:held]:
            if self._check_fork(event):
                return  # never build on a branch that disagrees with mine
        for event in events[held:]:
            await self._apply_roster(event)
        if events[held:] and self.state.get("seen_head", 0) <= self.roster.next_index - 1:
            self.kick_outbox()  # messages held while the relay withheld the roster go out now

    async def _apply_roster(self, event: dict[str, Any]) -> None:
        """Verify and apply one roster event, then do what it means for this member."""
        assert self.roster is not None
        if event["index"] < self.roster.next_index:
            return
        before = dict(self.roster.roles)
        had_guidelines = bool(self.roster.guidelines_hash)
        signer_role = before.get(b64d(event["signer"]), "former member")
        self.roster.apply(event)
        self.state["roster"].append(event)
        kind = event["kind"]
        target = b64d(event["target"]) if event["target"] else b""
        if kind == "admit":
            self.state["join_requests"] = {
                rid: r
                for rid, r in self.state["join_requests"].items()
                if r["key"] != event["target"]
            }
        self.save()
        if kind != "leave":
            was_member = bool(target) and target in before
            self._emit(
                ModAction(
                    self.group_id,
                    self._entry(
                        event,
                        signer_role,
                        target_was_member=was_member,
                        replaced=had_guidelines,
                    ),
                )
            )
        if kind in MEMBERSHIP_CHANGES and target != self.me and self.status == ACTIVE:
            # Post-compromise security: every membership change rotates my prekey and, at my
            # next message, my session (docs/PROTOCOL.md §9.4).
            await self._rotate_prekey()
            self._rotate()
        if kind == "admit" and target != self.me and self.status == ACTIVE:
            await self._share_with([target])
        elif kind == "readonly" and not event["value"] and self.state.get("profile_owed"):
            with contextlib.suppress(RelayError):  # still owed; tried again on the next change
                await self._post_profile()
        elif kind in ("remove", "ban", "leave") and target in before:
            if target == self.me:
                self._lost_membership(
                    REMOVED if kind == "remove" else BANNED if kind == "ban" else LEFT
                )
                return
            member = Member(
                key=event["target"],
                member_id=member_id_for(target),
                nick=self.nick_of(target),
                role=before[target],
            )
            self._emit(
                MemberLeft(
                    self.group_id, member, {"remove": "removed", "ban": "banned"}.get(kind, "left")
                )
            )
            self.inbound.forget_sender(target)
            self._save_sessions()
            self._pending.pop(target, None)
            self.state.get("prekeys", {}).pop(event["target"], None)
        elif kind == "delete":
            message = self.store.message_by_envelope(self.group_id, str(event["value"]))
            reason = self.state["modnotes"].get(str(event["index"]), "")
            if message is not None and self.store.mark_removed(
                self.group_id, message.msg_id, reason
            ):
                self._emit(MessageRemoved(self.group_id, message.msg_id, reason))
        elif kind == "role" and target == self.me and event["role"] == MODERATOR:
            self._emit(Notice(self.group_id, said=Said.NOW_MODERATOR))
        elif kind == "guidelines":
            proposed = self.state.get("proposed_guidelines", {}).pop(str(event["value"]), None)
            if proposed is not None:
                self.state["guidelines"] = payloads.safe_text(proposed["text"])
                self.state["guidelines_key"] = proposed["key"]
                self.save()
            if b64d(event["signer"]) == self.me:
                return
            self._emit(Notice(self.group_id, said=Said.GUIDELINES_CHANGED))

    def _lost_membership(self, status: str) -> None:
        self.state["status"] = status
        self.save()
        self.outbound = None
        self.store.delete(f"outbound:{self.group_id}")
        said = {REMOVED: Said.REMOVED, BANNED: Said.BANNED, LEFT: Said.LEFT}[status]
        self._emit(Notice(self.group_id, said=said))

    def _rotate(self) -> None:
        """Start a new sending session next time, shared only with who is still here."""
        self.state["epoch"] += 1
        if self.outbound is not None:
            self.state["counter"] = self.outbound.counter  # my message numbers continue
        self.outbound = None
        self.store.delete(f"outbound:{self.group_id}")
        self.save()

    async def _on_message(self, item: RelayEvent) -> None:
        """One message event on its own (its session key or roster head had to be fetched)."""
        read = await asyncio.to_thread(receiving.decode, self.inbound, self.me, self.language, item)
        if item.sender == self.me:
            self._check_own_post(item)
            return
        if read.decrypted is None and read.error is not None:
            raise read.error
        if read.unreadable is not None:
            for sender in self._unreadable(item, read.unreadable):
                await self._ask_for_share(sender)
            return
        self._save_sessions()
        if read.error is not None:
            raise read.error
        assert read.decrypted is not None
        if not await self._accept(read.decrypted):
            return
        if read.bad_payload is not None:
            raise read.bad_payload
        assert read.body is not None
        self._on_group_payload(item, read.decrypted, read.body, read)

    async def _accept(self, decrypted: Decrypted) -> bool:
        """Apply docs/PROTOCOL.md §9 to an authenticated message; False drops it."""
        head = receive_rules.compare_head(self.state["roster"], decrypted.head)
        if head.ahead:
            self.state["seen_head"] = max(self.state.get("seen_head", 0), decrypted.head.index)
            with contextlib.suppress(RelayError):
                await self._catch_up_roster()
            if receive_rules.compare_head(self.state["roster"], decrypted.head).ahead:
                self._warn("withheld", decrypted.head.index, self.nick_of(decrypted.sender_key))
        accepted = self._accept_now(decrypted, head)
        self.store.put(f"counters:{self.group_id}", self.counters)
        return accepted

    def _accept_now(
        self, decrypted: Decrypted, head: receive_rules.HeadCheck | None = None
    ) -> bool:
        """The rules that need nothing from the network: a split view, the roster (members,
        mutes, read-only, removals) and gaps in the sender's numbering. Counters change in
        memory; the caller stores them."""
        assert self.roster is not None
        if head is None:
            head = receive_rules.compare_head(
                self.state["roster"], decrypted.head, self._roster_hashes
            )
        if head.split:
            self._warn("split", decrypted.head.index, self.nick_of(decrypted.sender_key))
        why = receive_rules.refusal(self.roster, self.state["roster"], decrypted)
        if why is not None:
            self._emit(
                Notice(
                    self.group_id,
                    said=Said.MESSAGE_NOT_SHOWN,
                    nick=self.nick_of(decrypted.sender_key),
                    detail=why.value,
                )
            )
            return False
        sender = _key_text(decrypted.sender_key)
        missing = receive_rules.missing_before(self.counters, sender, decrypted.counter)
        if missing:
            nick = self.nick_of(decrypted.sender_key)
            self._emit(MessagesMissing(self.group_id, nick, missing))
        return True

    def _on_group_payload(
        self, item: RelayEvent, decrypted: Decrypted, body: dict[str, Any], read: Read
    ) -> None:
        assert self.roster is not None
        sender = decrypted.sender_key
        key = _key_text(sender)
        kind = body["t"]
        if kind == "msg":
            self._remember_profile(key, nick=payloads.wire_nick(body["nick"]))
            nick = self.nick_of(sender)
            message = Message(
                group_id=self.group_id,
                msg_id=payloads.safe_line(body["id"], 64),
                seq=item.seq,
                sender=_member_id(sender),
                nick=nick,
                text=read.text,
                # Computed alike on every device, the sender's too (docs/PROTOCOL.md §9.6).
                ts=receive_rules.order_time(decrypted.sent_ms, item.ts, now_ms()),
                kind="text",
                cw=payloads.safe_line(body["cw"], 100),
                extra={"key": key, "env": b64e(decrypted.envelope_id)},
            )
            if read.fold:
                message.extra["fold"] = read.fold
            if read.care:
                # Shown, never folded: the reader gets a note on how to respond (no report is
                # sent unless the reader chooses to).
                message.extra["care"] = True
            if self._held is not None:
                self._held.messages.append(message)  # told if it proves new when stored
                self._emit(MessageReceived(self.group_id, message))
            elif self.store.add_message(message):
                self.unread += 1
                self.store.put(f"unread:{self.group_id}", self.unread)
                self._emit(MessageReceived(self.group_id, message))
        elif kind == "profile":
            old_nick = self.nick_of(sender)
            announced = self.state.setdefault("announced", [])
            first = key not in announced
            if first:
                announced.append(key)
            self._remember_profile(
                key,
                nick=payloads.wire_nick(body["nick"]),
                pronouns=payloads.safe_line(body["pronouns"], 40),
                intro=payloads.safe_line(body["intro"], payloads.MAX_SHORT),
            )
            member = next((m for m in self.members() if m.key == key), None)
            if member is not None and first:
                self._emit(MemberJoined(self.group_id, member))
            elif member is not None and member.nick != old_nick:
                self._emit(
                    Notice(self.group_id, said=Said.NICK_CHANGED, nick=member.nick, detail=old_nick)
                )
        elif kind == "introduce" and self.roster.is_moderator(sender):
            if body["key"] not in self.state["profiles"] and body["key"] != b64e(self.me):
                self._remember_profile(
                    body["key"],
                    nick=payloads.wire_nick(body["nick"]),
                    pronouns=payloads.safe_line(body["pronouns"], 40),
                    intro=payloads.safe_line(body["intro"], payloads.MAX_SHORT),
                )
        elif kind == "modnote" and self.roster.is_moderator(sender):
            self.state["modnotes"][str(body["index"])] = payloads.safe_line(body["reason"], 300)
            self.save()
        elif kind == "thanks":
            thanked = self.store.get_message(self.group_id, body["id"]) or next(
                (m for m in (self._held.messages if self._held else []) if m.msg_id == body["id"]),
                None,
            )
            # Thanking oneself is refused when sent; a modified client's is not shown.
            if thanked is not None and thanked.sender != member_id_for(sender):
                mine = thanked.sender == member_id_for(self.me)
                self._emit(
                    Notice(
                        self.group_id,
                        said=Said.THANKED_YOU if mine else Said.THANKED,
                        nick=self.nick_of(sender),
                        detail=thanked.nick,
                        count=thanked.number,
                    )
                )
        elif kind == "settings" and self.roster.is_moderator(sender):
            language = payloads.language_tag(body["language"])
            if language != self.state.get("language", ""):
                self.state["language"] = language
                self.save()
                self._emit(GroupLanguageChanged(self.group_id, language, self.nick_of(sender)))
        elif kind == "guidelines" and self.roster.is_moderator(sender):
            # The text comes first; the signed roster event with its commitment makes it
            # official.
            with contextlib.suppress(EncodingError):
                self.propose_guidelines(body["text"][:8000], b64d(body["key"], length=32))

    async def _ask_for_share(self, sender: bytes) -> None:
        """The sender's key share never reached us (e.g. purged by retention): ask again.

        The new share starts at the sender's current index, so what we missed stays unreadable
        by design; everything from now on is readable again.
        """
        last = self._rekey_asked.get(sender, 0)
        if (
            now_ms() - last < REKEY_INTERVAL_MS
            or self.roster is None
            or not self.roster.is_member(sender)
        ):
            return
        self._rekey_asked[sender] = now_ms()
        with contextlib.suppress(RelayError):
            await self._send_direct(sender, payloads.encode("rekey"))

    def _remember_profile(self, key: str, **fields: str) -> None:
        known = self.state["profiles"].get(key)
        if known is not None and all(not v or known.get(k) == v for k, v in fields.items()):
            return  # what nearly every message says: nothing new
        profile = self.state["profiles"].setdefault(key, {"nick": "", "pronouns": "", "intro": ""})
        changed = any(profile.get(k) != v for k, v in fields.items() if v)
        profile.update({k: v for k, v in fields.items() if v})
        if changed:
            self.save()

    async def _on_prekey(self, item: RelayEvent) -> None:
        raw = item.body["prekey"]
        bundle = self._remember_prekey(raw if isinstance(raw, bytes) else b64d(raw))
        if bundle is not None:
            self.save()
            # A failure keeps it owed: the next prekey they publish (a rotation, a restart's
            # republish) pays it.
            with contextlib.suppress(RelayError):
                await self._pay_owed_welcome(bundle)

    async def _on_direct(self, item: RelayEvent) -> None:
        """Open one direct delivery, then have the relay delete it (read or unreadable)."""
        try:
            await self._open_direct(item)
        except DecryptionFailed:
            # Sealed to a prekey I deleted (forward secrecy): ask the sender for a fresh share.
            assert self.roster is not None
            if self.roster.is_member(item.sender):
                await self._ask_for_share(item.sender)
        finally:
            with contextlib.suppress(RelayError):
                await self.client.ack_directs(self.group_id, [item.seq])
        await self._maintain_prekey()

    async def _open_direct(self, item: RelayEvent) -> None:
        payload = item.body["payload"]
        sender, inner = open_sealed(
            self.identity,
            self.prekeys,
            payload if isinstance(payload, bytes) else b64d(payload),
            context=_direct_context(self.group_id),
        )
        self._save_prekeys()  # the use count decides the next rotation
        body = payloads.parse(inner, DIRECT_TYPES)
        assert self.roster is not None
        kind = body["t"]
        if kind == "share":
            if not self.roster.is_member(sender):
                self._emit(Notice(self.group_id, said=Said.FOREIGN_SHARE_IGNORED))
                return
            share = check_share(sender, b64d(body["blob"]), self.group_id)
            self.inbound.add_share(share)
            self._save_sessions()
            for queued in self._pending.pop(sender, []):
                await self._on_message(queued)
            return
        if kind == "rekey":
            if self.roster is not None and self.roster.is_member(sender):
                last = self._rekey_asked.get(b"from:" + sender, 0)
                if now_ms() - last >= REKEY_INTERVAL_MS:
                    self._rekey_asked[b"from:" + sender] = now_ms()
                    # The share may have been sealed to a prekey they have since deleted:
                    # fetch their newest before sealing again.
                    self.state.get("prekeys", {}).pop(b64e(sender), None)
                    await self._share_with([sender])
            return
        is_mod = self.roster is not None and self.roster.is_moderator(sender)
        if kind == "request_closed" and is_mod:
            closed = self.state["join_requests"].pop(str(body["request_id"]), None)
            if closed is not None:
                self.save()
                self._emit(Notice(self.group_id, said=Said.REQUEST_CLOSED, nick=closed["nick"]))
            return
        if kind == "welcome" and is_mod:
            self.state["name"] = payloads.safe_line(body["name"], 80) or self.state["name"]
            self.state["guidelines"] = payloads.safe_text(body["guidelines"])
            self.state["guidelines_key"] = body["guidelines_key"]
            self.state["language"] = payloads.language_tag(body.get("language"))
            if not self._welcome_guidelines_match(body["guidelines"], body["guidelines_key"]):
                self._emit(Notice(self.group_id, said=Said.WELCOME_GUIDELINES_DIFFER))
            notes = body.get("modnotes")
            if isinstance(notes, dict):
                # Reasons for what happened before we joined: the log then reads as for everyone.
                for index, reason in notes.items():
                    if str(index).isdigit() and isinstance(reason, str):
                        self.state["modnotes"].setdefault(
                            str(index), payloads.safe_line(reason, 300)
                        )
            announced = self.state.setdefault("announced", [])
            for key, profile in body["profiles"].items():
                if isinstance(profile, dict) and key != b64e(self.me):
                    # Known from the welcome: a later profile from them is a rename, not a join.
                    announced.append(key)
                    self._remember_profile(
                        key,
                        nick=payloads.wire_nick(profile.get("nick", "")),
                        pronouns=payloads.safe_line(str(profile.get("pronouns", "")), 40),
                        intro=payloads.safe_line(str(profile.get("intro", "")), payloads.MAX_SHORT),
                    )
            self.save()
            self._emit(
                JoinApproved(self.group_id, self.state["guidelines"], self.state["language"])
            )
        elif kind == "warn" and is_mod:
            reason = payloads.safe_line(body["reason"], 300)
            self.state.setdefault("warnings", []).append({"ts": item.ts, "reason": reason})
            self.save()
            self._emit(Warned(self.group_id, reason))
        elif (
            kind == "report"
            and self.roster is not None
            and self.roster.is_member(sender)
            and self.roster.is_moderator(self.me)
        ):
            report = Report(
                report_id=payloads.safe_line(body["report_id"], 64),
                msg_id=payloads.safe_line(body["msg_id"], 64),
                reported_nick=payloads.wire_nick(body["nick"]),
                reported_member_id=payloads.safe_line(body["reported"], 20),
                text=payloads.safe_line(body["text"]),
                context=[
                    payloads.safe_line(c, 500) for c in body["context"][:5] if isinstance(c, str)
                ],
                reason=payloads.safe_line(body["reason"], 300),
                ts=item.ts,
            )
            if all(r["report_id"] != report.report_id for r in self.state["reports"]):
                self.state["reports"].append(dataclasses.asdict(report))
                self.save()
                self._emit(ReportReceived(self.group_id, report))
        elif kind == "invite_key" and is_mod:
            keys = joinbox.InviteKeys.from_fields(body)
            if keys not in self.live_invite_keys() and keys.expires > now_ms():
                self.state["invite_keys"].append(keys.to_state())
                self.save()

    async def _on_join_request(self, item: RelayEvent) -> None:
        body = item.body
        rid, key = str(body["request_id"]), str(body["key"])
        if rid in self.state["join_requests"] or (self.roster and self.roster.is_member(b64d(key))):
            return
        sealed = body["sealed"] if isinstance(body["sealed"], bytes) else b64d(body["sealed"])
        for keys in self.live_invite_keys():
            opened = joinbox.open_request(b64d(keys.join_secret), self.group_id, sealed)
            if opened is None:
                continue
            info = payloads.parse(opened, {"join"})
            if info["key"] != key:
                self._emit(ErrorOccurred(self.group_id, said=Said.JOIN_KEY_ALTERED))
                return
            try:
                b64d(info["reply"], length=32)
            except EncodingError:
                self._emit(ErrorOccurred(self.group_id, said=Said.JOIN_REPLY_DAMAGED))
                return
            request = {
                "request_id": rid,
                "key": key,
                "member_id": member_id_for(b64d(key)),
                "nick": payloads.wire_nick(info["nick"]) or "newcomer",
                "pronouns": payloads.safe_line(info["pronouns"], 40),
                "intro": payloads.safe_line(info["intro"], payloads.MAX_SHORT),
                "ts": item.ts,
                "reply": info["reply"],
            }
            self.state["join_requests"][rid] = request
            self.save()
            self._emit(
                JoinRequested(
                    self.group_id,
                    JoinRequest(**{k: v for k, v in request.items() if k in _REQUEST_FIELDS}),
                )
            )
            return
        self._emit(Notice(self.group_id, said=Said.UNREADABLE_JOIN_REQUEST))
