"""One group membership at run time: its keys, its roster, its relay connection, its outbox.

The engine owns one `GroupSession` per group. A session keeps its durable state in the
encrypted store (a JSON dict plus separately saved cursor and session blobs, so that the hot
path of receiving a message rewrites only what changed) and turns relay events into engine
events for the front-ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any

from peertui.core import joinbox, payloads, receive_rules, receiving
from peertui.core.crypto import (
    CryptoError,
    Decrypted,
    DecryptionFailed,
    Identity,
    InboundSessions,
    OutboundSession,
    PrekeyBundle,
    PrekeySecrets,
    UnknownSession,
    check_share,
    envelope_id,
    open_sealed,
    seal,
    seal_share,
)
from peertui.core.errors import (
    GuidelinesNotAccepted,
    MemberWithoutKey,
    NotAllowed,
    NotFound,
    RelayAction,
    RelayFailed,
    RelayProblem,
    Why,
    refused,
)
from peertui.core.events import (
    ConnectionChanged,
    ErrorOccurred,
    Event,
    GapDetected,
    GroupLanguageChanged,
    JoinApproved,
    JoinDenied,
    JoinRequested,
    MemberJoined,
    MemberLeft,
    MessageQueued,
    MessageReceived,
    MessageRemoved,
    MessageReturned,
    MessagesMissing,
    ModAction,
    Notice,
    ReceivingPaused,
    RelayRewound,
    ReportReceived,
    RosterWarning,
    Said,
    SendingWaits,
    Warned,
)
from peertui.core.liveness import Liveness
from peertui.core.models import (
    ACTIVE,
    BANNED,
    CONNECTED,
    CONNECTING,
    DENIED,
    LEFT,
    OFFLINE,
    PENDING,
    REMOVED,
    GroupInfo,
    JoinRequest,
    Member,
    ModLogEntry,
    Report,
)
from peertui.core.moderation import guidelines_commitment, guidelines_hash, resolve_member
from peertui.core.own_posts import OwnPosts
from peertui.core.prefetch import Prefetch
from peertui.core.receiving import Held, Read
from peertui.core.relay_client import (
    Backoff,
    Gap,
    Posted,
    RateLimited,
    RelayBusy,
    RelayClient,
    RelayError,
    RelayEvent,
    RelayRefused,
    RelayUnavailable,
    StreamInfo,
    follow,
    is_definite_refusal,
)
from peertui.core.store import Message, Store, StoreError
from peertui_wire.encoding import EncodingError, b64d, b64e
from peertui_wire.ids import member_id_for
from peertui_wire.protocol import DIRECT_CONTEXT, PROTOCOL_VERSION
from peertui_wire.roster import MEMBER, MODERATOR, OWNER, RosterError, RosterState, make_event

log = logging.getLogger(__name__)

MEMBERSHIP_POLL_SECONDS = (0.3, 0.6, 1.2, 2.5, 5.0)
PREKEY_RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0, 15.0, 60.0)
MAX_PENDING_PER_SENDER = 200
# Events taken from the stream at once, and message events read and stored in one transaction:
# large enough that a backlog costs one commit per few hundred messages, small enough that a
# batch's commit (which other store users wait for) stays in the tens of milliseconds.
BATCH_EVENTS = 1000
BATCH_MESSAGES = 250
# How long the decoding thread holds the GIL at most before it lets the event loop have it.
GIL_SLICE_S = 0.002
# A run of at least this many messages (a backlog) enters the full-text index later, a chunk
# at a time once the stream has been quiet for INDEX_IDLE_S (a search indexes the rest first).
INDEX_LATER_MIN = 20
INDEX_IDLE_S = 0.3
INDEX_CHUNK = 200
_REQUEST_FIELDS = {f.name for f in dataclasses.fields(JoinRequest)}
DIRECT_TYPES = {"share", "welcome", "warn", "report", "invite_key", "rekey", "request_closed"}
REKEY_INTERVAL_MS = 30_000
MEMBERSHIP_CHANGES = ("admit", "remove", "ban", "leave")


# Why a member who is no longer active cannot post, per status (worded by ui.refusals).
_NO_LONGER_POST = {
    REMOVED: Why.NO_LONGER_POST_REMOVED,
    BANNED: Why.NO_LONGER_POST_BANNED,
    LEFT: Why.NO_LONGER_POST_LEFT,
}


class _Resync(Exception):
    """The relay's log went back in time: follow again from the (reset) cursor."""


class _NoPrekey(RelayRefused):
    """The member has published no prekey yet, so nothing can be sealed to them."""

    def __init__(self, key: bytes) -> None:
        super().__init__("the member has not published a key yet", code="no_prekey")
        self.key = key


class _StoragePaused(Exception):
    """This device could not store an event (disk full or failing): pause, then resume."""

    def __init__(self, problem: StoreError) -> None:
        super().__init__(str(problem))
        self.problem = problem


@functools.lru_cache(maxsize=4096)
def _key_text(key: bytes) -> str:
    """A member's public key as b64u, once per key: every received message needs it twice."""
    return b64e(key)


@functools.lru_cache(maxsize=4096)
def _member_id(key: bytes) -> str:
    return member_id_for(key)


def now_ms() -> int:
    return int(time.time() * 1000)


def _direct_context(group_id: str) -> bytes:
    return DIRECT_CONTEXT + b64d(group_id)


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


class GroupSession:
    """Everything one membership needs; created by the engine, never by a front-end."""

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

    # ----- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None and self.status in (PENDING, ACTIVE):
            self._task = asyncio.create_task(self._run(), name=f"group-{self.group_id}")

    async def stop(self) -> None:
        self._stopped = True
        if self._outbox_retry is not None:
            self._outbox_retry.cancel()
        for task in (self._task, self._flush_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._task = self._flush_task = None
        await self.client.aclose()
        self._liveness.stopped()

    @property
    def connection(self) -> str:
        """CONNECTING, CONNECTED or OFFLINE: from every exchange with the relay (liveness.py)."""
        return self._liveness.state

    @property
    def streaming(self) -> bool:
        """Whether the event stream is open (posts can go through while it reconnects)."""
        return self._liveness.streaming

    def _connection_changed(self, state: str, cause: BaseException | None) -> None:
        self._emit(ConnectionChanged(self.group_id, state, cause))
        if state == CONNECTED:
            self.kick_outbox()
            if not self._liveness.streaming:
                self._wake_follow.set()  # the relay answered: follow it now, not after a wait

    def _set_connection(self, state: str, cause: BaseException | None = None) -> None:
        if state == CONNECTED:
            self._liveness.answered()
        elif state == OFFLINE:
            self._liveness.unreachable(cause)

    async def _run(self) -> None:
        if self.status == PENDING and not await self._wait_for_admission():
            return
        with contextlib.suppress(RelayError):
            await self._maintain_prekey()  # 7 days old, or never published: fix it first
        # A publish that failed (the relay down or refusing for a moment as I became a member)
        # is tried again on its own: a welcome owed to me goes out only when my prekey reaches
        # the relay, and nothing else I do may come soon enough to try again.
        republish = asyncio.create_task(self._publish_until_held())
        try:
            await self._follow_until_inactive()
        finally:
            republish.cancel()

    async def _publish_until_held(self) -> None:
        attempt = 0
        while self.state.get("prekey_unpublished") and self.status == ACTIVE:
            await asyncio.sleep(PREKEY_RETRY_SECONDS[min(attempt, len(PREKEY_RETRY_SECONDS) - 1)])
            attempt += 1
            with contextlib.suppress(RelayError):
                await self.publish_prekey()

    async def _follow_until_inactive(self) -> None:
        while self.status == ACTIVE:
            try:
                await self._follow_events()
            except asyncio.CancelledError:
                raise
            except RelayRefused as exc:
                self._set_connection(OFFLINE, exc)
                await self._refresh_membership(exc)
                return
            except RelayUnavailable as exc:
                # Mid-event outage: the cursor did not move, so the event comes again.
                self._set_connection(OFFLINE, exc)
                await asyncio.sleep(1.0)
            except _StoragePaused as exc:
                await self._wait_for_storage(exc.problem)
            except _Resync:
                continue  # follow again from the reset cursor
            except Exception as exc:  # noqa: BLE001 - report and reconnect, never die silently
                log.exception("group loop failed")
                self._set_connection(OFFLINE, exc)
                self._emit(ErrorOccurred(self.group_id, said=Said.CONNECTION_PROBLEM, cause=exc))
                await asyncio.sleep(5.0)

    async def _follow_events(self) -> None:
        # The stream is read ahead in its own task, so a backlog arrives here in batches. What
        # the relay says about its log when a stream opens comes in order with the events.
        prefetch: Prefetch[RelayEvent | Gap | StreamInfo] = Prefetch(limit=4 * BATCH_EVENTS)
        prefetch.start(
            follow(
                self.client,
                self.group_id,
                lambda: self.cursor,
                on_state=self._liveness.stream,
                on_info=prefetch.push,
                wake=self._wake_follow,
            )
        )
        # (Killed while a backlog waited for the search index: index it when things are quiet.)
        self._index_waiting = self._index_waiting or self.store.index_waiting()
        try:
            while True:
                try:
                    if self._index_waiting:
                        items = await asyncio.wait_for(prefetch.batch(BATCH_EVENTS), INDEX_IDLE_S)
                    else:
                        items = await prefetch.batch(BATCH_EVENTS)
                except StopAsyncIteration:
                    return
                except TimeoutError:  # (batch() takes nothing when cancelled)
                    # Quiet: index chunk after chunk until something arrives or none is left.
                    while self._index_waiting and not prefetch.ready():
                        await self._index_a_chunk()
                    continue
                await self._handle_batch(items)
                if self.status != ACTIVE:
                    return
        finally:
            await prefetch.aclose()

    async def _index_a_chunk(self) -> None:
        """Idle time: put some of a received backlog into the full-text index, in a worker
        thread (SQLite lets go of the GIL), one short transaction per chunk."""
        try:
            self._index_waiting = await asyncio.to_thread(self.store.index_pending, INDEX_CHUNK)
        except StoreError as exc:
            # A search still finds them (it indexes, or looks through, what waits); the next
            # backlog tries again.
            log.warning("could not index received messages for search: %s", type(exc).__name__)
            self._index_waiting = False

    async def _handle_batch(self, items: list[RelayEvent | Gap | StreamInfo]) -> None:
        """Consecutive plain message events are read together, in runs (`_receive_runs`);
        anything else is handled on its own, in order, as it always was."""
        plain: list[RelayEvent] = []
        for item in items:
            if isinstance(item, RelayEvent) and self._plain(item):
                plain.append(item)
                continue
            if plain:
                await self._receive_runs(plain)
                plain = []
            if isinstance(item, StreamInfo):
                self._check_log(item)
            else:
                await self._handle_one(item)
            if self.status != ACTIVE:
                return
        if plain:
            await self._receive_runs(plain)

    def _plain(self, item: RelayEvent) -> bool:
        return item.seq > self.cursor and receiving.plain_message(
            item, self.me, self.inbound, len(self.state["roster"])
        )

    async def _handle_one(self, item: RelayEvent | Gap) -> None:
        # Decrypting spends message keys in memory; if storing the result fails, the keys
        # must come back so the same event can be read again after the pause.
        snapshot = (
            self.inbound.to_bytes()
            if isinstance(item, RelayEvent) and item.kind in ("message", "direct")
            else None
        )
        try:
            await self._handle(item)
        except (asyncio.CancelledError, RelayUnavailable):
            raise
        except StoreError as exc:
            if isinstance(exc.__cause__, (TypeError, ValueError)):
                raise  # not the disk: a value that cannot be stored
            if snapshot is not None:
                self.inbound = InboundSessions.from_bytes(snapshot)
            raise _StoragePaused(exc) from exc
        except Exception as exc:  # noqa: BLE001 - one bad event must not stop the group
            self._skipped(item, exc)
            if isinstance(item, RelayEvent):
                self._advance(item.seq)

    def _skipped(self, item: RelayEvent | Gap, exc: Exception) -> None:
        log.warning("could not process event: %s", type(exc).__name__)
        if not (isinstance(item, RelayEvent) and item.seq <= self._reread_through):
            # (While re-reading a restored log, events read before fail quietly.)
            self._emit(ErrorOccurred(self.group_id, said=Said.EVENT_SKIPPED, cause=exc))

    async def _receive_runs(self, plain: list[RelayEvent]) -> None:
        """Read and store plain message events in runs of up to BATCH_MESSAGES, one
        transaction per run, off the event loop.

        Decrypting and the on-device checks happen in a worker thread; the receive rules and
        state changes then run here, in order, with events held back; one transaction stores
        the messages, unread count, counters, sessions, state and cursor together, and only
        then are the run's events told. While a run is being applied and stored, the next one
        is already decrypted in another thread (SQLite and libsodium both let go of the GIL):
        only its message keys move meanwhile, and the state a run stores is its own, taken
        before.
        If the store refuses, everything goes back to how it was before that run (message
        keys included, also those the next run spent) and receiving pauses: nothing is
        skipped and nothing is told twice. The roster lock keeps roster changes out."""
        runs = [plain[i : i + BATCH_MESSAGES] for i in range(0, len(plain), BATCH_MESSAGES)]
        asks: list[bytes] = []
        async with self._roster_lock:
            inbound_before = self.inbound.to_bytes()
            decoding = asyncio.ensure_future(asyncio.to_thread(self._decode_run, runs[0]))
            for index, run in enumerate(runs):
                reads, inbound_after = await decoding
                if index + 1 < len(runs):  # the next run decodes while this one is applied
                    decoding = asyncio.ensure_future(
                        asyncio.to_thread(self._decode_run, runs[index + 1])
                    )
                state_before = json.dumps(self.state, ensure_ascii=False)
                counters_before, warned_before = dict(self.counters), set(self._warned)
                held = self._held = Held()
                try:
                    for read in reads:
                        try:
                            asks += self._take(read)
                        except Exception as exc:  # noqa: BLE001 - one bad event must not stop the group
                            self._skipped(read.item, exc)
                finally:
                    self._held = None
                state_json = (
                    json.dumps(self.state, ensure_ascii=False) if held.state_changed else None
                )
                committing = asyncio.to_thread(
                    self._commit_run,
                    held.messages,
                    run[-1].seq,
                    dict(self.counters),
                    inbound_after,
                    state_json,
                    self._state_version,
                )
                try:
                    stored, self.unread = await committing
                except StoreError as exc:
                    if index + 1 < len(runs):
                        with contextlib.suppress(Exception):
                            await decoding  # its thread is still spending keys: let it end
                    self.inbound = InboundSessions.from_bytes(inbound_before)
                    self.counters, self._warned = counters_before, warned_before
                    self.state = json.loads(state_before)
                    if isinstance(exc.__cause__, (TypeError, ValueError)):
                        raise
                    raise _StoragePaused(exc) from exc
                inbound_before = inbound_after
                self.cursor = max(self.cursor, run[-1].seq)
                self._index_waiting = self._index_waiting or len(held.messages) >= INDEX_LATER_MIN
                new = {id(m) for m in stored}
                for event in held.events:
                    if not isinstance(event, MessageReceived) or id(event.message) in new:
                        self._deliver(event)
        for sender in dict.fromkeys(asks):
            await self._ask_for_share(sender)

    def _decode_run(self, run: list[RelayEvent]) -> tuple[list[Read], bytes]:
        """Worker thread: only the inbound sessions change here (see peertui.core.receiving).
        Also returns them as they are after the run, to be stored with it."""
        reads = []
        let_go = time.monotonic() + GIL_SLICE_S
        for item in run:
            reads.append(receiving.decode(self.inbound, self.me, self.language, item))
            if time.monotonic() >= let_go:
                # Let go of the GIL now and then: a thread that never blocks keeps it for the
                # interpreter's whole switch interval (5 ms) each time, and the event loop
                # (keys, the screen) waits that long every time it wants it back.
                time.sleep(0)
                let_go = time.monotonic() + GIL_SLICE_S
        return reads, self.inbound.to_bytes()

    def _commit_run(
        self,
        messages: list[Message],
        seq: int,
        counters: dict[str, int],
        inbound: bytes,
        state_json: str | None,
        state_version: int,
    ) -> tuple[list[Message], int]:
        """Worker thread: one transaction for everything a run changed; the new messages and
        the unread count."""
        store, gid = self.store, self.group_id
        with store.transaction("the received messages"):
            stored = store.add_new_messages(messages, index_later=len(messages) >= INDEX_LATER_MIN)
            unread = store.get(f"unread:{gid}", 0)
            if stored:
                unread += len(stored)
                store.put(f"unread:{gid}", unread)
            store.put(f"counters:{gid}", counters)
            store.put(f"inbound:{gid}", b64e(inbound))
            # A save() on the loop meanwhile stored the newer state, this run's changes included.
            if state_json is not None and state_version == self._state_version:
                store.save_group_json(gid, state_json)
            store.put(f"cursor:{gid}", seq)
        return stored, unread

    def _take(self, read: Read) -> list[bytes]:
        """Apply one decoded message event (on the loop, inside a run); returns the senders
        whose session key must be asked for again once the run is stored."""
        item = read.item
        if item.sender == self.me:
            self._check_own_post(item)
            return []
        if read.error is not None:
            raise read.error
        if read.unreadable is not None:
            return self._unreadable(item, read.unreadable)
        assert read.decrypted is not None
        if not self._accept_now(read.decrypted):
            return []
        if read.bad_payload is not None:
            raise read.bad_payload
        assert read.body is not None
        self._on_group_payload(item, read.decrypted, read.body, read)
        return []

    def _unreadable(self, item: RelayEvent, exc: CryptoError) -> list[bytes]:
        if item.seq < self.state["joined_seq"] or not self.state["joined_seq"]:
            return []  # sent before we were admitted: by design we cannot read it
        if not isinstance(exc, UnknownSession):
            raise exc
        assert self.roster is not None
        if self.status == ACTIVE and self.roster.is_member(item.sender):
            queue = self._pending.setdefault(item.sender, [])
            if len(queue) < MAX_PENDING_PER_SENDER:
                queue.append(item)
            return [item.sender]
        return []

    def _check_log(self, info: StreamInfo) -> None:
        """Compare what the relay says about its log with our cursor when a stream opens.

        A new epoch (its store was restored or reset) or a newest seq below our cursor means
        seq numbers we passed may now name new events: warn in words and read the log again
        from the start (history keeps each message once) instead of waiting past them."""
        epoch_key = f"log_epoch:{self.group_id}"
        known = self.store.get(epoch_key, "")
        if info.epoch and known and info.epoch != known:
            rewound = RelayRewound(self.group_id, restored=True)
        elif info.last_seq is not None and info.last_seq < self.cursor:
            rewound = RelayRewound(
                self.group_id, restored=False, log_end=info.last_seq, already_read=self.cursor
            )
        else:
            if info.epoch and info.epoch != known:
                self.store.put(epoch_key, info.epoch)
            return
        self._reread_through = max(self._reread_through, self.cursor)
        self.store.put(f"reread:{self.group_id}", self._reread_through)
        self.store.put(f"cursor:{self.group_id}", 0)
        self.cursor = 0
        if info.epoch:
            self.store.put(epoch_key, info.epoch)
        self._emit(rewound)
        raise _Resync

    async def _wait_for_storage(self, problem: StoreError) -> None:
        """Receiving is paused until this device can store again; then it resumes from the
        saved cursor, so nothing that arrived meanwhile is skipped."""
        self._set_connection(OFFLINE, problem)
        self._emit(ReceivingPaused(self.group_id, problem))
        backoff = Backoff(base=0.5, cap=15.0)
        while True:
            await asyncio.sleep(0.2 + backoff.next_delay())
            try:
                self._save_sessions()  # the restored message keys, then carry on
                self.store.put(f"cursor:{self.group_id}", self.cursor)
            except StoreError:
                continue
            self._emit(Notice(self.group_id, said=Said.RECEIVING_RESUMED))
            return

    async def _refresh_membership(self, refusal: RelayRefused) -> None:
        with contextlib.suppress(RelayError):
            status = (await self.client.membership(self.group_id)).get("status")
            if status in ("removed", "banned"):
                self._lost_membership(REMOVED if status == "removed" else BANNED)
                return
        self._emit(ErrorOccurred(self.group_id, said=Said.STREAM_REFUSED, cause=refusal))

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
                self._emit(
                    Notice(
                        self.group_id,
                        said=Said.THANKED,
                        nick=self.nick_of(sender),
                        detail=thanked.nick,
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
        chosen = resolve_member(fake_members, who)
        return next(r for r in requests if r["key"] == chosen.key)
