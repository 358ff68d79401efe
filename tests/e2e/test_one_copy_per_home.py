"""Issue 10 item 2 / issue 11 row 17: one running copy per home. A second engine or a second
`peertui` on the same home is refused in one sentence; nothing is opened twice."""

from __future__ import annotations

import subprocess
import sys

import pytest
from tests.e2e.harness import PASSPHRASE, Person

from peertui.core.engine import Engine
from peertui.core.homelock import HomeInUse
from peertui.paths import resolve_paths
from peertui.ui.problems import problem

pytestmark = pytest.mark.timeout(60)


async def test_a_second_engine_on_the_same_home_is_refused_until_the_first_closes(tmp_path):
    first = await Person.open(tmp_path / "home")
    with pytest.raises(HomeInUse) as refused:
        await Engine.open(resolve_paths(tmp_path / "home"), passphrase=PASSPHRASE)
    assert problem(refused.value).startswith("peertui is already open with this home")
    assert str(tmp_path) not in str(refused.value)  # a log line names no folder
    await first.engine.close()
    again = await Engine.open(resolve_paths(tmp_path / "home"), passphrase=PASSPHRASE)
    await again.close()


@pytest.mark.parametrize("mode", ["--plain", "--tui"])
async def test_the_program_started_twice_says_so_in_a_sentence(tmp_path, mode):
    first = await Person.open(tmp_path / "home")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "peertui", mode, "--home", str(tmp_path / "home")],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
    finally:
        await first.engine.close()
    assert result.returncode == 1
    assert result.stderr.startswith("peertui: peertui is already open with this home")
    assert "Traceback" not in result.stderr and result.stdout == ""
    # Whoever opened a second window in a hurry is told where crisis lines are without it.
    assert "peertui --crisis shows crisis lines" in " ".join(result.stderr.split())
