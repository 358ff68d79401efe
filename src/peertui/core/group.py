"""One group membership at run time: its keys, its roster, its relay connection, its outbox.

The engine owns one `GroupSession` per group. A session keeps its durable state in the
encrypted store (a JSON dict plus separately saved cursor and session blobs, so that the hot
path of receiving a message rewrites only what changed) and turns relay events into engine
events for the front-ends.

A session's parts are a chain of classes, one module each, every one subclassing the one
before: `group_state.GroupBase` (attributes, persistence, prekeys, views), then
`group_sending`, `group_joining`, `group_moderation`, `group_receiving`, and here
`GroupSession`: the lifecycle (the follow loop, and plain messages read and stored in runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from concurrent.futures import Future

from peertui.core import backlog_process, receiving
from peertui.core.backlog_process import BacklogProcess
from peertui.core.crypto import (
    CryptoError,
    InboundSessions,
    UnknownSession,
)
from peertui.core.events import (
    ConnectionChanged,
    ErrorOccurred,
    MessageReceived,
    Notice,
    ReceivingPaused,
    RelayRewound,
    Said,
)
from peertui.core.group_receiving import GroupReceiving
from peertui.core.group_sending import RosterBehind
from peertui.core.group_state import now_ms
from peertui.core.models import (
    ACTIVE,
    BANNED,
    CONNECTED,
    OFFLINE,
    PENDING,
    REMOVED,
)
from peertui.core.prefetch import Prefetch
from peertui.core.receiving import Held, Read
from peertui.core.relay_client import (
    Backoff,
    Gap,
    RelayError,
    RelayEvent,
    RelayRefused,
    RelayUnavailable,
    StreamInfo,
    follow,
)
from peertui.core.store import Message, StoreError
from peertui_wire.encoding import b64e

# What callers import from here, wherever it is defined now.
__all__ = ["GroupSession", "RosterBehind", "now_ms"]

log = logging.getLogger(__name__)

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


class _Resync(Exception):
    """The relay's log went back in time: follow again from the (reset) cursor."""


class _StoragePaused(Exception):
    """This device could not store an event (disk full or failing): pause, then resume."""

    def __init__(self, problem: StoreError) -> None:
        super().__init__(str(problem))
        self.problem = problem


class GroupSession(GroupReceiving):
    """Everything one membership needs; created by the engine, never by a front-end."""

    # The engine's second process for reading the large runs of a backlog (backlog_process).
    backlog: BacklogProcess | None = None

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
        if self.backlog is not None and len(plain) >= 2 * BATCH_MESSAGES:
            self.backlog.start()  # (a relay that did not say how long its log is)
        asks: list[bytes] = []
        async with self._roster_lock:
            inbound_before = self.inbound.to_bytes()
            decoding = self._start_reading(runs[0])
            for index, run in enumerate(runs):
                reads, inbound_after = await decoding
                if index + 1 < len(runs):  # the next run decodes while this one is applied
                    decoding = self._start_reading(runs[index + 1])
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

    def _start_reading(self, run: list[RelayEvent]) -> asyncio.Future[tuple[list[Read], bytes]]:
        """Read a run in the backlog process when it is large and the process is ready
        (from the sessions as they are now, after the run before), else in a thread."""
        backlog = self.backlog
        if backlog is not None and len(run) >= backlog_process.RUN_MIN:
            future = backlog.submit(self.inbound.to_bytes(), self.me, self.language, run)
            if future is not None:
                return asyncio.ensure_future(self._read_there(backlog, future, run))
        return asyncio.ensure_future(asyncio.to_thread(self._decode_run, run))

    async def _read_there(
        self,
        backlog: BacklogProcess,
        future: Future[backlog_process.RunRead],
        run: list[RelayEvent],
    ) -> tuple[list[Read], bytes]:
        read = await backlog.outcome(future, run)
        if read is None:  # the sessions are still those before the run: read it here
            return await asyncio.to_thread(self._decode_run, run)
        outcomes, after = read
        self.inbound = InboundSessions.from_bytes(after)
        return backlog_process.reads_of(run, outcomes), after

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
        if (
            self.backlog is not None
            and info.last_seq is not None
            and info.last_seq - self.cursor >= backlog_process.BACKLOG_MIN
        ):
            self.backlog.start()  # it loads while the first runs are read here
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
