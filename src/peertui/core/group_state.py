"""The ground floor of a group membership at run time (`peertui.core.group.GroupSession`):
its attributes, how its state is kept on disk, its prekeys and what the front-ends read.

`GroupSession` is built as a chain of classes, one per part of its work, each in its own
module and each subclassing the one before: `GroupBase` (here), `GroupSending`,
`GroupJoining`, `GroupModeration`, `GroupReceiving` and `GroupSession` (the lifecycle, in
group.py). What an earlier part calls from a later one is declared here, abstract.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from peertui.core import payloads, receive_rules
from peertui.core.crypto import (
    CryptoError,
    Identity,
    InboundSessions,
    OutboundSession,
    PrekeyBundle,
    PrekeySecrets,
)
from peertui.core.events import Event
from peertui.core.liveness import Liveness
from peertui.core.models import (
    ACTIVE,
    CONNECTING,
    OFFLINE,
    PENDING,
    GroupInfo,
    JoinRequest,
    Member,
    ModLogEntry,
    Report,
)
from peertui.core.moderation import guidelines_hash, resolve_member
from peertui.core.own_posts import OwnPosts
from peertui.core.receiving import Held
from peertui.core.relay_client import (
    Backoff,
    RelayClient,
    RelayError,
    RelayEvent,
    RelayRefused,
)
from peertui.core.store import Store
from peertui_wire.encoding import b64d, b64e
from peertui_wire.ids import member_id_for
from peertui_wire.protocol import DIRECT_CONTEXT, PROTOCOL_VERSION
from peertui_wire.roster import MEMBER, MODERATOR, OWNER, RosterState

_REQUEST_FIELDS = {f.name for f in dataclasses.fields(JoinRequest)}


@functools.lru_cache(maxsize=4096)
def _key_text(key: bytes) -> str:
    """A member's public key as b64u, once per key: every received message needs it twice."""
    return b64e(key)


def now_ms() -> int:
    return int(time.time() * 1000)


def _direct_context(group_id: str) -> bytes:
    return DIRECT_CONTEXT + b64d(group_id)


class GroupBase(ABC):
    """A membership's attributes, persistence, prekeys and views; see the module's doc."""

    def __init__(
        self,
        state: dict[str, Any],
        store: Store,
        emit: Callable[[Event], None],
        proxy: str = "",
        language: str = "en",
    ) -> None:
        self.state = state
        self.language = language
        self.store = store
        self._deliver = emit
        self._held: Held | None = None  # while a batch is read: its events and writes wait
        self._index_waiting = False  # received messages wait for the full-text index
        self._state_version = 0  # counts save()s, so a batch never stores an older state
        self.identity = Identity.from_seed(b64d(state["seed"]))
        self.me = self.identity.public_key
        self.group_id: str = state["group_id"]
        store.note_own_sender(self.group_id, self.identity.member_id)
        # Unknown until the first attempt: then the first "offline" is news, even at start-up.
        self._liveness = Liveness(
            CONNECTING if state["status"] in (PENDING, ACTIVE) else OFFLINE,
            self._connection_changed,
        )
        self.roster: RosterState | None = (
            RosterState.replay(state["roster"], self.group_id) if state.get("roster") else None
        )
        raw_out = store.get(f"outbound:{self.group_id}")
        self.outbound = OutboundSession.from_bytes(b64d(raw_out)) if raw_out else None
        raw_in = store.get(f"inbound:{self.group_id}")
        self.inbound = (
            InboundSessions.from_bytes(b64d(raw_in)) if raw_in else InboundSessions(self.group_id)
        )
        raw_prekeys = store.get(f"prekeys:{self.group_id}")
        if raw_prekeys:
            self.prekeys = PrekeySecrets.from_bytes(b64d(raw_prekeys))
        else:
            self.prekeys = PrekeySecrets.create(self.identity, self.group_id)
            self.state["prekey_unpublished"] = True
            self._save_prekeys()
        self.counters: dict[str, int] = store.get(f"counters:{self.group_id}", {})
        self.cursor: int = store.get(f"cursor:{self.group_id}", 0)
        self.unread: int = store.get(f"unread:{self.group_id}", 0)
        self.client = RelayClient(
            state["relay_url"], self.identity.signing_key, proxy=self._proxy_url(proxy)
        )
        self._task: asyncio.Task | None = None
        self._flush_task: asyncio.Task | None = None
        self._send_lock = asyncio.Lock()
        self._last_written_ms = 0  # the time my last message was written (see _written_time)
        self._roster_lock = asyncio.Lock()
        self._roster_hashes = receive_rules.RosterHashes()
        self._pending: dict[bytes, list[RelayEvent]] = {}
        self._rekey_asked: dict[bytes, int] = {}
        self._share_lock = asyncio.Lock()
        self.last_envelope_id = ""  # of my latest post: deletes name messages by it
        self._warned: set[tuple[str, int]] = set()  # one RosterWarning per kind and index
        self._flush_lock = asyncio.Lock()
        self._outbox_backoff = Backoff(base=0.5, cap=10.0)
        self._outbox_retry: asyncio.TimerHandle | None = None
        # The relay's Retry-After (rate limit, slow mode): no post is tried before this loop
        # time, since asking sooner only earns another 429 and costs the relay a request.
        self._posts_wait_until = 0.0
        self._posts_wait_slow = False
        self._posts_wait_roster = 0  # the roster's length then: a change ends the wait early
        # Set when the member acts while offline: the follow loop's reconnection wait ends.
        self._wake_follow = asyncio.Event()
        self._outbox_trouble_told = False
        self._reread_through: int = store.get(f"reread:{self.group_id}", 0)
        self._told_forged_gap = False
        self._stopped = False

    # ----- defined further along the chain -----------------------------------------------
    # The lifecycle (group.py):
    @property
    @abstractmethod
    def connection(self) -> str: ...

    @abstractmethod
    def _connection_changed(self, state: str, cause: BaseException | None) -> None: ...

    @abstractmethod
    def _set_connection(self, state: str, cause: BaseException | None = None) -> None: ...

    @abstractmethod
    def _unreadable(self, item: RelayEvent, exc: CryptoError) -> list[bytes]: ...

    # Receiving (group_receiving.py):
    @abstractmethod
    def _warn(self, kind: str, index: int, nick: str = "") -> None: ...

    @abstractmethod
    def _own_posts(self) -> OwnPosts: ...

    @abstractmethod
    async def _catch_up_roster(self, locked: bool = False) -> None: ...

    @abstractmethod
    async def _apply_roster(self, event: dict[str, Any]) -> None: ...

    @abstractmethod
    def _remember_profile(self, key: str, **fields: str) -> None: ...

    # ----- persistence -------------------------------------------------------------------
    @classmethod
    def new_state(
        cls,
        *,
        group_id: str,
        name: str,
        relay_url: str,
        nick: str,
        identity: Identity,
        status: str,
        embedded: bool = False,
        pronouns: str = "",
        intro: str = "",
    ) -> dict[str, Any]:
        return {
            "protocol": PROTOCOL_VERSION,
            "group_id": group_id,
            "name": name,
            "relay_url": relay_url,
            "embedded": embedded,
            "seed": b64e(identity.seed),
            "nick": nick,
            "pronouns": pronouns,
            "intro": intro,
            "status": status,
            "roster": [],
            "profiles": {},
            "guidelines": "",
            "guidelines_accepted": "",
            "invite_keys": [],  # InviteKeys of live invites (moderators only)
            "join_requests": {},
            "reports": [],
            "modnotes": {},
            "epoch": 0,
            "proxy_user": secrets.token_hex(8),
            "joined_seq": 0,
            "joining_reply": "",  # secret of the reply key our join request named
            "created": now_ms(),
        }

    def save(self) -> None:
        if self._held is not None:
            self._held.state_changed = True  # stored with the batch, in its transaction
            return
        self._state_version += 1
        self.store.save_group(self.group_id, self.state)

    def _emit(self, event: Event) -> None:
        if self._held is not None:
            self._held.events.append(event)  # told once the batch is stored, never before
        else:
            self._deliver(event)

    def _save_sessions(self) -> None:
        self._save_outbound()
        self.store.put(f"inbound:{self.group_id}", b64e(self.inbound.to_bytes()))

    def _save_outbound(self) -> None:
        """Sending changes only this; the inbound sessions are stored by the receive task, with
        the messages they read (a worker thread may be spending their keys meanwhile)."""
        if self.outbound is not None:
            self.store.put(f"outbound:{self.group_id}", b64e(self.outbound.to_bytes()))

    def _save_prekeys(self) -> None:
        self.store.put(f"prekeys:{self.group_id}", b64e(self.prekeys.to_bytes()))

    # ----- prekeys (docs/PROTOCOL.md §4) -------------------------------------------------
    def prekey_bundle(self) -> bytes:
        return self.prekeys.bundle(self.identity).to_bytes()

    async def publish_prekey(self) -> None:
        """Publish my current prekey; if the relay is unreachable, try again later."""
        self.state["prekey_unpublished"] = True
        try:
            await self.client.put_prekey(self.group_id, self.prekey_bundle())
        except RelayRefused as exc:
            if exc.status != 409:  # 409: already held (published before a restart)
                raise
        self.state["prekey_unpublished"] = False
        self.save()

    async def _rotate_prekey(self) -> None:
        """A new prekey; the one before stays for shares already travelling, older ones go."""
        self.prekeys.rotate()
        self._save_prekeys()
        # Down or refusing (a new member the relay has not caught up with): it stays marked
        # unpublished and is tried again (_publish_until_held). Whatever called for the
        # rotation (a post, a welcome, an admission) goes on: it never needed the publish.
        with contextlib.suppress(RelayError):
            await self.publish_prekey()

    async def _maintain_prekey(self) -> None:
        if self.prekeys.drop_previous():
            self._save_prekeys()
        if self.prekeys.needs_rotation():
            await self._rotate_prekey()
        elif self.state.get("prekey_unpublished"):
            with contextlib.suppress(RelayError):  # as in _rotate_prekey
                await self.publish_prekey()

    def _remember_prekey(self, raw: bytes) -> PrekeyBundle | None:
        """Keep a member's newest verified prekey; warn if one claims to be mine but is not."""
        try:
            bundle = PrekeyBundle.from_bytes(raw, self.group_id)
        except CryptoError:
            return None
        if bundle.owner == self.me:
            if bundle.to_bytes() != self.prekey_bundle() and (
                bundle.prekey_id >= self.prekeys.current_id
            ):
                self._warn("key", bundle.prekey_id)
            return None
        cache = self.state.setdefault("prekeys", {})
        held = cache.get(b64e(bundle.owner))
        if held is not None and PrekeyBundle.from_bytes(b64d(held)).prekey_id >= bundle.prekey_id:
            return None
        cache[b64e(bundle.owner)] = b64e(raw)
        return bundle

    async def _prekey_of(self, key: bytes) -> PrekeyBundle | None:
        held = self.state.get("prekeys", {}).get(b64e(key))
        if held is None:
            for raw in await self.client.get_prekeys(self.group_id):
                self._remember_prekey(raw)
            self.save()
            held = self.state.get("prekeys", {}).get(b64e(key))
        return PrekeyBundle.from_bytes(b64d(held)) if held else None

    def _proxy_url(self, proxy: str) -> str | None:
        """Give each group its own SOCKS username so Tor isolates it on its own circuit."""
        if not proxy:
            return None
        scheme, sep, rest = proxy.partition("://")
        if not sep or "@" in rest:
            return proxy
        return f"{scheme}://peertui-{self.state['proxy_user']}:x@{rest}"

    # ----- views -------------------------------------------------------------------------
    @property
    def status(self) -> str:
        return self.state["status"]

    @property
    def role(self) -> str:
        return (self.roster.role_of(self.me) if self.roster else None) or ""

    def info(self) -> GroupInfo:
        roster = self.roster
        return GroupInfo(
            group_id=self.group_id,
            name=self.state["name"],
            relay_url=self.state["relay_url"],
            role=self.role,
            nick=self.state["nick"],
            state=self.status,
            connection=self.connection,
            unread=self.unread,
            guidelines=self.state.get("guidelines", ""),
            guidelines_accepted=not self.state.get("guidelines")
            or self.state.get("guidelines_accepted") == guidelines_hash(self.state["guidelines"]),
            slowmode_seconds=roster.slowmode_seconds if roster else 0,
            readonly=roster.readonly if roster else False,
            language=self.state.get("language", ""),
        )

    def _raw_nick(self, key: bytes) -> str:
        if key == self.me:
            return self.state["nick"]
        profile = self.state["profiles"].get(_key_text(key))
        return (profile or {}).get("nick") or f"member-{member_id_for(key)}"

    def nick_of(self, key: bytes) -> str:
        """The name to show: whoever joined first keeps a nickname; a later member using the
        same one is shown with its member id, so nobody can pass as the owner or another
        member. Every client derives the same names from the same roster order."""
        raw = self._raw_nick(key)
        if self.roster is not None:
            looks = payloads.nick_skeleton(raw)
            for earlier in self.roster.roles:
                if earlier == key:
                    break
                if payloads.nick_skeleton(self._raw_nick(earlier)) == looks:
                    return f"{raw}~{member_id_for(key)[:4]}"
        return raw

    def members(self) -> list[Member]:
        if self.roster is None:
            return []
        result = []
        for key, role in self.roster.roles.items():
            profile = self.state["profiles"].get(b64e(key), {})
            result.append(
                Member(
                    key=b64e(key),
                    member_id=member_id_for(key),
                    nick=self.nick_of(key),
                    role=role,
                    pronouns=profile.get(
                        "pronouns", self.state["pronouns"] if key == self.me else ""
                    ),
                    intro=profile.get("intro", self.state["intro"] if key == self.me else ""),
                    muted_until=self.roster.muted_until.get(key, 0)
                    if self.roster.is_muted(key)
                    else 0,
                    is_me=key == self.me,
                )
            )
        order = {OWNER: 0, MODERATOR: 1, MEMBER: 2}
        return sorted(result, key=lambda m: (order.get(m.role, 3), m.nick.casefold()))

    def member_key(self, who: str) -> bytes:
        return b64d(resolve_member(self.members(), who).key)

    def pending_requests(self) -> list[JoinRequest]:
        return [
            JoinRequest(**{k: v for k, v in r.items() if k in _REQUEST_FIELDS})
            for r in self.state["join_requests"].values()
        ]

    def reports(self) -> list[Report]:
        return [Report(**{**r, "context": list(r["context"])}) for r in self.state["reports"]]

    def modlog(self) -> list[ModLogEntry]:
        """Every moderation action in roster order, each with the role its signer had then."""
        events = self.state["roster"]
        if not events:
            return []  # not admitted (yet): no log to read
        replay = RosterState.from_genesis(events[0], self.group_id)
        entries = []
        for event in events[1:]:
            role = replay.role_of(b64d(event["signer"])) or "former member"
            was_member = bool(event["target"]) and replay.is_member(b64d(event["target"]))
            had_guidelines = bool(replay.guidelines_hash)
            replay.apply(event)
            if event["kind"] != "leave":
                entries.append(
                    self._entry(event, role, target_was_member=was_member, replaced=had_guidelines)
                )
        return entries

    def _known_nick(self, key: bytes) -> str:
        """The name to show for `key`, or "" while its profile has not arrived."""
        if key != self.me and not (self.state["profiles"].get(b64e(key)) or {}).get("nick"):
            return ""
        return self.nick_of(key)

    def _entry(
        self,
        event: dict[str, Any],
        actor_role: str,
        *,
        target_was_member: bool,
        replaced: bool,
    ) -> ModLogEntry:
        signer = b64d(event["signer"])
        target = b64d(event["target"]) if event["target"] else b""
        # Today's nicknames, which every member knows alike, so the log reads the same for
        # everyone (names people had before they joined are not known to all of them).
        actor = self.nick_of(signer)
        target_nick = self.nick_of(target) if target and self._known_nick(target) else ""
        # (a target whose nickname is not known yet is said in words, never as a member id)
        value = 0
        if event["kind"] in ("slowmode", "readonly"):
            value = int(event["value"] or 0)
        elif event["kind"] == "guidelines":
            value = int(replaced)
        role = str(event["role"]) if event["kind"] == "role" else ""
        return ModLogEntry(
            index=event["index"],
            ts=event["ts"],
            actor_nick=actor,
            actor_role=actor_role,
            action=event["kind"],
            target_nick=target_nick,
            target_id=member_id_for(target) if target else "",
            reason=self.state["modnotes"].get(str(event["index"]), ""),
            until=event["until"] if event["kind"] == "mute" else 0,
            value=value,
            role=role,
            target_was_member=target_was_member,
        )
