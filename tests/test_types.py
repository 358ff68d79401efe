"""The client and the relay type-check: mypy over everything pyproject names (src/ and server/)
reports no errors (issue 10 began with ui, tui and plain; the engine and relay are held to the
same now), and the wire package shared with the relay passes --strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(300)
def test_mypy_finds_no_errors_in_the_client_and_the_relay():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
        ],  # files: pyproject
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


@pytest.mark.timeout(300)
def test_the_shared_wire_package_type_checks_strictly():
    """peertui_wire is what client and relay must agree on, so it is held to --strict."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            "server/peertui_wire",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
