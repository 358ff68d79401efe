"""The relay installs on its own (issue 16): `pip install ./server` into a fresh venv brings
no Textual, no SQLCipher and no client, and the installed `peertui-relay` serves requests."""

from __future__ import annotations

import subprocess
import tomllib
import venv
from pathlib import Path

import httpx
import pytest
from tests.conftest import _LISTENING

SERVER = Path(__file__).resolve().parents[2] / "server"

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def relay_venv(tmp_path_factory) -> Path:
    """A clean venv with only ./server installed (from PyPI and pip's cache, like a host)."""
    where = tmp_path_factory.mktemp("relay-venv") / "venv"
    venv.EnvBuilder(with_pip=True).create(where)
    result = subprocess.run(
        [str(where / "bin" / "python"), "-m", "pip", "install", "-q", str(SERVER)],
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return where


def _python(where: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(where / "bin" / "python"), "-c", code], capture_output=True, text=True, timeout=60
    )


def test_the_relay_venv_has_no_client_textual_or_sqlcipher(relay_venv):
    for module in ("textual", "sqlcipher3", "rich", "peertui", "httpx"):
        result = _python(relay_venv, f"import {module}")
        assert result.returncode != 0, f"{module} is importable in the relay's venv"
        assert "ModuleNotFoundError" in result.stderr
    shared = _python(relay_venv, "import peertui_wire.roster, peertui_wire.auth, peertui_relay.app")
    assert shared.returncode == 0, shared.stderr
    freeze = subprocess.run(
        [str(relay_venv / "bin" / "python"), "-m", "pip", "freeze"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    names = {line.split("==")[0].split(" @ ")[0].lower() for line in freeze.stdout.splitlines()}
    assert "peertui-relay" in names
    assert not names & {"textual", "sqlcipher3", "sqlcipher3-binary", "rich", "peertui"}


def test_the_installed_command_reports_its_version_and_serves(relay_venv, tmp_path):
    command = relay_venv / "bin" / "peertui-relay"
    version = subprocess.run([str(command), "--version"], capture_output=True, text=True)
    assert version.returncode == 0, version.stderr
    expected = tomllib.loads((SERVER / "pyproject.toml").read_text())["project"]["version"]
    assert version.stdout.strip() == f"peertui-relay {expected}"

    process = subprocess.Popen(
        [str(command), "--host", "127.0.0.1", "--port", "0", "--data-dir", str(tmp_path / "d")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        match = _LISTENING.search(process.stdout.readline() if process.stdout else "")
        assert match, "the installed relay did not say where it listens"
        health = httpx.get(f"{match.group(1)}:{match.group(2)}/v1/health", timeout=10)
        assert health.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
