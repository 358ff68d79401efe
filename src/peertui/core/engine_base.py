"""The engine's state and the look-ups every part of it uses: its groups by id or name,
the members and messages of one, and its events to the front-ends."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from peertui.config import Settings, interface_language
from peertui.core.backlog_process import BacklogProcess
from peertui.core.errors import (
    GroupNotActive,
    NotFound,
    Why,
    refused,
)
from peertui.core.events import Event
from peertui.core.group import GroupSession
from peertui.core.hosting import HostedRelay, RelayFactory
from peertui.core.models import (
    ACTIVE,
    GroupInfo,
    Member,
    StartupNote,
)
from peertui.core.moderation import guidelines_hash
from peertui.core.store import (
    Message,
    Store,
)
from peertui.paths import Paths

log = logging.getLogger(__name__)


class EngineBase:
    """An open home's groups, store and settings; `peertui.core.engine.Engine` is the whole
    engine, built on this."""

    def __init__(
        self,
        paths: Paths,
        settings: Settings,
        store: Store,
        problems: list[StartupNote],
        relay_factory: RelayFactory | None = None,
    ) -> None:
        self.paths = paths
        self.settings = settings
        self.store = store
        self.startup_problems = problems
        self._subscribers: list[Callable[[Event], None]] = []
        self._groups: dict[str, GroupSession] = {}
        self._relay_factory = relay_factory
        self._embedded: HostedRelay | None = None
        self._home_lock: Any = None
        self._warming: asyncio.Future[None] | None = None
        # One child process that reads the large runs of a backlog (decrypting, checking),
        # shared by every group; started only when a stream opens on a large backlog.
        self._backlog = BacklogProcess(interface_language(settings.language))
        # What this device hides, read from the store once: asked for every message shown,
        # often while a catch-up holds the store for its commits.
        self._hiding: dict[str, frozenset[str]] = {}
        # Drafts a full disk could not take: held here while peertui runs (never dropped), and
        # written out by the next draft change that fits.
        self._drafts_in_memory: dict[str, str] = {}

    def subscribe(self, callback: Callable[[Event], None]) -> None:
        self._subscribers.append(callback)

    def _emit(self, event: Event) -> None:
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:  # noqa: BLE001 - a front-end bug must not break delivery to others
                log.exception("event subscriber failed")

    def groups(self) -> list[GroupInfo]:
        return [s.info() for s in self._groups.values()]

    def group(self, group_id: str) -> GroupInfo:
        return self._session(group_id).info()

    def _session(self, group_id: str) -> GroupSession:
        session = self._groups.get(group_id)
        if session is None:
            matches = [
                s
                for s in self._groups.values()
                if s.state["name"].casefold() == group_id.casefold()
                or s.group_id.startswith(group_id)
            ]
            if len(matches) != 1:
                raise refused(NotFound, Why.NO_SUCH_GROUP, group_id=group_id)
            session = matches[0]
        return session

    def _active(self, group_id: str) -> GroupSession:
        session = self._session(group_id)
        if session.status != ACTIVE:
            raise GroupNotActive(session.state["name"], session.status)
        return session

    def accept_guidelines(self, group_id: str) -> None:
        session = self._session(group_id)
        session.state["guidelines_accepted"] = guidelines_hash(session.state["guidelines"])
        session.save()

    def members(self, group_id: str) -> list[Member]:
        return self._session(group_id).members()

    def my_member_id(self, group_id: str) -> str:
        """This device's member id in a group (to tell whether a moderation action is about
        me, also after a removal, when I am no longer among the members)."""
        return self._session(group_id).identity.member_id

    def message(self, group_id: str, msg_id: str) -> Message:
        message = self.store.get_message(self._session(group_id).group_id, msg_id)
        if message is None:
            raise refused(NotFound, Why.MESSAGE_NOT_IN_HISTORY)
        return message
