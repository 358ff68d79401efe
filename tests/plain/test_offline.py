"""Plain mode with no network at all: crisis lines, grounding and the safety plan still work."""

from __future__ import annotations

import time

import pexpect
import pytest

pytestmark = pytest.mark.timeout(60)


def write_config(home, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text, encoding="utf-8")


def test_crisis_lines_offline_for_named_and_configured_countries(plain_user, tmp_path):
    write_config(tmp_path / "home", 'country = "US"\n')
    user = plain_user(offline=True).ready()

    user.run("/crisis GB", "Samaritans: call 116 123")
    user.run("/crisis US", "988 Suicide & Crisis Lifeline: call 988")
    # No argument: the country from config.toml (the locale here is C, so it says nothing).
    user.type("/crisis")
    user.expect_exact("United States (US) emergency: 911")
    user.run("/crisis Narnia", "!! 'Narnia' is not a country peertui knows")
    # Help for someone else takes a country's name as /crisis does, and refuses a non-country.
    user.run("/crisis someone Singapore", "1767")
    user.run("/crisis someone narnia", "!! 'narnia' is not a country peertui knows")
    assert user.quit() == 0
    assert "\x1b" not in user.transcript


def test_crisis_without_any_country_points_to_international_directories(plain_user):
    user = plain_user(offline=True).ready()
    user.run("/crisis", "peertui does not know your country")
    user.expect_exact("112 works in most of the world")
    user.expect_exact("To see your country's crisis lines, type /crisis")
    user.expect_exact("findahelpline.com")
    # A code that is no country is named as such, with the same fallbacks.
    user.run("/crisis XX", "'XX' is not a country peertui knows")
    user.expect_exact("findahelpline.com")
    assert user.quit() == 0
    assert "Your country (XX)" not in user.transcript


def test_ground_lists_the_five_exercises_and_paces_box_breathing(plain_user):
    user = plain_user(offline=True).ready()
    user.type("/ground")
    user.expect_exact("Type /ground <name> to start one")
    listed = [line.split(" - ")[0].strip() for line in user.lines() if " - " in line]
    assert {"senses", "box", "478", "paced", "pmr"} <= set(listed)

    user.type("/ground box")
    # The first step goes at the person's own pace: nothing happens until Enter.
    user.expect_exact("settle into your seat. (press Enter for the next step, /stop to stop)")
    with pytest.raises(pexpect.TIMEOUT):
        user.expect_exact("Breathe in slowly", timeout=0.5)
    started = time.monotonic()
    user.type("")
    # The four phases of the box, in order, every round.
    for phase in (
        "Breathe in slowly",
        "Hold, with your lungs full",
        "Breathe out slowly",
        "Hold, with your lungs empty",
    ):
        user.expect_exact(phase)
    user.expect_exact("(press Enter for the next step, /stop to stop)")
    elapsed = time.monotonic() - started
    user.type("")
    user.expect_exact("-- Box breathing finished.")
    # 16 four-second phases scaled by PEERTUI_TIME_SCALE=0.01 is 0.64 s: paced, not dumped.
    assert elapsed >= 0.55
    phases = [
        line for line in user.lines() if line.strip().startswith(("Breathe in slowly", "Hold,"))
    ]
    assert len(phases) == 12  # four rounds of in, hold, hold
    assert user.quit() == 0


def test_enter_paces_own_pace_steps_and_a_command_stops_grounding(plain_user):
    user = plain_user(offline=True).ready()
    user.type("/ground senses")
    user.expect_exact("There is no clock")
    # Own-pace steps wait for Enter, one step per Enter.
    user.expect_exact("deep breaths, letting each one out a little longer than it came in.")
    with pytest.raises(pexpect.TIMEOUT):
        user.expect_exact("name five things you can see", timeout=0.5)
    user.type("")
    user.expect_exact("name five things you can see. (press Enter for the next step")
    user.run("", "four things you can touch")
    user.run("/stop", "-- 5-4-3-2-1 senses stopped.")

    # Enter during a timed step changes nothing: the pacing goes on to the end.
    user.type("/ground 478")
    user.expect_exact("seconds, round 1")
    user.type("")
    user.expect_exact("seconds, round 4")
    user.expect_exact("(press Enter for the next step, /stop to stop)")
    user.run("", "-- 4-7-8 breathing finished.")

    # Any other command stops the exercise and is still carried out.
    user.type("/ground paced")
    user.expect_exact("(press Enter for the next step, /stop to stop)")
    user.type("")
    user.expect_exact("seconds, round 1")
    user.type("/crisis GB")
    user.expect_exact("-- Paced breathing stopped.")
    user.expect_exact("Samaritans: call 116 123")
    user.run("/stop", "-- Nothing to stop")
    assert user.quit() == 0
    assert "Paced breathing finished" not in user.transcript
    assert "4-7-8 breathing stopped" not in user.transcript


def test_safety_plan_survives_restart_and_is_never_stored_readable(plain_user, tmp_path):
    entries = {
        1: ["Skipping meals and staying in bed", "Replaying old arguments"],
        2: ["Walk the long loop by the canal"],
        4: ["Phone my sister Marigold Quennell"],
    }
    user = plain_user(offline=True).ready()
    user.type("/plan edit")
    for step in range(1, 8):
        user.expect_exact(f"-- Step {step} of 7")
        user.expect_exact("?? ")
        for entry in entries.get(step, []):
            user.type(entry)
            user.expect_exact("?? ")
        user.type("")
    user.expect_exact("-- Safety plan saved")
    assert user.quit() == 0

    again = plain_user(offline=True).ready()
    again.type("/plan")
    again.expect_exact("6. Making my surroundings safer")
    shown = "\n".join(again.lines())
    for texts in entries.values():
        for text in texts:
            assert text in shown
    # Keep steps 1 and 4, empty step 2, add to nothing else.
    again.type("/plan edit")
    again.expect_exact("-- Step 1 of 7")
    again.expect_exact("Now: Skipping meals and staying in bed; Replaying old arguments")
    again.type("")
    again.expect_exact("-- Step 2 of 7")
    again.type("-")
    for step in range(3, 8):
        again.expect_exact(f"-- Step {step} of 7")
        again.type("")
    again.expect_exact("-- Safety plan saved")
    again.type("/plan")
    again.expect_exact("6. Making my surroundings safer")
    assert again.quit() == 0
    after_edit = again.transcript.split("/plan edit")[-1]
    assert "Walk the long loop" not in after_edit.split("Safety plan saved")[-1]
    assert "Phone my sister Marigold Quennell" in after_edit.split("Safety plan saved")[-1]

    exported = tmp_path / "my-plan.txt"
    again = plain_user(offline=True).ready()
    again.run(f"/plan export {exported}", "That file is not encrypted.")
    assert again.quit() == 0
    assert "Phone my sister Marigold Quennell" in exported.read_text(encoding="utf-8")

    for path in (tmp_path / "home").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for texts in entries.values():
                for text in texts:
                    assert text.encode() not in data, f"{path.name} holds the plan in the clear"


def test_help_unknown_commands_and_no_escape_sequences(plain_user):
    user = plain_user(offline=True).ready()
    user.run("/help", "/help settings - settings, export, wipe, quit:")
    user.run("/help settings", "/quit - Leave peertui")
    user.run("/help mute", "Stop a member posting for a while")
    user.run("/hepl", "!! There is no command /hepl. Did you mean /help?")
    user.run("/grond", "Did you mean /ground?")
    # Group commands without a group say what to do instead of failing silently.
    user.run("hello?", "!! You are not in a group yet: /host <name> starts one")
    # Nowhere to send or keep it: the words are printed back, not dropped.
    user.expect_exact("  Not sent; your words: hello?")
    user.run("/members", "!! You are not in a group yet")
    assert user.quit() == 0
    assert "\x1b" not in user.transcript
    assert "Traceback" not in user.transcript


def test_colour_only_when_asked(plain_user):
    user = plain_user(offline=True, args=("--plain", "--color"))
    user.expect_exact("\x1b[36m-- \x1b[0mpeertui plain mode.")
    user.expect_exact("> ")
    user.run("/hepl", "There is no command")
    assert user.quit() == 0
    # Only the prefix is tinted; the words stay plain.
    assert "\x1b[31m!! \x1b[0mThere is no command /hepl." in user.transcript


def test_end_of_input_exits_cleanly(plain_user):
    user = plain_user(offline=True).ready()
    user.child.sendeof()
    user.expect_exact("-- Input ended; goodbye.")
    user.child.expect(pexpect.EOF)
    user.child.close()
    assert user.child.exitstatus == 0


def test_wipe_asks_for_a_typed_word_then_erases_everything(plain_user, tmp_path):
    user = plain_user(offline=True).ready()
    user.type("/plan edit")
    user.expect_exact("-- Step 1 of 7")
    user.type("a warning sign")
    user.type("")
    for _step in range(2, 8):
        user.type("")
    user.expect_exact("-- Safety plan saved")
    user.run("/wipe", "on this computer: ERASE or no?")
    # Not the exact word: refused and asked again, never taken as either answer.
    user.run("erase", "!! That is not one of the choices (ERASE or no), so it was not taken")
    user.run("no", "-- Nothing was erased.")
    user.run("/wipe", "on this computer: ERASE or no?")
    user.type("ERASE")
    user.expect_exact("-- peertui's data on this computer is erased.")
    user.child.expect(pexpect.EOF)
    user.child.close()
    assert user.child.exitstatus == 0
    assert not (tmp_path / "home" / "data" / "peertui.db").exists()

    fresh = plain_user(offline=True).ready()
    fresh.run("/plan", "6. Making my surroundings safer")
    assert "a warning sign" not in fresh.transcript
    assert fresh.quit() == 0


def test_plan_edit_cancel_and_commands_are_not_entries_and_export_asks_first(plain_user, tmp_path):
    user = plain_user(offline=True).ready()
    user.type("/plan edit")
    user.expect_exact("-- Step 1 of 7")
    user.run("a first sign", "?? ")
    # Safety commands work at the question and the question comes back; they are no entry.
    user.run("/crisis GB", "Samaritans: call 116 123")
    user.expect_exact("-- Back to the question.")
    user.run("/cancel", "-- Edit cancelled; your safety plan is as it was.")
    user.run("/plan", "6. Making my surroundings safer")
    user.type("/plan edit")
    user.expect_exact("-- Step 1 of 7")
    user.type("the real sign")
    user.type("/members")
    user.expect_exact("!! A question is open, so this did not run: /members.")
    for _step in range(1, 8):
        user.type("")
    user.expect_exact("-- Safety plan saved")

    exported = tmp_path / "plan.txt"
    exported.write_text("keep me\n", encoding="utf-8")
    user.run(f"/plan export {exported}", f"?? {exported} already exists. Replace it")
    user.run("n", "-- Nothing was written.")
    assert exported.read_text(encoding="utf-8") == "keep me\n"
    user.run(f"/plan export {exported}", "Replace it with your safety plan: yes or no?")
    user.run("y", f"-- Safety plan written to {exported}, readable only by you.")
    user.run(f"/plan export {tmp_path}/no/such/folder/plan.txt", "!! ")
    assert user.quit() == 0
    text = exported.read_text(encoding="utf-8")
    assert "the real sign" in text
    assert "a first sign" not in text and "/members" not in text and "/crisis" not in text
    assert exported.stat().st_mode & 0o777 == 0o600
    assert "Traceback" not in user.transcript


def test_wipe_tells_an_owner_what_it_means_for_their_group(plain_user):
    user = plain_user().ready()
    user.run("/host Quiet room", "-- Quiet room is ready")
    user.type("/wipe")
    user.expect_exact("-- You own Quiet room. After erasing")
    user.expect_exact("?? Erase every group")
    user.run("no", "-- Nothing was erased.")
    assert user.quit() == 0
