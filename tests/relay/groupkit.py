"""Building blocks for relay tests: a group with an owner and admitted members, real keys."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field

from nacl.signing import SigningKey

from peertui.core import joinbox
from peertui.core.relay_client import Gap, RelayClient, RelayEvent
from peertui_wire.ids import invite_secret_hash
from peertui_wire.roster import RosterState, genesis, make_event


@dataclass
class Member:
    key: SigningKey
    client: RelayClient

    @property
    def public(self) -> bytes:
        return bytes(self.key.verify_key)


@dataclass
class GroupKit:
    url: str
    owner: Member
    group_id: str
    state: RosterState
    members: list[Member] = field(default_factory=list)

    @classmethod
    async def create(cls, url: str) -> GroupKit:
        key = SigningKey.generate()
        owner = Member(key, RelayClient(url, key))
        event = genesis(key)
        await owner.client.create_group(event)
        return cls(url, owner, event["group"], RosterState.from_genesis(event))

    # Join requests are sealed to a join key only moderators hold; the relay sees only this.
    join_keys: joinbox.KeyPair = field(default_factory=joinbox.KeyPair.generate)

    def sealed(self, intro: bytes = b"intro") -> bytes:
        """A real, padded join request the kit's moderators can open."""
        return joinbox.seal_request(self.join_keys.public, self.group_id, intro)

    def reply(self, reason: bytes = b"why") -> bytes:
        """A real, padded denial reason (sealed to some joiner's reply key)."""
        return joinbox.seal_reply(joinbox.KeyPair.generate().public, self.group_id, reason)

    def client_for(self, key: SigningKey) -> RelayClient:
        return RelayClient(self.url, key)

    async def invite(self, uses: int = 5, expires_in_ms: int = 3_600_000) -> bytes:
        secret = os.urandom(32)
        await self.owner.client.add_invite(
            self.group_id, invite_secret_hash(secret), int(time.time() * 1000) + expires_in_ms, uses
        )
        return secret

    async def roster(self, signer: Member | None, kind: str, **fields) -> int:
        """Sign the next roster event with `signer` (owner by default) and post it."""
        signer = signer or self.owner
        event = make_event(signer.key, self.state, kind, **fields)
        seq = await signer.client.post_roster(self.group_id, event)
        self.state.apply(event)
        return seq

    async def add_member(self, role: str = "") -> Member:
        key = SigningKey.generate()
        member = Member(key, self.client_for(key))
        secret = await self.invite(uses=1)
        await member.client.request_join(self.group_id, secret, self.sealed())
        await self.roster(None, "admit", target=member.public, role=role)
        self.members.append(member)
        return member

    async def close(self) -> None:
        await self.owner.client.aclose()
        for member in self.members:
            await member.client.aclose()


async def collect(
    client: RelayClient, group_id: str, since: int, count: int, timeout: float = 10.0
) -> list[RelayEvent | Gap]:
    """Read `count` items from one SSE stream (fails the test by timeout if they never come)."""
    items: list[RelayEvent | Gap] = []

    async def read() -> None:
        async for item in client.stream(group_id, since):
            items.append(item)
            if len(items) >= count:
                return

    await asyncio.wait_for(read(), timeout)
    return items
