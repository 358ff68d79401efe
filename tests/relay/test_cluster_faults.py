"""Issue 11 in cluster mode. Row 1: the PostgreSQL database's disk fills up (its tablespace on
a small tmpfs); the relay answers 507 storage_full with Retry-After, says so once in its log and
in /v1/health, and a post retried with its idempotency key after space is freed is stored once.
And the database going away is said once in the log, not once a second.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest
from tests.conftest import RelayProcess
from tests.e2e.faults import SmallDisk

from peertui.core.relay_client import RelayBusy
from peertui_wire.auth import origin_of, sign_request
from peertui_wire.encoding import b64d

from .groupkit import GroupKit

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def small_database(postgres_server):
    """A database whose every table lives on a 24 MiB tmpfs (a tablespace there)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs for the database")  # CI runs as root
    where = postgres_server.root / f"small-{uuid.uuid4().hex[:8]}"
    disk = SmallDisk(where, size_kib=24 * 1024)
    assert disk.real, "mounting the tmpfs failed"
    shutil.chown(where, user=postgres_server.user)
    space, name = f"small_{uuid.uuid4().hex[:8]}", f"t_small_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_server.dsn(), autocommit=True) as conn:
        conn.execute(f"CREATE TABLESPACE {space} LOCATION '{where}'")
        conn.execute(f'CREATE DATABASE "{name}" TABLESPACE {space}')
    yield disk, postgres_server.dsn(name)
    disk.free()
    with psycopg.connect(postgres_server.dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f"DROP TABLESPACE IF EXISTS {space}")
    disk.close()


async def test_a_full_database_disk_is_507_and_a_retried_post_is_stored_once(
    small_database, tmp_path
):
    disk, dsn = small_database
    relay = RelayProcess(tmp_path / "relay", "--database", dsn, "--storage-retry-seconds", "1")
    relay.start()
    try:
        kit = await GroupKit.create(relay.url)
        member = await kit.add_member()
        before = await member.client.post_message(kit.group_id, b"before the disk filled")

        disk.fill()
        waiting = None
        with pytest.raises(RelayBusy) as full:
            for i in range(400):  # 40 KiB each: the tables must grow, and cannot
                waiting = f"while-full-{i:04d}"
                await member.client.post_message(
                    kit.group_id, os.urandom(40 * 1024), idempotency_key=waiting
                )
        assert (full.value.status, full.value.code, full.value.retry_after) == (
            507,
            "storage_full",
            1.0,
        ), str(full.value)
        health = httpx.get(relay.url + "/v1/health", timeout=10)
        assert health.status_code == 503, health.text

        disk.free()
        envelope = b"the post that waited for space"
        first = await member.client.post_message(kit.group_id, envelope, idempotency_key=waiting)
        again = await member.client.post_message(kit.group_id, envelope, idempotency_key=waiting)
        assert first == again > before
        log, _ = await member.client.log(kit.group_id, 0)
        stored = [b64d(e.body["envelope"]) for e in log if e.kind == "message"]
        assert stored[0] == b"before the disk filled"
        assert stored.count(envelope) == 1, "stored once, though sent twice"
        await kit.close()
    finally:
        relay.stop()
    text = relay.log_path.read_text()
    assert "Traceback" not in text
    assert text.count("storage unavailable") == 1, text[-2000:]  # once, not per request


async def test_the_database_going_away_is_logged_once_not_once_a_second(
    postgres_server, pg_database, tmp_path
):
    relay = RelayProcess(tmp_path / "relay", "--database", pg_database).start()
    try:
        kit = await GroupKit.create(relay.url)
        await kit.owner.client.post_message(kit.group_id, b"before the database went away")
        name = pg_database.split("@/", 1)[1].split("?", 1)[0]
        with psycopg.connect(postgres_server.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await asyncio.sleep(5)  # the listener tries to reconnect every second meanwhile
        health = httpx.get(relay.url + "/v1/health", timeout=10)
        assert health.status_code == 503, health.text
        await kit.close()
    finally:
        relay.stop()
    text = relay.log_path.read_text()
    assert text.count("lost the LISTEN connection") == 1, text[-2000:]
    assert text.count("error connecting") <= 1, text[-2000:]  # psycopg's pool, the same
    assert "Traceback" not in text


async def test_the_documented_new_epoch_sql_after_a_database_restore_is_what_members_see(
    postgres_server, pg_database, tmp_path
):
    """docs/HOSTING.md: after restoring an older copy of the cluster's database, one UPDATE
    gives every group a new log epoch; the relays (restarted) announce it on every stream."""

    def epoch_on_open() -> str:
        path = f"/v1/groups/{kit.group_id}/events?since=0"
        headers = sign_request(kit.owner.key, "GET", path, b"", origin=origin_of(relay.url))
        with httpx.stream("GET", relay.url + path, headers=headers, timeout=10) as response:
            assert response.status_code == 200
            return response.headers["x-peertui-epoch"]

    relay = RelayProcess(tmp_path / "relay", "--database", pg_database).start()
    try:
        kit = await GroupKit.create(relay.url)
        before = epoch_on_open()
        relay.stop()
        hosting = (Path(__file__).parents[2] / "docs" / "HOSTING.md").read_text()
        statement = next(
            line for line in hosting.splitlines() if line.startswith("UPDATE groups SET epoch")
        )
        with psycopg.connect(pg_database, autocommit=True) as conn:
            conn.execute(statement)
        relay.start()
        after = epoch_on_open()
        assert after and before and after != before
        await kit.close()
    finally:
        relay.stop()
