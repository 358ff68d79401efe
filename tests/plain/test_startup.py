"""Starting plain mode: unlocking, never loading textual, reaching the prompt quickly."""

from __future__ import annotations

import subprocess
import sys
import time

import pexpect
import pytest

pytestmark = pytest.mark.timeout(60)


def test_passphrase_is_asked_without_echo_and_a_wrong_one_exits_1(plain_user):
    first = plain_user("home", passphrase=None)
    first.expect_exact("-- Choose a passphrase")
    first.expect_exact("?? Passphrase (not shown as you type; /crisis, /ground, /x work here)?")
    first.type("tulips in the rain")
    first.expect_exact("?? The same passphrase again?")
    first.type("tulips in the rain")
    first.ready()
    assert first.quit() == 0

    # Five wrong tries, with /crisis typed between them (not counted): then it gives up.
    wrong = plain_user("home", passphrase=None)
    for attempt in range(5):
        wrong.expect_exact(QUESTION)
        if attempt == 2:
            wrong.type("/crisis GB")
            wrong.expect_exact("999")
            wrong.expect_exact(QUESTION)
        wrong.type(f"daffodils in the sun {attempt}")
        if attempt < 4:
            wrong.expect_exact("!! That passphrase did not open your history. Try again.")
    wrong.expect_exact("!! Wrong passphrase: this peertui home stays locked.")
    wrong.child.expect(pexpect.EOF)
    wrong.child.close()
    assert wrong.child.exitstatus == 1
    assert wrong.transcript.count("did not open your history") == 4

    from_env = plain_user("home", passphrase="daffodils in the sun")
    from_env.expect_exact(
        "!! Wrong passphrase: PEERTUI_PASSPHRASE does not unlock this peertui home."
    )
    from_env.child.expect(pexpect.EOF)
    from_env.child.close()
    assert from_env.child.exitstatus == 1
    # The error is the last thing printed: no prompt invites typing after it.
    assert from_env.transcript.rstrip().endswith("does not unlock this peertui home.")

    again = plain_user("home", passphrase=None)
    again.expect_exact("?? Passphrase (not shown as you type; /crisis, /ground, /x work here)?")
    again.type("tulips in the rain")
    again.ready()
    assert again.quit() == 0

    for user in (first, wrong, from_env, again):
        assert "tulips" not in user.transcript and "daffodils" not in user.transcript
        assert "Traceback" not in user.transcript


QUESTION = "?? Passphrase (not shown as you type; /crisis, /ground, /x work here)?"


def test_a_wrong_passphrase_asks_again_and_the_right_one_unlocks(plain_user):
    plain_user("home", passphrase="tulips in the rain").ready().quit()

    user = plain_user("home", passphrase=None)
    user.expect_exact(QUESTION)
    user.type("daffodils in the sun")
    user.expect_exact("!! That passphrase did not open your history. Try again.")
    user.expect_exact(QUESTION)
    user.type("tulips in the rain")
    user.ready()  # the banner comes only once the home is open
    assert user.quit() == 0
    assert "tulips" not in user.transcript and "daffodils" not in user.transcript
    assert "Wrong passphrase" not in user.transcript


def test_input_ending_after_a_wrong_passphrase_leaves_it_locked_with_status_1(plain_user):
    plain_user("home", passphrase="tulips in the rain").ready().quit()

    user = plain_user("home", passphrase=None)
    user.expect_exact(QUESTION)
    user.type("daffodils in the sun")
    user.expect_exact("!! That passphrase did not open your history. Try again.")
    user.expect_exact(QUESTION)
    user.child.sendeof()
    user.expect_exact("!! No passphrase was given; peertui stays locked.")
    user.child.expect(pexpect.EOF)
    user.child.close()
    assert user.child.exitstatus == 1
    assert "daffodils" not in user.transcript


def test_new_passphrase_refuses_short_ones_and_asks_again_after_a_mismatch(plain_user, tmp_path):
    user = plain_user("home", passphrase=None)
    user.expect_exact("?? Passphrase (not shown as you type; /crisis, /ground, /x work here)?")
    user.type("short")
    # Too short is said at once, before the second question.
    user.expect_exact("!! That passphrase is too short: use at least 8 characters.")
    user.expect_exact("?? Passphrase (not shown as you type; /crisis, /ground, /x work here)?")
    user.type("one long thing")
    user.expect_exact("?? The same passphrase again?")
    user.type("another long thing")
    user.expect_exact("!! The two passphrases differ; choose one again.")
    user.expect_exact("?? Passphrase (not shown as you type; /crisis, /ground, /x work here)?")
    user.type("third time lucky")
    user.expect_exact("?? The same passphrase again?")
    user.type("third time lucky")
    user.ready()
    assert user.quit() == 0
    assert (tmp_path / "home" / "data" / "unlock.json").exists()

    again = plain_user("home", passphrase=None)
    again.expect_exact("?? Passphrase (not shown as you type; /crisis, /ground, /x work here)?")
    again.type("third time lucky")
    again.ready()
    assert again.quit() == 0


def test_three_failed_tries_create_nothing(plain_user, tmp_path):
    user = plain_user("home", passphrase=None)
    for _attempt in range(3):
        user.expect_exact("?? Passphrase (not shown as you type; /crisis, /ground, /x work here)?")
        user.type("one long thing")
        user.expect_exact("?? The same passphrase again?")
        user.type("another long thing")
    user.expect_exact("!! No passphrase was chosen in 3 tries; nothing was created.")
    user.child.expect(pexpect.EOF)
    user.child.close()
    assert user.child.exitstatus == 1
    assert not (tmp_path / "home" / "data" / "unlock.json").exists()


def test_plain_mode_never_imports_textual():
    code = (
        "import sys, peertui.plain.app, peertui.plain.session, peertui.core.engine; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_prompt_comes_up_quickly(plain_user):
    # A second start of an existing home is the common case; the first one creates the database.
    plain_user("home", offline=True).ready().quit()
    started = time.monotonic()
    user = plain_user("home", offline=True).ready()
    took = time.monotonic() - started
    assert user.quit() == 0
    # Generous for a loaded 2-core CI machine; measured ~0.6 s here (see docs/PLAIN_MODE.md).
    assert took < 5.0, f"took {took:.2f} s to reach the prompt"


def test_ctrl_c_ends_cleanly_even_during_an_exercise(plain_user):
    user = plain_user(offline=True).ready()
    user.type("/ground paced")
    user.expect_exact("(press Enter for the next step, /stop to stop)")
    user.type("")
    user.expect_exact("seconds, round 1")
    user.child.sendintr()
    user.expect_exact("-- Paced breathing stopped.")
    user.expect_exact("-- Stopped (Ctrl+C); goodbye.")
    user.child.expect(pexpect.EOF)
    user.child.close()
    assert user.child.exitstatus == 0
    assert "Traceback" not in user.transcript
