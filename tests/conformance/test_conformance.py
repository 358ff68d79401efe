"""A second implementation, in Node, written from docs/PROTOCOL.md alone, agrees with this one:
it reproduces every published test vector and decrypts a message recorded from a real relay.

`./dev.sh test` installs node and npm (Debian) and the pinned libsodium-wrappers-sumo
(`npm ci`, package-lock.json) before the suite runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from nacl.signing import SigningKey
from tests.e2e.conftest import form_group
from tests.e2e.harness import PASSPHRASE, Person
from tests.relay.groupkit import GroupKit

from peertui.core.events import JoinApproved, JoinRequested
from peertui.core.store import Store
from peertui.paths import resolve_paths
from peertui_wire.encoding import b64d, b64e

HERE = Path(__file__).resolve().parent
PROTOCOL = HERE.parents[1] / "docs" / "PROTOCOL.md"
SCRIPT = HERE / "conformance.mjs"


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    assert found, "node is not installed: run ./dev.sh test, which installs it"
    assert (HERE / "node_modules" / "libsodium-wrappers-sumo").is_dir(), (
        "libsodium-wrappers-sumo is not installed: run ./dev.sh test (npm ci in tests/conformance)"
    )
    return found


def run_node(node: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [node, str(SCRIPT), *args], capture_output=True, text=True, timeout=120, cwd=HERE
    )


def published_vector_names() -> list[str]:
    block = re.search(
        r"<!-- vectors:begin -->\n```text\n(.*?)```", PROTOCOL.read_text(encoding="utf-8"), re.S
    )
    assert block
    return [line.split(" = ", 1)[0] for line in block.group(1).splitlines() if line]


def test_node_reproduces_every_published_vector(node):
    result = run_node(node, "vectors", str(PROTOCOL))
    assert result.returncode == 0, result.stdout + result.stderr
    names = published_vector_names()
    assert len(names) >= 40
    # Every vector, plus four re-openings of the published blobs as their recipients would.
    assert result.stdout.strip().splitlines()[-1] == f"{len(names) + 4} passed, 0 failed"


def test_node_notices_a_changed_vector(node, tmp_path):
    """The comparison can fail: one flipped byte in the document is reported by name."""
    doc = PROTOCOL.read_text(encoding="utf-8")
    line = next(ln for ln in doc.splitlines() if ln.startswith("envelope.1 = "))
    flipped = line[:-1] + ("0" if line[-1] != "0" else "1")
    changed = tmp_path / "PROTOCOL.md"
    changed.write_text(doc.replace(line, flipped), encoding="utf-8")
    result = run_node(node, "vectors", str(changed))
    assert result.returncode == 1
    assert "FAIL envelope.1:" in result.stdout


def relay_events(data_dir: Path, kind: str) -> list[tuple[bytes, dict]]:
    """(recipient, body) of every stored event of `kind`, read from a copy of the store."""
    copy = data_dir.parent / "recorded.sqlite3"
    shutil.copyfile(data_dir / "relay.sqlite3", copy)
    wal = data_dir / "relay.sqlite3-wal"
    if wal.exists():
        shutil.copyfile(wal, data_dir.parent / "recorded.sqlite3-wal")
    db = sqlite3.connect(copy)
    try:
        rows = db.execute(
            "SELECT recipient, body FROM events WHERE kind=? ORDER BY seq", (kind,)
        ).fetchall()
    finally:
        db.close()
    return [(bytes(recipient), json.loads(body)) for recipient, body in rows]


async def test_node_decrypts_a_message_recorded_from_a_real_relay(node, relay, tmp_path, closing):
    text = "a message the other implementation reads — ümlauts and 🌊 too"
    gid, (host, bob) = await form_group(relay.url, tmp_path, ["host", "bob"])
    closing.extend([host, bob])
    await bob.engine.close()  # offline: what is sealed to bob now stays on the relay for him
    # A membership change makes the host start a new session, shared with bob while he is away.
    token = await host.engine.create_invite(gid, uses=1)
    carol = await Person.open(tmp_path / "carol")
    closing.append(carol)
    await carol.engine.join(token, "carol")
    await host.wait_for(lambda e: isinstance(e, JoinRequested) and e.request.nick == "carol")
    await host.engine.approve(gid, "carol")
    await carol.wait_for(lambda e: isinstance(e, JoinApproved))
    await host.engine.send(gid, text)
    await carol.wait_for_texts(gid, [text])

    # What bob's own device holds: his identity key and the prekey secrets (read by unlocking
    # his store, as his client would), and what the relay keeps for him.
    with Store.open(resolve_paths(bob.home), PASSPHRASE) as store:
        stored_prekeys = store.get(f"prekeys:{gid}")
    bob_key = next(m.key for m in host.engine.members(gid) if m.nick == "bob")
    directs = [
        body["payload"]
        for to, body in relay_events(relay.data_dir, "direct")
        if to == b64d(bob_key)
    ]
    envelopes = [body["envelope"] for _to, body in relay_events(relay.data_dir, "message")]
    assert directs and envelopes
    recording = tmp_path / "recording.json"
    recording.write_text(
        json.dumps(
            {
                "group_id": gid,
                "recipient": bob_key,
                "stored_prekeys": stored_prekeys,
                "directs": directs,
                "envelopes": envelopes,
            }
        )
    )
    result = run_node(node, "decrypt", str(recording))
    assert result.returncode == 0, result.stdout + result.stderr
    opened = [json.loads(line) for line in result.stdout.splitlines()]
    host_key = b64e(host.engine._active(gid).me)
    said = [o for o in opened if o["payload"].get("t") == "msg"]
    assert [(o["sender"], o["payload"]["text"]) for o in said] == [(host_key, text)]
    # The signed sender time and counter came out of the ciphertext too.
    assert all(o["sent_ms"] > 1_700_000_000_000 and o["counter"] >= 0 for o in opened)


async def test_node_opens_a_request_session_and_posts_with_its_mac_on_a_real_relay(node, relay):
    """§11.1 from the page alone: the handshake, the key derivation and a MAC'd post and log
    read that the real relay accepts, and a MAC with one flipped bit that it refuses."""
    kit = await GroupKit.create(relay.url)
    seed = os.urandom(32)
    member_key = SigningKey(seed)
    secret = await kit.invite(uses=1)
    await kit.client_for(member_key).request_join(kit.group_id, secret, kit.sealed())
    await kit.roster(None, "admit", target=bytes(member_key.verify_key))
    envelope = b64e(b"an envelope the relay keeps as sent")
    result = await asyncio.to_thread(
        run_node, node, "session", relay.url, seed.hex(), kit.group_id, envelope
    )
    assert result.returncode == 0, result.stdout + result.stderr
    steps = {line["step"]: line for line in map(json.loads, result.stdout.splitlines())}
    assert steps["handshake"]["status"] == 201
    assert steps["post"]["status"] == 201
    assert steps["log"] == {
        "step": "log",
        "status": 200,
        "seq": steps["post"]["seq"],
        "sender": b64e(bytes(member_key.verify_key)),
        "envelope": envelope,
    }
    assert steps["forged"] == {"step": "forged", "status": 401, "code": "unauthenticated"}
    # Stored once, as the member's, and readable by every member through the Python client.
    events, _ = await kit.owner.client.log(kit.group_id, steps["post"]["seq"] - 1)
    assert [(e.sender, e.body["envelope"]) for e in events] == [
        (bytes(member_key.verify_key), envelope)
    ]
    await kit.close()
