"""The notifier seam, and the replica it keeps fresh in cluster mode.

A notification says "group G has events up to seq S (and roster index R)". With one process
(`LocalNotifier`) the writer publishes to the streams itself, as the relay always did: the one
storage thread completes writes in commit order. With several (`peertui_relay.pg.PgNotifier`)
writers only commit and notify; `ClusterFanout` then reads each group's new rows once, in seq
order, applies roster events to the in-memory replica (`Group.state`) and pushes the frames to
this process's streams, so every process's streams see the same order.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from peertui_relay.hub import Group, sse_frame_from_row
from peertui_relay.logs import QuietLog
from peertui_wire.roster import RosterError

if TYPE_CHECKING:
    from peertui_relay.eventlog import EventLog

# A database away for a while would otherwise write these twice a second per group.
_quiet = QuietLog()
PAGE = 500  # rows read at once for the fan-out


@dataclass(frozen=True)
class Change:
    group_id: str
    seq: int  # the group has events up to this seq
    roster_index: int = -1  # the newest roster index this change added, -1 if none
    gone: bool = False  # the group was deleted (reclaimed when idle)

    @classmethod
    def parse(cls, payload: str) -> Change | None:
        """From a notification payload "G S R" or "G gone"; None if it is not one."""
        parts = payload.split()
        try:
            if len(parts) == 2 and parts[1] == "gone":
                return cls(parts[0], 0, gone=True)
            if len(parts) == 3:
                return cls(parts[0], int(parts[1]), int(parts[2]))
        except ValueError:
            pass
        return None


class Notifier(Protocol):
    inline: bool  # True: writers publish to this process's streams themselves

    @property
    def ready(self) -> bool:
        """True while this process hears every commit (its LISTEN connection is up)."""
        ...

    async def wait_ready(self, timeout: float) -> None: ...

    async def run(
        self, on_change: Callable[[Change], None], on_connected: Callable[[], Awaitable[None]]
    ) -> None: ...


class LocalNotifier:
    """One process: nothing to listen to; writes publish inline, in commit order."""

    inline = True
    ready = True

    async def wait_ready(self, timeout: float) -> None:
        return None

    async def run(
        self, on_change: Callable[[Change], None], on_connected: Callable[[], Awaitable[None]]
    ) -> None:
        await on_connected()


class ClusterFanout:
    """Pushes committed rows to local streams, one reader task per group with news."""

    def __init__(
        self,
        log: EventLog,
        groups: dict[str, Group],
        load_group: Callable[[str], Awaitable[Group | None]],
    ) -> None:
        self.log, self.groups, self.load_group = log, groups, load_group
        self.wanted: dict[str, int] = {}
        self.wanted_roster: dict[str, int] = {}
        self.pumps: dict[str, asyncio.Task[None]] = {}

    def on_change(self, change: Change) -> None:
        gid = change.group_id
        if change.gone:
            group = self.groups.pop(gid, None)
            if group is not None:
                group.close_all()
            return
        self.wanted[gid] = max(self.wanted.get(gid, 0), change.seq)
        self.wanted_roster[gid] = max(self.wanted_roster.get(gid, -1), change.roster_index)
        if gid not in self.pumps:
            self.pumps[gid] = asyncio.create_task(self._pump(gid))

    async def caught_up(self) -> None:
        """After a (re)connect: whatever was committed while nobody listened is read now."""
        records = {record.group_id: record for record in await self.log.groups()}
        for gid in list(self.groups):
            record = records.get(gid)
            if record is None:
                self.on_change(Change(gid, 0, gone=True))
            else:
                self.on_change(Change(gid, record.last_seq))

    async def _pump(self, gid: str) -> None:
        try:
            while await self._step(gid):
                pass
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the group is read afresh on its next request
            _quiet.warning("fanout_gave_up", f"fan-out gave up on a group ({type(exc).__name__})")
        finally:
            self.pumps.pop(gid, None)

    async def _step(self, gid: str) -> bool:
        """Deliver one page of news for `gid`; False once there is none."""
        group = self.groups.get(gid)
        if group is None:
            # New to this process: loaded as it is now (nobody here has a stream to it yet),
            # then whatever was committed after that is delivered as usual.
            return await self.load_group(gid) is not None
        through = self.wanted.get(gid, 0)
        roster_behind = self.wanted_roster.get(gid, -1) >= group.state.next_index
        if group.last_seq >= through and not roster_behind:
            return False
        try:
            await self._deliver(group, through)
        except Exception as exc:  # noqa: BLE001 - the database may be away for a moment
            _quiet.warning("fanout_read", f"fan-out read failed ({type(exc).__name__}); retrying")
            await asyncio.sleep(0.5)
        return True

    async def _deliver(self, group: Group, through: int) -> None:
        rows = await self.log.fanout_rows(group.group_id, group.last_seq, through, PAGE)
        for row in rows:
            closing = b""
            if row.kind == "roster":
                event = json.loads(row.body_json)["event"]
                await self.apply_roster(group, event)
                closing = group.note_membership_change(event)
            group.publish_frame(
                row.seq,
                sse_frame_from_row(row.seq, row.kind, row.sender, row.ts, row.body_json),
                row.visible,
                row.recipient,
            )
            if closing:
                group.close_streams(closing)
        # A full page may stop short of `through`; the next step reads on from its end.
        group.last_seq = rows[-1].seq if len(rows) == PAGE else max(group.last_seq, through)
        if self.wanted_roster.get(group.group_id, -1) >= group.state.next_index:
            await self.refresh_roster(group)

    async def apply_roster(self, group: Group, event: dict) -> None:
        index = event.get("index", -1)
        if index < group.state.next_index:
            return  # this process applied it when it stored it, or an earlier row did
        if index > group.state.next_index:
            await self.refresh_roster(group)
            return
        try:
            group.state.apply(event)
        except RosterError:
            await self.refresh_roster(group)

    async def refresh_roster(self, group: Group) -> None:
        """Bring the replica's roster up to the stored one (a stored event was verified)."""
        for event in await self.log.roster(group.group_id, group.state.next_index):
            if event.get("index") != group.state.next_index:
                continue
            group.state.apply(event)
            closing = group.note_membership_change(event)
            if closing:
                group.close_streams(closing)
