"""Protocol v1 homes and relays are refused with a sentence that says what to do."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from tests.conftest import RelayProcess
from tests.e2e.harness import PASSPHRASE, Person
from tests.e2e.hostile import HostileRelay

from peertui.core.engine import Engine
from peertui.core.errors import RelayProblem
from peertui.core.store import OldProtocolHome, StoreError
from peertui.paths import resolve_paths
from peertui.ui.problems import problem, store_problem


async def test_a_protocol_1_home_is_refused_with_what_to_do(relay, tmp_path):
    person = await Person.open(tmp_path / "home")
    info = await person.engine.host_group("old circle", relay.url, nick="host")
    state = person.engine.store.load_group(info.group_id)
    del state["protocol"]  # what a protocol-1 build wrote
    person.engine.store.save_group(info.group_id, state)
    await person.engine.close()
    with pytest.raises(StoreError) as refused:
        await Engine.open(resolve_paths(tmp_path / "home"), passphrase=PASSPHRASE)
    # Core states the fact; the front-ends word it (ui/problems.py).
    assert isinstance(refused.value, OldProtocolHome) and refused.value.protocol == 1
    said = store_problem(refused.value)
    assert "protocol 1" in said and "Move the folder aside and start again" in said


async def test_a_protocol_1_relay_is_refused_when_hosting_or_joining(relay, tmp_path):
    old = await HostileRelay(relay.url).start()
    old.health = {"status": "ok"}  # a protocol-1 relay's health answer has no protocol
    try:
        person = await Person.open(tmp_path / "home")
        with pytest.raises(RelayProblem) as refused:
            await person.engine.host_group("circle", old.url, nick="host")
        assert re.search(r"older peertui relay \(protocol 1\).*another", problem(refused.value))
        assert person.engine.groups() == []
        await person.engine.close()
    finally:
        await old.stop()


def test_the_relay_refuses_to_start_on_a_protocol_1_data_directory(tmp_path):
    relay = RelayProcess(tmp_path / "relay").start()
    import asyncio

    async def make_group() -> None:
        person = await Person.open(tmp_path / "home")
        await person.engine.host_group("circle", relay.url, nick="host")
        await person.engine.close()

    asyncio.run(make_group())
    relay.stop()
    db = sqlite3.connect(relay.data_dir / "relay.sqlite3")
    for idx, text in db.execute("SELECT idx, event FROM roster").fetchall():
        event = json.loads(text)
        event["v"] = 1
        db.execute("UPDATE roster SET event=? WHERE idx=?", (json.dumps(event), idx))
    db.commit()
    db.close()
    with pytest.raises(RuntimeError):  # it exits at start-up, saying why in its log
        RelayProcess(relay.data_dir, startup_timeout=5).start()
    log = relay.log_path.read_text()
    assert "written by an older peertui relay (protocol 1)" in log
    assert "Move that folder aside and start again" in log
