"""Issue 10, item 10 and the screen-reader contract v2: output fits the screen, wraps whole
words, pages what is taller than the terminal, stays one line per event when piped."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from tests.plain.people import PROMPT, start_pair

pytestmark = pytest.mark.timeout(90)

NHS = "call 111 (then choose the mental health option, which some pages call option 2)"


def screen_lines_after(user, typed: str) -> list[str]:
    """The lines printed in answer to the last `typed` line, up to the next prompt."""
    text = user.transcript.replace("\r\n", "\n")
    after = text.rsplit(f"{PROMPT}{typed}\n", 1)[1]
    return after.split(f"\n{PROMPT}")[0].split("\n")


def test_crisis_and_help_fit_an_80_by_24_screen(plain_user):
    user = plain_user(offline=True, dimensions=(24, 80)).ready()
    user.run("/crisis GB", "/crisis GB more: hours, sources and more helplines.")
    user.expect_exact(PROMPT)
    crisis = screen_lines_after(user, "/crisis GB")
    assert len(crisis) <= 8, crisis
    assert "emergency: 999 or 112" in crisis[0]
    assert any("Samaritans: call 116 123" in line for line in crisis)
    user.run("/help", "sends a leading")
    user.expect_exact(PROMPT)
    index = screen_lines_after(user, "/help")
    assert len(index) <= 20, index
    assert index[0].startswith("  /crisis crisis lines")
    user.run("/help moderation", "/mute <nick> <minutes> [reason] - Stop a member posting")
    user.run("/help nonsense", "!! There is no help topic or command 'nonsense'.")
    assert user.quit() == 0
    for line in user.lines():
        assert len(line) <= 80, line


def test_output_taller_than_the_screen_is_paged_and_a_command_at_the_pause_runs(plain_user):
    user = plain_user(offline=True, dimensions=(24, 80)).ready()
    user.type("/crisis GB more")
    pause = user.expect(r"\?\? (\d+) more lines: press Enter, or type anything else to stop\?")
    assert int(pause.group(1)) > 0
    assert "Befrienders Worldwide" not in user.transcript
    user.run("", "Befrienders Worldwide")
    # At the pause, anything else ends the listing and is carried out: nothing typed is lost.
    user.type("/crisis GB more")
    user.expect_exact("more lines: press Enter")
    mark = len(user.transcript)
    user.run("/ground", "Type /ground <name> to start one")
    assert "Befrienders Worldwide" not in user.transcript[mark:]
    assert user.quit() == 0


def test_long_lines_wrap_at_word_boundaries_with_indented_continuations(plain_user):
    user = plain_user(offline=True, dimensions=(24, 60)).ready()
    user.run("/crisis GB", "/crisis GB more")
    user.expect_exact(PROMPT)
    lines = screen_lines_after(user, "/crisis GB")
    assert all(len(line) <= 60 for line in lines), lines
    nhs = next(i for i, line in enumerate(lines) if "NHS 111" in line)
    assert lines[nhs + 1].startswith("    ")  # the continuation is indented under its line
    # Joined again, the sentence is whole: no word was cut in two.
    assert NHS in " ".join(line.strip() for line in lines)
    assert user.quit() == 0


def plain_env(tmp_path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(
        PEERTUI_HOME=str(tmp_path / "home"),
        PEERTUI_PASSPHRASE="plain mode test passphrase",
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
        TERM="xterm-256color",
        **extra,
    )
    return env


def test_piped_output_is_one_line_per_event_and_head_ends_it_quietly(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "peertui", "--plain"],
        input="/crisis GB more\n/help\n",
        capture_output=True,
        text=True,
        env=plain_env(tmp_path),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(NHS in line for line in lines)  # never wrapped when piped
    assert not any(line.startswith(PROMPT) for line in lines)
    assert "\x1b" not in done.stdout and "more lines" not in done.stdout
    piped = subprocess.run(
        f"printf '/help\\n/crisis GB more\\n/help\\n' | {sys.executable} -m peertui --plain | head -n 3",
        shell=True,
        capture_output=True,
        text=True,
        env=plain_env(tmp_path),
        timeout=60,
    )
    assert piped.returncode == 0
    assert len(piped.stdout.splitlines()) == 3
    assert piped.stderr == "", piped.stderr


@pytest.mark.parametrize("term", ["", "dumb", "eterm-color"])
def test_an_empty_term_dumb_and_emacs_eterm_get_plain_mode_without_escapes(plain_user, term):
    user = plain_user(offline=True, args=("--color",), term=term)
    user.ready()
    user.run("/hepl", "!! There is no command /hepl.")
    assert user.quit() == 0
    assert "\x1b" not in user.transcript


def test_the_ctrl_r_tip_comes_only_after_the_person_has_typed(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)
    assert guest.quit() == 0
    again = plain_user("guest").ready()
    again.expect_exact("-- Current group: Tuesday circle.")
    host.type("first while they only listen")
    again.expect_exact("host: first while they only listen")
    again.run("/groups", "1. Tuesday circle")
    host.type("second after they typed")
    again.expect_exact("host: second after they typed")
    again.expect_exact("-- Tip: if you were typing when this arrived")
    assert again.quit() == 0
    assert host.quit() == 0
    before_typing = again.transcript.split("/groups")[0]
    assert "Tip:" not in before_typing
    # Idle at the prompt when it came: the tip must not claim they were typing.
    assert "while you were typing" not in again.transcript
    assert re.search(r"second after they typed\r\n-- Tip:", again.transcript)
