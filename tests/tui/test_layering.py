"""The core, wellbeing and plain front-end never load Textual (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHECK = """
import sys
import peertui.core, peertui.core.engine, peertui.wellbeing, peertui.plain
import peertui.wellbeing.crisis, peertui.wellbeing.grounding, peertui.wellbeing.safety_plan
try:
    import peertui.plain.app
except ModuleNotFoundError as exc:
    if exc.name != "peertui.plain.app":
        raise
loaded = sorted(name for name in sys.modules if name == "textual" or name.startswith("textual."))
print(",".join(loaded) or "none")
"""


@pytest.mark.timeout(30)
def test_core_wellbeing_and_plain_load_no_textual():
    result = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=25
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "none"


@pytest.mark.timeout(30)
def test_the_check_would_notice_textual():
    # The same check against the TUI must see Textual, so the test above can fail.
    code = CHECK.replace("import peertui.core,", "import peertui.tui.app, peertui.core,")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=25
    )
    assert result.returncode == 0, result.stderr
    assert "textual.app" in result.stdout.split(",")
