"""Crisis help before anything else: `peertui --crisis`, offline, unconfigured, or still locked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keyring
import pexpect
import pytest
from tests.core.test_store import MemoryKeyring

from peertui.core.store import Store
from peertui.paths import resolve_paths

pytestmark = pytest.mark.timeout(60)

WORLD_NUMBERS = ("112", "911", "999")


def _bare_env(tmp_path: Path, lang: str) -> dict[str, str]:
    """No peertui home, no passphrase, a fresh $HOME and XDG dirs, the given locale."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PEERTUI_", "LC_", "XDG_")) and k not in ("LANG", "LANGUAGE")
    }
    env.update(HOME=str(tmp_path / "fresh-home"), LANG=lang)
    (tmp_path / "fresh-home").mkdir()
    return env


def _crisis(tmp_path: Path, *args: str, lang: str = "C.UTF-8") -> subprocess.CompletedProcess:
    # A new network namespace: no interface is up, not even loopback.
    return subprocess.run(
        ["unshare", "-n", sys.executable, "-m", "peertui", "--crisis", *args],
        env=_bare_env(tmp_path, lang),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_crisis_sg_lists_1767_and_1771_and_never_the_retired_line(tmp_path):
    done = _crisis(tmp_path, "SG")
    assert done.returncode == 0, done.stderr
    assert "1767" in done.stdout and "1771" in done.stdout
    assert "6389 2222" not in done.stdout and "63892222" not in done.stdout
    assert done.stdout.splitlines()[1].startswith("Emergency: 995")
    assert not any((tmp_path / "fresh-home").iterdir()), "no home, no config, nothing written"


def test_crisis_with_no_country_known_shows_the_world_numbers_and_how_to_choose(tmp_path):
    done = _crisis(tmp_path)
    assert done.returncode == 0, done.stderr
    for number in WORLD_NUMBERS:
        assert number in done.stdout
    assert "run peertui --crisis with a country's name or two-letter code" in done.stdout


def test_a_guessed_country_is_labelled_as_a_guess(tmp_path):
    done = _crisis(tmp_path, lang="en_US.UTF-8")
    lines = done.stdout.splitlines()
    assert lines[1].startswith("Emergency: 911")
    assert lines[2].startswith("Guessed from your system: United States - not there?")
    assert "988" in done.stdout


def test_a_country_name_works_like_its_code(tmp_path):
    done = _crisis(tmp_path, "Singapore")
    assert done.returncode == 0, done.stderr
    assert "1767" in done.stdout and "1771" in done.stdout
    (tmp_path / "b").mkdir()
    (tmp_path / "c").mkdir()
    assert _crisis(tmp_path / "b", "united kingdom").stdout == _crisis(tmp_path / "c", "GB").stdout


def test_a_bad_country_says_so_suggests_and_still_shows_numbers(tmp_path):
    done = _crisis(tmp_path, "Mexco")
    assert done.returncode == 2
    assert "'Mexco' is not a country peertui knows" in done.stderr
    assert "Mexico (MX)" in done.stderr  # the suggestion
    assert "112" in done.stdout


def test_crisis_piped_into_head_exits_quietly(tmp_path):
    env = _bare_env(tmp_path, "C.UTF-8")
    for args in ("--crisis GB", "--crisis Narnia"):
        done = subprocess.run(
            f"{sys.executable} -m peertui {args} | head -1",
            shell=True,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
        assert len(done.stdout.splitlines()) == 1


def test_plain_crisis_offline_in_a_fresh_home_with_a_c_locale(plain_user):
    user = plain_user("fresh", offline=True).ready()
    user.type("/crisis")
    user.expect_exact("To see your country's crisis lines, type /crisis")
    text = user.transcript
    for number in WORLD_NUMBERS:
        assert number in text
    user.type("/crisis gu")
    user.expect_exact("Guam (GU) emergency: 911")
    user.expect_exact("988 Suicide & Crisis Lifeline: call 988")
    assert user.quit() == 0


@pytest.fixture
def keyring_home(tmp_path):
    """A home set up with a working keyring, as on a desktop."""
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        Store.open(resolve_paths(tmp_path / "desk"), None).close()
    finally:
        keyring.set_keyring(previous)
    return tmp_path / "desk"


def test_keyring_home_without_a_keyring_still_answers_crisis(keyring_home):
    """Over SSH the keyring is unreachable: peertui stays locked but /crisis works."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERTUI_")}
    env.update(
        PEERTUI_HOME=str(keyring_home),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
        TERM="xterm-256color",
    )
    child = pexpect.spawn(
        sys.executable,
        ["-m", "peertui", "--plain"],
        env=env,
        encoding="utf-8",
        timeout=20,
        dimensions=(60, 400),
    )
    try:
        child.expect_exact("/crisis shows crisis lines")
        child.expect_exact("!! ")
        child.expect_exact("only /crisis [country code], /ground and /x work here")
        child.sendline("/crisis SG")
        child.expect_exact("1771")
        child.sendline("/join peertui:abc")
        child.expect_exact("!! peertui stays locked")
        child.sendline("/crisis")
        child.expect_exact("112 works in most of the world")
        child.sendline("/quit")
        child.expect_exact("peertui stays locked. Goodbye.")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    assert "Passphrase" not in child.before, "a keyring home has no passphrase to ask for"


def test_after_send_offer_fits_the_moment_and_helpers_get_the_guide(plain_user, relay):
    from tests.plain.people import start_pair

    host, guest = start_pair(plain_user, relay.url)
    guest.type("/set country GB")
    guest.type("i'm up on the roof now")
    # The most urgent tier: the emergency number and the top line come first.
    guest.expect_exact("-- You matter, and help can reach you right now.")
    guest.expect_exact(
        "-- If you are in danger or have already hurt yourself, call 999 or 112 now."
    )
    guest.expect_exact("-- Or talk to someone now: Samaritans: 116 123.")
    host.expect_exact("robin: i'm up on the roof now")
    host.expect_exact("-- The writer may be in crisis.")
    # Worry about someone else gets the someone-else guide instead.
    host.type("my sister texted me that she wants to kill herself")
    host.expect_exact("-- Someone you know may be in danger")
    host.expect_exact("Are you thinking about suicide?")
    host.type("/crisis someone US")
    host.expect_exact("  - Call 911 now, or ask someone near them to.")
    for user in (host, guest):
        assert user.quit() == 0


def test_plan_edit_prefills_the_professionals_step_with_the_countrys_lines(plain_user):
    user = plain_user("planner", offline=True).ready()
    user.type("/set country GB")
    user.type("/plan edit")
    for step in range(1, 5):
        user.expect_exact(f"-- Step {step} of 7")
        user.type("")
    user.expect_exact("-- Step 5 of 7: Professionals and crisis lines")
    user.expect_exact("Now: Emergency: 999 or 112; Samaritans: 116 123")
    for _step in range(5, 8):
        user.type("")
    user.expect_exact("-- Safety plan saved")
    user.run("/plan", "   - Samaritans: 116 123")
    user.expect_exact("7. Reasons for living")
    assert user.quit() == 0


def test_a_country_of_several_unquoted_words_is_one_country(tmp_path):
    # Fresh-eyes round 4: `--crisis united states` was an argparse error with no numbers.
    done = _crisis(tmp_path, "united", "states")
    assert done.returncode == 0, done.stderr
    assert "United States (US)" in done.stdout and "988" in done.stdout


def test_unknown_words_still_end_with_the_world_numbers_and_how_to_choose(tmp_path):
    done = _crisis(tmp_path, "no", "such", "place")
    assert all(number in done.stdout for number in WORLD_NUMBERS), done.stdout
    assert "no such place" in done.stderr
    # The same ending as two letters that are no country (--crisis XX): how to choose.
    assert "choose another country by its name or two-letter code" in done.stdout


def test_crisis_with_no_country_uses_the_one_chosen_on_the_first_run(tmp_path):
    # config.toml is readable without the passphrase; the locale (C) says nothing.
    home = tmp_path / "home"
    paths = resolve_paths(home)
    paths.config_file.write_text('country = "GB"\n', encoding="utf-8")
    done = _crisis(tmp_path, "--home", str(home))
    assert done.returncode == 0, done.stderr
    assert "United Kingdom (GB)" in done.stdout and "116 123" in done.stdout
    assert "Guessed" not in done.stdout and "does not know your country" not in done.stdout


def test_the_configured_country_comes_before_the_locale_guess(tmp_path):
    home = tmp_path / "home"
    resolve_paths(home).config_file.write_text('country = "GB"\n', encoding="utf-8")
    done = _crisis(tmp_path, "--home", str(home), lang="es_MX.UTF-8")
    assert "(GB)" in done.stdout and "Guessed" not in done.stdout, done.stdout
