"""Plain mode under a real screen reader: Fenrir (Debian's `fenrir`), headless, 80x24.

Fenrir runs in its PTY-emulation mode (`-e`): it starts `peertui --plain` in a pseudo-terminal,
keeps its own copy of the screen (pyte) and speaks what changes. Its generic speech driver runs a
command for every utterance; here that command appends the text to a log instead of talking,
so the test reads what a blind person would have heard. `./dev.sh test` installs fenrir.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import time
from pathlib import Path

import pexpect
import pytest

pytestmark = pytest.mark.timeout(120)

SETTINGS = Path("/etc/fenrirscreenreader/settings/settings.conf")
PASSPHRASE = "screen reader test passphrase"
# How Fenrir says the start of the hint "Using a screen reader? /set plain_prefixes words ...".
PREFIX_HINT_SPOKEN = "Using a screen reader"


def type_line(child: pexpect.spawn, line: str) -> None:
    """Type a line through Fenrir and wait for the terminal's echo of it. Under heavy load
    Fenrir was once seen to drop a whole burst of keys before passing it on (nothing echoed
    at all); the line is then typed once more, which a person would do too."""
    for _attempt in range(2):
        child.send(line + "\r")
        try:
            child.expect_exact(line, timeout=15)
            return
        except pexpect.TIMEOUT:
            continue
    raise AssertionError(f"Fenrir never passed {line!r} on to peertui")


def spoken_until(log: Path, wanted: list[str], timeout: float = 40.0) -> str:
    """The speech log once every wanted piece has been spoken (or what there was at timeout)."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8") if log.exists() else ""
        if all(piece in text for piece in wanted):
            return text
        time.sleep(0.2)
    return text


@pytest.fixture
def fenrir(tmp_path):
    assert shutil.which("fenrir") and SETTINGS.exists(), "./dev.sh test installs Debian's fenrir"
    speak = tmp_path / "speak.sh"
    log = tmp_path / "spoken.log"
    speak.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$1\" >> {log}\n", encoding="utf-8")
    speak.chmod(0o700)
    options = ";".join(
        [
            "speech#driver=genericDriver",
            f"speech#genericSpeechCommand={speak} fenrirText",
            "speech#autoReadIncoming=True",
            "sound#enabled=False",
            "remote#enable=False",
            f"general#debugFile={tmp_path / 'fenrir-debug.log'}",
            f"general#shell={sys.executable} -m peertui --plain",
        ]
    )
    from peertui.paths import resolve_paths

    # Past the first run's country question (tested in test_first_run_country.py).
    resolve_paths(tmp_path / "home").country_marker.touch()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR",)}
    env.update(
        PEERTUI_HOME=str(tmp_path / "home"),
        PEERTUI_PASSPHRASE=PASSPHRASE,
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
        TERM="xterm-256color",
    )
    child = pexpect.spawn(
        "fenrir",
        ["-e", "-s", str(SETTINGS), "-o", options],
        env=env,
        dimensions=(24, 80),
        encoding="utf-8",
        timeout=40,
    )
    screen = io.StringIO()
    child.logfile_read = screen
    yield child, log
    # Shown by pytest only when the test failed: what was on the terminal and what was said.
    print("===== screen =====", screen.getvalue(), sep="\n")
    print("===== spoken =====", log.read_text(encoding="utf-8") if log.exists() else "", sep="\n")
    if child.isalive():
        child.terminate(force=True)


def test_fenrir_speaks_the_emergency_number_the_first_helpline_and_the_help_index(fenrir):
    child, log = fenrir
    child.expect_exact("-- peertui plain mode.")
    child.expect_exact("> ")
    welcome = spoken_until(log, ["peertui plain mode", PREFIX_HINT_SPOKEN])
    # The word prefixes are offered once, in the welcome lines, while symbols are in use.
    assert welcome.count(PREFIX_HINT_SPOKEN) == 1, welcome
    assert "slash set prefixes words" in welcome, welcome
    start = len(log.read_text(encoding="utf-8"))

    type_line(child, "/crisis GB")
    child.expect_exact("/crisis GB more")
    heard = spoken_until(log, ["999", "116 123", "more"])[start:]
    # The emergency number and Samaritans are heard, not scrolled away before they are read.
    assert "999 or 112" in heard, heard
    assert "Samaritans: call 116 123" in heard, heard

    start = len(log.read_text(encoding="utf-8"))
    type_line(child, "/help")
    child.expect_exact("sends a leading")
    heard = spoken_until(log, ["slash crisis crisis lines", "slash help wellbeing", "slash host"])[
        start:
    ]
    # The first lines of /help are the safety commands, then the topics: all spoken.
    assert "slash crisis crisis lines" in heard, heard
    assert "slash help wellbeing" in heard, heard
    assert "slash help groups" in heard and "slash host" in heard, heard
    # Wrapped at word boundaries: no word is spoken in two pieces.
    assert "typin" not in heard

    type_line(child, "/quit")
    child.expect(pexpect.EOF, timeout=30)
