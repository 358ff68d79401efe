"""What the public roster and welcome sizes tell a relay: no guidelines it can confirm, no
member count to the step."""

from __future__ import annotations

import hashlib

from tests.e2e.harness import Person

from peertui.core import payloads
from peertui.core.crypto import Identity, PrekeySecrets, seal
from peertui.core.moderation import DEFAULT_GUIDELINES, guidelines_commitment
from peertui.core.relay_client import RelayClient
from peertui_wire.encoding import b64d
from peertui_wire.ids import group_id_for


def _guesses(text: str) -> set[str]:
    """What a relay could compute from a guessed text without the key."""
    raw = text.encode()
    return {
        hashlib.sha256(raw).hexdigest(),
        hashlib.blake2b(raw, digest_size=32).hexdigest(),
        hashlib.blake2b(raw, digest_size=32, person=b"peertui-guidelns").hexdigest(),
    }


async def _roster_guidelines(client: RelayClient, group_id: str) -> list[str]:
    """The roster as the relay stores and serves it."""
    events = await client.get_roster(group_id)
    return [e["value"] for e in events if e["kind"] == "guidelines"]


async def test_the_relay_cannot_confirm_default_or_guessed_guidelines(relay, tmp_path, closing):
    values = []
    for name in ("first", "second"):
        host = await Person.open(tmp_path / name)
        closing.append(host)
        gid = (await host.engine.host_group(name, relay.url, nick="host")).group_id
        custom = "Be gentle.\nNo advice about medication.\n"
        await host.engine.set_guidelines(gid, custom)
        default_value, custom_value = await _roster_guidelines(host.engine._active(gid).client, gid)
        text = DEFAULT_GUIDELINES.strip() + "\n"
        for value, guessed in ((default_value, text), (custom_value, custom)):
            assert value not in _guesses(guessed)
            assert len(value) == 43  # 32 bytes, b64u
        # The key that makes the value checkable lives only in the members' encrypted state.
        state = host.engine._active(gid).state
        key = b64d(state["guidelines_key"])
        assert guidelines_commitment(custom, key) == custom_value
        values.append(default_value)
    # Two groups with the very same default guidelines publish unrelated values.
    assert values[0] != values[1]


def _welcome(members: int) -> bytes:
    profiles = {
        f"{index:043d}": {"nick": f"member{index}", "pronouns": "they/them", "intro": "hi " * 30}
        for index in range(members)
    }
    return payloads.encode_padded(
        "welcome",
        name="Tuesday circle",
        guidelines=DEFAULT_GUIDELINES,
        guidelines_key="k" * 43,
        profiles=profiles,
        modnotes={},
    )


def test_welcome_sizes_do_not_step_with_the_member_count():
    alice, bob = Identity.generate(), Identity.generate()
    group_id = group_id_for(alice.public_key)
    bob_prekey = PrekeySecrets.create(bob, group_id).bundle(bob)
    sizes = {
        members: len(seal(alice, bob_prekey, _welcome(members), context=b"direct|g"))
        for members in range(1, 61)
    }
    # A 256-byte bucket per step would give one size for every member or two; here a size
    # covers a whole power of two of payload.
    assert len(set(sizes.values())) <= 3
    assert sizes[1] == sizes[5]
    assert sizes[20] == sizes[35]
    assert all(len(_welcome(n)) in payloads.COARSE_SIZES for n in range(1, 61))
    assert payloads.parse(_welcome(3), {"welcome"})["profiles"]["0" * 43]["nick"] == "member0"
