"""The core never imports the relay (issue 16): the app hands the engine a factory for the
relay it hosts groups on, and an engine without one says so in words instead of failing."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from peertui.core.engine import Engine
from peertui.core.errors import NotAllowed
from peertui.embedded_relay import host_embedded_relay
from peertui.paths import resolve_paths

CORE = Path(__file__).resolve().parents[2] / "src" / "peertui" / "core"
PASSPHRASE = "a long and private passphrase"

IMPORT_ALL_CORE = """
import importlib, json, pkgutil, sys
import peertui.core
names = [m.name for m in pkgutil.walk_packages(peertui.core.__path__, "peertui.core.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "loaded": sorted(sys.modules)}))
"""


def test_importing_every_core_module_loads_no_relay_and_no_ui():
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL_CORE], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert "peertui.core.engine" in report["imported"] and len(report["imported"]) > 15
    loaded = {name.split(".")[0] for name in report["loaded"]}
    assert "peertui_wire" in loaded  # what the core shares with the relay
    assert not loaded & {"peertui_relay", "starlette", "uvicorn", "textual"}


def test_no_core_source_names_the_relay_even_in_a_deferred_import():
    """The runtime check above cannot see an import inside a function; this one can."""
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            offenders += [
                f"{path.name}:{node.lineno} {n}" for n in names if n.startswith("peertui_relay")
            ]
    assert offenders == []


async def test_an_engine_without_a_relay_factory_refuses_to_host_here_in_words(tmp_path):
    engine = await Engine.open(resolve_paths(tmp_path / "home"), PASSPHRASE)
    try:
        with pytest.raises(NotAllowed, match="Give a relay address instead"):
            await engine.host_group("circle")
        assert engine.groups() == []  # nothing half-made was kept
    finally:
        await engine.close()


async def test_the_engine_hosts_on_the_relay_its_factory_makes(tmp_path):
    made = []

    def factory(data_dir: Path, *, port: int = 0):
        relay = host_embedded_relay(data_dir, port=port)
        made.append((data_dir, relay))
        return relay

    paths = resolve_paths(tmp_path / "home")
    engine = await Engine.open(paths, PASSPHRASE, relay_factory=factory)
    try:
        group = await engine.host_group("circle")
        [(data_dir, relay)] = made
        assert data_dir == paths.data_dir / "relay"
        assert relay.url.startswith("http://127.0.0.1:")
        health = httpx.get(relay.url + "/v1/health", timeout=5)
        assert health.status_code == 200
        assert group.relay_url == relay.url
        assert [g.group_id for g in engine.groups()] == [group.group_id]
    finally:
        await engine.close()
    assert made[0][1].url == ""  # closing the engine stopped the relay it hosted
