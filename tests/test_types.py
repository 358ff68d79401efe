"""The front-ends and the shared layer type-check: mypy over ui/, tui/ and plain/ reports
no errors (issue 10: mypy runs in CI on ui, tui and plain), and the wire package shared with
the relay passes --strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["src/peertui/ui", "src/peertui/tui", "src/peertui/plain"]


@pytest.mark.timeout(300)
def test_mypy_finds_no_errors_in_ui_tui_and_plain(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(ROOT / ".mypy_cache"), *PACKAGES],
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
