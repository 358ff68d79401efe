"""Issue 11 rows 4 and 16: `peertui-relay backup` takes a consistent 0600 copy of a busy
relay; `restore` brings its log back to a lower seq with a new epoch, and members who had read
further warn in words and receive what comes after, instead of waiting past it forever."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import stat
import subprocess
import sys
import time

import pytest
from tests.conftest import RelayProcess
from tests.e2e.conftest import form_group

from peertui.core.events import RelayRewound
from peertui.core.relay_client import RateLimited, RelayClient
from peertui.ui import problems

pytestmark = pytest.mark.timeout(150)


def relay_admin(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "peertui_relay", *args], capture_output=True, text=True, timeout=60
    )


async def test_restored_relay_is_noticed_and_later_messages_arrive(tmp_path, closing):
    relay = RelayProcess(tmp_path / "relay").start()
    try:
        gid, (host, wren) = await form_group(relay.url, tmp_path, ["host", "wren"])
        closing.extend([host, wren])
        before = [f"before the backup {i}" for i in range(3)]
        for text in before:
            await host.engine.send(gid, text)
        await wren.wait_for_texts(gid, before)
        backup = tmp_path / "relay-backup.sqlite3"
        made = relay_admin("backup", str(backup), "--data-dir", str(relay.data_dir))
        assert made.returncode == 0, made.stderr
        lost = [f"after the backup, lost in the restore {i}" for i in range(3)]
        for text in lost:
            await host.engine.send(gid, text)
        await wren.wait_for_texts(gid, lost)

        relay.stop()
        refused = relay_admin("restore", str(backup), "--data-dir", str(relay.data_dir))
        assert refused.returncode == 0, refused.stderr
        assert "new log epoch" in refused.stdout
        relay.start(port=relay.port)
        after = [f"after the restore {i}" for i in range(3)]
        await asyncio.sleep(1.0)
        for text in after:
            await host.engine.send(gid, text)
        await wren.wait_for_texts(gid, after, timeout=60)
        warned = [e for e in wren.events if isinstance(e, RelayRewound)]
        assert [e.restored for e in warned] == [True], "told that the relay went back"
        assert "back in time" in problems.relay_rewound(True, 0, 0)
        assert [t for t in wren.texts(gid) if t in after] == after, "each once"
    finally:
        relay.stop()


async def test_a_store_copied_back_by_hand_keeps_its_epoch_and_is_noticed_by_its_end(
    tmp_path, closing
):
    """An operator who copies an old store file back (not `peertui-relay restore`) leaves the
    epoch as it was; members notice that the log now ends below what they had read."""
    relay = RelayProcess(tmp_path / "relay").start()
    try:
        gid, (host, wren) = await form_group(relay.url, tmp_path, ["host", "wren"])
        closing.extend([host, wren])
        backup = tmp_path / "hand-copy.sqlite3"
        made = relay_admin("backup", str(backup), "--data-dir", str(relay.data_dir))
        assert made.returncode == 0, made.stderr
        lost = [f"after the copy, lost when it is put back {i}" for i in range(4)]
        for text in lost:
            await host.engine.send(gid, text)
        await wren.wait_for_texts(gid, lost)

        relay.stop()
        store = relay.data_dir / "relay.sqlite3"
        for suffix in ("-wal", "-shm"):
            store.with_name(store.name + suffix).unlink(missing_ok=True)
        store.write_bytes(backup.read_bytes())  # same epochs as before
        relay.start(port=relay.port)
        rewound = await wren.wait_for(
            lambda e: isinstance(e, RelayRewound) and not e.restored, timeout=60
        )
        assert rewound.log_end < rewound.already_read
        words = problems.relay_rewound(False, rewound.log_end, rewound.already_read)
        assert f"now ends at {rewound.log_end}, before the {rewound.already_read} events" in words
        after = [f"after the hand copy {i}" for i in range(3)]
        for text in after:
            await host.engine.send(gid, text)
        await wren.wait_for_texts(gid, after, timeout=60)
        assert [t for t in wren.texts(gid) if t in after] == after, "each once"
        assert [t for t in wren.texts(gid) if t in lost] == lost, "what was read stays, once"
    finally:
        relay.stop()


def test_a_running_relay_refuses_a_restore_over_its_store(relay, tmp_path):
    backup = tmp_path / "b.sqlite3"
    assert relay_admin("backup", str(backup), "--data-dir", str(relay.data_dir)).returncode == 0
    result = relay_admin("restore", str(backup), "--data-dir", str(relay.data_dir))
    assert result.returncode == 1 and "another peertui-relay is using" in result.stderr


async def test_backup_of_a_busy_relay_finishes_consistent_and_private(relay, tmp_path):
    from tests.relay.groupkit import GroupKit

    kit = await GroupKit.create(relay.url)
    acknowledged: list[int] = []
    stop = asyncio.Event()

    async def poster(client: RelayClient) -> None:
        while not stop.is_set():
            try:
                acknowledged.append(await client.post_message(kit.group_id, b"x" * 300))
            except RateLimited as limited:  # as fast as the relay allows a member, no faster
                await asyncio.sleep(min(limited.retry_after, 0.2))

    members = [await kit.add_member() for _ in range(4)]
    tasks = [asyncio.create_task(poster(m.client)) for m in members]
    await asyncio.sleep(1.0)
    before = len(acknowledged)
    backup = tmp_path / "busy.sqlite3"
    started = time.monotonic()
    made = await asyncio.to_thread(
        relay_admin, "backup", str(backup), "--data-dir", str(relay.data_dir)
    )
    took = time.monotonic() - started
    stop.set()
    await asyncio.gather(*tasks)
    assert made.returncode == 0, made.stderr
    assert took < 30
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    with contextlib.closing(sqlite3.connect(backup)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = db.execute(
            "SELECT COUNT(*) FROM events WHERE group_id=? AND kind='message'", (kit.group_id,)
        ).fetchone()[0]
    assert stored >= before > 20, "every post acknowledged before the backup is in it"
    again = relay_admin("backup", str(backup), "--data-dir", str(relay.data_dir))
    assert again.returncode == 1 and "already exists" in again.stderr
    await kit.close()
