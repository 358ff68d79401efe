"""The engine: the one API both front-ends use. No UI here, no Textual.

A front-end opens an `Engine`, subscribes to its events, and calls its methods; the engine
calls crypto, the encrypted store and the relay client, and reports back through events.
Every method that fails raises a `PeertuiError` whose text a person can act on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

import nacl.utils

from peertui.config import (
    Settings,
    apply_private_settings,
    interface_language,
    load_settings,
    private_settings,
    private_settings_in_file,
    save_settings,
)
from peertui.core import joinbox, payloads
from peertui.core.crypto import Identity, Invite, PrekeySecrets
from peertui.core.crypto.invite import BadInvite
from peertui.core.engine_personal import EnginePersonal
from peertui.core.errors import (
    InvalidInput,
    NotAllowed,
    NotFound,
    PeertuiError,
    RelayAction,
    RelayFailed,
    UnusableInvite,
    Why,
    refused,
)
from peertui.core.events import Notice, Said
from peertui.core.group import GroupSession
from peertui.core.homelock import acquire_home
from peertui.core.hosting import RelayFactory
from peertui.core.joinbox import InviteKeys
from peertui.core.keys import Leftover
from peertui.core.models import (
    ACTIVE,
    LEFT,
    PENDING,
    ConfigNotRewritten,
    GroupInfo,
    PrivateSettingsMoved,
    StartupNote,
)
from peertui.core.moderation import (
    DEFAULT_GUIDELINES,
    GUIDELINES_KEY_BYTES,
    default_guidelines,
    guidelines_commitment,
    guidelines_hash,
)
from peertui.core.relay_client import RelayClient, RelayError, RelayRefused
from peertui.core.store import (
    Message,
    OldProtocolHome,
    StorageFull,
    Store,
    order_key,
    wipe,
)
from peertui.paths import Paths
from peertui.wellbeing import fold
from peertui_wire.encoding import b64d, b64e
from peertui_wire.ids import group_id_for, invite_secret_hash
from peertui_wire.protocol import PROTOCOL_VERSION
from peertui_wire.roster import genesis

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

DEFAULT_INVITE_USES = 10
DEFAULT_INVITE_SECONDS = 7 * 86400


class Engine(EnginePersonal):
    """The one API of both front-ends. Its parts, each a class of its own module: the state
    and look-ups (`engine_base`), moderation (`engine_moderation`), what is kept for this
    person only (`engine_personal`); here opening and closing, hosting, joining, posting,
    history and drafts."""

    # ----- lifecycle ---------------------------------------------------------------------
    @classmethod
    async def open(
        cls,
        paths: Paths,
        passphrase: str | None = None,
        *,
        relay_factory: RelayFactory | None = None,
    ) -> Engine:
        """Unlock the store and reconnect every group; safe to call with no network at all.

        `relay_factory` makes the relay for groups hosted on this computer; without one, only
        groups on a relay address can be hosted.
        """
        settings, problems = load_settings(paths)
        home_lock = acquire_home(paths)
        try:
            # In a worker thread: the key derivation (Argon2id, 128 MiB) takes 0.4-0.7 s on a
            # quiet machine and seconds on a loaded one, and held the event loop all that time
            # (the TUI's safety keys, and every other stream of the process, which then missed
            # keepalives and reconnected). PyNaCl lets go of the GIL while it derives.
            store = await asyncio.to_thread(Store.open, paths, passphrase)
        except BaseException:
            home_lock.release()
            raise
        old = [s for s in store.list_groups() if s.get("protocol") != PROTOCOL_VERSION]
        if old:
            store.close()
            home_lock.release()
            raise OldProtocolHome(paths.data_dir, int(old[0].get("protocol", 1)))
        notes: list[StartupNote] = [*problems, *store.notices]
        notes += _private_settings(paths, settings, store)
        engine = cls(paths, settings, store, notes, relay_factory)
        engine._home_lock = home_lock
        # The message checks load their lists now, off the event loop, not when the first
        # message is written or received (FINDINGS7 F3: seconds of frozen sends and a
        # newcomer's first message held up). Kept referenced so it is not collected.
        engine._warming = asyncio.ensure_future(
            asyncio.to_thread(fold.warm_up, interface_language(settings.language))
        )
        if settings.history_retention_days > 0:
            store.purge_history(
                int(time.time() * 1000) - settings.history_retention_days * 86_400_000
            )
        for state in store.list_groups():
            if state.get("name") == _LEGACY_UNNAMED:
                state["name"] = ""  # stored by earlier versions; ui.wording.group_name words it
            hosted_here = state.get("embedded") and state["status"] in (PENDING, ACTIVE)
            # Without a factory the stored address stays: the session reports it unreachable.
            if hosted_here and relay_factory is not None:
                state["relay_url"] = await engine._embedded_url()
            session = engine._new_session(state)
            engine._groups[session.group_id] = session
            session.start()
        return engine

    async def close(self) -> None:
        for session in list(self._groups.values()):
            await session.stop()
        if self._embedded is not None:
            await asyncio.to_thread(self._embedded.stop)
            self._embedded = None
        self._backlog.close()
        self.store.close()
        if self._home_lock is not None:
            self._home_lock.release()
            self._home_lock = None

    def _new_session(self, state: dict[str, Any]) -> GroupSession:
        session = GroupSession(
            state,
            self.store,
            self._emit,
            self.settings.proxy,
            interface_language(self.settings.language),
        )
        session.backlog = self._backlog
        return session

    async def _embedded_url(self) -> str:
        if self._embedded is None:
            if self._relay_factory is None:
                raise NotAllowed(
                    "This peertui was started without a relay of its own, so it cannot host a "
                    "group on this computer. Give a relay address instead."
                )
            port = self.store.get("embedded_relay_port", 0)
            relay = self._relay_factory(self.paths.data_dir / "relay", port=port)
            try:
                url = await asyncio.to_thread(relay.start)
            except OSError:
                relay = self._relay_factory(self.paths.data_dir / "relay")
                url = await asyncio.to_thread(relay.start)
            self._embedded = relay
            self.store.put("embedded_relay_port", int(url.rsplit(":", 1)[1].split("/")[0]))
            return url
        return self._embedded.url

    def save_settings(self) -> None:
        """config.toml gets what must be known before unlocking; the rest goes encrypted."""
        self.store.put(PRIVATE_SETTINGS_KEY, private_settings(self.settings))
        save_settings(self.paths, self.settings)

    # ----- groups ------------------------------------------------------------------------
    async def host_group(
        self,
        name: str,
        relay_url: str | None = None,
        nick: str = "host",
        guidelines: str | None = None,
    ) -> GroupInfo:
        name = payloads.safe_line(name, 80)
        if not name:
            raise refused(InvalidInput, Why.GROUP_NAME_MISSING)
        nick = payloads.clean_nick(nick)
        embedded = not relay_url
        url = relay_url.rstrip("/") if relay_url else await self._embedded_url()
        if not url.startswith(("http://", "https://")):
            raise refused(InvalidInput, Why.RELAY_URL_SCHEME)
        identity = Identity.generate()
        gid = group_id_for(identity.public_key)
        state = GroupSession.new_state(
            group_id=gid,
            name=name,
            relay_url=url,
            nick=nick,
            identity=identity,
            status=ACTIVE,
            embedded=embedded,
        )
        text = (guidelines or default_guidelines()).strip() + "\n"
        guidelines_key = nacl.utils.random(GUIDELINES_KEY_BYTES)
        state.update(
            owner_key=b64e(identity.public_key),
            guidelines=text,
            guidelines_key=b64e(guidelines_key),
            guidelines_accepted=guidelines_hash(text),
        )
        first = genesis(identity.signing_key)
        async with RelayClient(url, identity.signing_key) as client:
            try:
                await client.check_protocol()
                await client.create_group(first)
            except RelayError as exc:
                raise RelayFailed(RelayAction.CREATE_GROUP, exc, url) from None
        state["roster"] = [first]
        session = self._new_session(state)
        session.save()
        try:
            await session.publish_prekey()
        except RelayError as exc:
            raise RelayFailed(RelayAction.PUBLISH_KEY, exc, url) from None
        self._groups[gid] = session
        await session.moderate("guidelines", value=guidelines_commitment(text, guidelines_key))
        session.start()
        return session.info()

    async def create_invite(
        self,
        group_id: str,
        uses: int = DEFAULT_INVITE_USES,
        expires_in_s: int = DEFAULT_INVITE_SECONDS,
    ) -> str:
        session = self._active(group_id)
        session.require_moderator()
        if not 1 <= uses <= 1000:
            raise refused(InvalidInput, Why.INVITE_USES_RANGE)
        invite = Invite.create(session.state["relay_url"], b64d(session.state["owner_key"]))
        expires = int(time.time() * 1000) + expires_in_s * 1000
        try:
            await session.client.add_invite(
                session.group_id, invite_secret_hash(invite.secret), expires, uses
            )
        except RelayError as exc:
            raise RelayFailed(RelayAction.REGISTER_INVITE, exc) from None
        await session.share_invite_key(
            InviteKeys(b64e(invite.secret), b64e(invite.join_secret), expires)
        )
        return invite.token()

    @staticmethod
    def check_invite(invite: str) -> str:
        """Check an invite before asking anything else; returns the relay address it names.
        It needs nothing of an open engine, so a form can check while the history opens."""
        try:
            return Invite.parse(invite.strip()).relay_url
        except BadInvite as exc:
            raise UnusableInvite(exc.fault, exc.version) from None

    async def join(
        self,
        invite: str,
        nick: str,
        pronouns: str = "",
        intro: str = "",
        accepted_guidelines: str = DEFAULT_GUIDELINES,
    ) -> GroupInfo:
        """Ask to join; the group stays pending until a moderator approves.

        `accepted_guidelines` is the text the person was shown and accepted before joining;
        if the group's own guidelines differ, they are shown again on approval.
        """
        try:
            parsed = Invite.parse(invite.strip())
        except BadInvite as exc:
            raise UnusableInvite(exc.fault, exc.version) from None
        if parsed.group_id in self._groups and self._groups[parsed.group_id].status in (
            PENDING,
            ACTIVE,
        ):
            raise refused(InvalidInput, Why.ALREADY_IN_GROUP)
        nick = payloads.clean_nick(nick)
        earlier = self._groups.get(parsed.group_id)
        earlier_name = earlier.state["name"] if earlier is not None and earlier.roster else ""
        identity = Identity.generate()
        reply = joinbox.KeyPair.generate()  # a denial reason is sealed to this, for us alone
        request = payloads.encode(
            "join",
            key=b64e(identity.public_key),
            reply=b64e(reply.public),
            nick=nick,
            pronouns=payloads.safe_line(pronouns, 40),
            intro=payloads.safe_line(intro, payloads.MAX_SHORT),
        )
        if len(request) > joinbox.MAX_JOIN_PAYLOAD_BYTES:
            raise refused(InvalidInput, Why.JOIN_REQUEST_TOO_LONG)
        sealed = joinbox.seal_request(parsed.join_key, parsed.group_id, request)
        async with RelayClient(
            parsed.relay_url, identity.signing_key, proxy=self.settings.proxy or None
        ) as client:
            prekeys = PrekeySecrets.create(identity, parsed.group_id)
            prekey_unpublished = False
            try:
                await client.check_protocol()
                await client.request_join(parsed.group_id, parsed.secret, sealed)
                # Sealed welcomes and shares need somewhere to go before I am admitted.
                try:
                    await client.put_prekey(parsed.group_id, prekeys.bundle(identity).to_bytes())
                except RelayRefused as exc:
                    # The request is in: a moderator who admits at once can leave me, for a
                    # moment, neither a requester nor (yet) a member on a relay in another
                    # process. The session publishes the prekey itself once it runs.
                    if exc.code != "not_member":
                        raise
                    prekey_unpublished = True
            except RelayError as exc:
                raise RelayFailed(RelayAction.REQUEST_JOIN, exc) from None
        state = GroupSession.new_state(
            group_id=parsed.group_id,
            name=earlier_name,  # no name until the welcome: ui.wording.group_name words it
            relay_url=parsed.relay_url,
            nick=nick,
            identity=identity,
            status=PENDING,
            pronouns=pronouns,
            intro=intro,
        )
        state.update(
            owner_key=b64e(parsed.owner_key),
            joining_reply=b64e(reply.secret),
            guidelines_accepted=guidelines_hash(accepted_guidelines.strip() + "\n"),
        )
        if prekey_unpublished:
            state["prekey_unpublished"] = True
        self.store.put(f"prekeys:{parsed.group_id}", b64e(prekeys.to_bytes()))
        session = self._new_session(state)
        session.save()
        self._groups[parsed.group_id] = session
        session.start()
        return session.info()

    def check_can_post(self, group_id: str) -> None:
        """Raises NotAllowed (in words) when a message could not be posted now: asked before
        anything says a message is being sent."""
        self._session(group_id).check_can_post()

    async def send(self, group_id: str, text: str, cw: str = "") -> Message:
        session = self._session(group_id)
        text = payloads.clean_text(text)
        cw = payloads.safe_line(cw, 100)
        return await session.send(text, cw)

    async def thank(self, group_id: str, msg_id: str) -> None:
        session = self._active(group_id)
        message = self.store.get_message(session.group_id, msg_id)
        if message is None:
            raise refused(NotFound, Why.MESSAGE_NOT_IN_HISTORY)
        if message.sender == session.identity.member_id:
            raise refused(InvalidInput, Why.THANKS_FOR_OWN_MESSAGE)
        await session.post_payload(payloads.encode("thanks", id=msg_id))

    def history(
        self,
        group_id: str,
        limit: int = 50,
        before_ts: int | None = None,
        before_msg_id: str | None = None,
    ) -> list[Message]:
        """A page of history, oldest first; pass the first message's ts and id for the page before."""
        return self.store.latest(
            self._session(group_id).group_id, limit, before_ts, before_msg_id=before_msg_id
        )

    def history_after(
        self, group_id: str, after_ts: int, after_msg_id: str, limit: int = 50
    ) -> list[Message]:
        """The page of history after a message (pass its ts and id), oldest first."""
        return self.store.following(self._session(group_id).group_id, after_ts, after_msg_id, limit)

    def search(self, query: str, group_id: str | None = None, limit: int = 50) -> list[Message]:
        """The newest messages with every word of `query`, newest first; messages written
        while the relay was away, still waiting to be sent, among them (marked by seq 0)."""
        gid = self._session(group_id).group_id if group_id else None
        found = self.store.search(query, gid, limit)
        waiting = [
            self._groups[item_gid].waiting_message(item_id, item)
            for item_gid, item_id, item in self.store.search_outbox(query, gid)
            if item_gid in self._groups
        ]
        if not waiting:
            return found
        sent = {(m.group_id, m.msg_id) for m in found}
        waiting = [m for m in waiting if (m.group_id, m.msg_id) not in sent]
        return sorted([*found, *waiting], key=order_key, reverse=True)[:limit]

    def remember_current_group(self, group_id: str | None) -> None:
        """The group a front-end shows, so the next start opens it again."""
        self.store.put("current_group", group_id)

    def last_group(self) -> str | None:
        """The group shown last time, if it still exists here."""
        group_id = self.store.get("current_group")
        return group_id if group_id in self._groups else None

    def save_draft(self, group_id: str, text: str) -> bool:
        """Keep an unsent draft (encrypted, on this device); it is never sent by itself.

        False when the disk is full: the draft is then kept in memory only, until peertui
        closes or a later draft change fits on the disk."""
        gid = self._session(group_id).group_id
        key = f"draft:{gid}"
        try:
            if text.strip():
                self.store.put(key, text)
            else:
                self.store.delete(key)
                self.store.delete(f"draft_reason:{gid}")
        except StorageFull:
            self._drafts_in_memory[gid] = text
            return False
        self._drafts_in_memory.pop(gid, None)
        return True

    def draft_on_disk(self, group_id: str) -> bool:
        """False while this group's draft is held in memory only (the disk was full)."""
        return self._session(group_id).group_id not in self._drafts_in_memory

    def draft(self, group_id: str) -> str:
        gid = self._session(group_id).group_id
        if gid in self._drafts_in_memory:
            return self._drafts_in_memory[gid]
        return self.store.get(f"draft:{gid}", "")

    def draft_reason(self, group_id: str) -> str:
        """Why the draft holds a message that was waiting to go out (empty if it does not):
        the relay's refusal in words, kept until the draft is sent or cleared."""
        return self.store.get(f"draft_reason:{self._session(group_id).group_id}", "")

    def mark_read(self, group_id: str) -> None:
        session = self._session(group_id)
        if session.unread:
            session.unread = 0
            self.store.put(f"unread:{session.group_id}", 0)

    def message_by_number(self, number: int) -> Message:
        """The message shown as `#number` on this device, in whichever group it is (numbers
        are never reused: see `peertui.ui.ordering`). NotFound says in words why a number
        names nothing: not given yet, or its message is no longer kept here."""
        message = self.store.message_by_number(number)
        if message is not None and message.group_id in self._groups:
            return message
        if message is None and self.store.outbox_number(number):
            raise refused(NotFound, Why.MESSAGE_STILL_WAITING, n=number)
        highest = self.store.highest_number()
        if number > highest:
            if highest:
                raise refused(NotFound, Why.NO_MESSAGE_NUMBER_YET, n=number, last=highest)
            raise refused(NotFound, Why.NO_MESSAGE_SHOWN_YET, n=number)
        raise refused(NotFound, Why.MESSAGE_NUMBER_GONE, n=number)

    async def set_nick(self, group_id: str, nick: str) -> None:
        session = self._session(group_id)
        nick = payloads.clean_nick(nick)
        looks = payloads.nick_skeleton(nick)
        taken = [
            m for m in session.members() if not m.is_me and payloads.nick_skeleton(m.nick) == looks
        ]
        if taken:
            raise refused(InvalidInput, Why.NICK_LOOKS_TAKEN, nick=taken[0].nick)
        session.state["nick"] = nick
        await self._publish_profile(session)

    async def set_profile(self, group_id: str, pronouns: str = "", intro: str = "") -> None:
        """Pronouns and a line about oneself, shown in the members list of this group only."""
        session = self._session(group_id)
        session.state["pronouns"] = payloads.safe_line(pronouns, 40)
        session.state["intro"] = payloads.safe_line(intro, payloads.MAX_SHORT)
        await self._publish_profile(session)

    @staticmethod
    async def _publish_profile(session: GroupSession) -> None:
        session.save()
        if session.status == ACTIVE:
            await session.post_payload(
                payloads.encode(
                    "profile",
                    nick=session.state["nick"],
                    pronouns=session.state["pronouns"],
                    intro=session.state["intro"],
                )
            )

    async def leave(self, group_id: str) -> None:
        session = self._session(group_id)
        if session.status == ACTIVE:
            if session.role == "owner":
                raise refused(NotAllowed, Why.OWNER_CANNOT_LEAVE)
            with contextlib.suppress(PeertuiError):
                await session.moderate("leave", target=session.me)
        await session.stop()
        if session.status != LEFT:  # the signed leave already said so when it went through
            session.state["status"] = LEFT
            session.save()
            self._emit(Notice(session.group_id, said=Said.LEFT))

    async def forget_group(self, group_id: str) -> None:
        """Delete a group this device has left, with its whole history, from this device."""
        session = self._session(group_id)
        if session.status == ACTIVE:
            raise refused(NotAllowed, Why.LEAVE_BEFORE_FORGETTING)
        await session.stop()
        self.store.forget_group(session.group_id)
        self._groups.pop(session.group_id, None)

    async def wipe(self) -> list[Leftover]:
        for session in list(self._groups.values()):
            await session.stop()
        self._groups.clear()
        if self._embedded is not None:
            await asyncio.to_thread(self._embedded.stop)
            self._embedded = None
        self.store.close()
        if self._home_lock is not None:
            self._home_lock.release()
            self._home_lock = None
        return wipe(self.paths)


PRIVATE_SETTINGS_KEY = "settings.private"
# The name earlier versions stored, in English, for a group waiting for approval; now a pending
# group has no name until its welcome, and the front-ends word that.
_LEGACY_UNNAMED = "unnamed group (waiting for approval)"


def _private_settings(paths: Paths, settings: Settings, store: Store) -> list[StartupNote]:
    """Fill the proxy and history retention from the encrypted store. Any written into
    config.toml by hand are used and moved into the store, so the file stops revealing them."""
    in_file = private_settings_in_file(paths)
    if not in_file:
        return [*apply_private_settings(settings, store.get(PRIVATE_SETTINGS_KEY))]
    stored = store.get(PRIVATE_SETTINGS_KEY) or {}
    stored.update({name: getattr(settings, name) for name in in_file})
    store.put(PRIVATE_SETTINGS_KEY, stored)
    problems = apply_private_settings(settings, stored)
    try:
        save_settings(paths, settings)
    except OSError as exc:
        return [*problems, ConfigNotRewritten(paths.config_file, exc.strerror or str(exc))]
    return [*problems, PrivateSettingsMoved(tuple(in_file), paths.config_file)]
