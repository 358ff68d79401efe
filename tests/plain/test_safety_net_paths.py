"""Issue 15's paths in plain mode, through the real program: a cry for help reported with the
one command its note names, urge surfing's check-ins, grounding's own pace and pause, and the
safety plan's steps in the interface language."""

from __future__ import annotations

import pexpect
import pytest
from tests.plain.people import start_pair

pytestmark = pytest.mark.timeout(120)

CRY = "I am going to end my life tonight"


def test_the_cry_for_help_note_names_one_command_and_it_reaches_the_moderators(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)
    host.type("hello robin")
    plain = guest.expect(r"#(\d+) host: hello robin").group(1)
    host.type(CRY)
    number = guest.expect(rf"#(\d+) host: {CRY}").group(1)
    guest.expect_exact(f"/report {number} tells the moderators")
    # An ordinary message still needs a reason; the cry for help needs nothing more.
    guest.run(f"/report {plain}", "The reason helps the moderators.")
    guest.run(
        f"/report {number}", f"-- You reported message #{number} (by host) to the moderators."
    )
    host.type("/reports")
    host.expect(
        r"1\. .* report about message #\d+ by host \(id [^)]+\): "
        r"The writer may be in crisis and need support\."
    )
    host.expect_exact(f"The message: {CRY}")
    assert "hello robin" not in host.transcript.split("/reports")[-1].split("The message:")[0]
    for user in (host, guest):
        assert user.quit() == 0


def test_urge_surfing_check_ins_yes_ends_early_and_a_command_there_is_carried_out(plain_user):
    user = plain_user("urge", offline=True).ready()
    user.type("/ground")
    user.expect_exact("urge - Riding out an urge (5 minutes)")
    user.type("/ground urge")
    user.expect_exact("-- Riding out an urge (5 minutes). Type /stop at any time to stop.")
    user.expect_exact("put anything you might hurt yourself with out of reach")
    user.type("")
    user.expect_exact("Rate the urge from 0 (none) to 10")
    user.type("")
    user.expect_exact("Has the urge passed, or is it weaker now? Yes or no?")
    user.type("yes")
    user.expect_exact("Well done for staying with it.")
    user.type("")
    user.expect_exact("If it is still strong, reach out now")
    user.type("")
    user.expect_exact("-- Riding out an urge (5 minutes) finished. Well done.")
    # 15 minutes: three waves; /crisis typed at a check-in shows the crisis lines.
    user.type("/ground urge 15")
    user.expect_exact("-- Riding out an urge (15 minutes).")
    user.type("")
    user.type("")
    user.expect_exact("wave 1 of 3")
    user.expect_exact("Has the urge passed, or is it weaker now? Yes or no?")
    # A message typed at the check-in means "not yet" and is never sent.
    user.type("it is still really strong tonight")
    user.expect_exact("-- Not sent: nothing is sent while a grounding exercise runs.")
    user.expect_exact("wave 2 of 3")
    user.expect_exact("Has the urge passed, or is it weaker now? Yes or no?")
    user.type("/crisis GB")
    user.expect_exact("-- Riding out an urge (15 minutes) stopped.")
    user.expect_exact("Samaritans")
    assert user.quit() == 0


def test_own_pace_counts_and_pause_in_plain_mode(plain_user):
    # Real seconds, so a pause can be seen to hold the step.
    user = plain_user("pace", offline=True, time_scale="1").ready()
    user.run("/ground box 5", "A count lasts 2, 3 or 4 seconds, not 5.")
    user.type("/ground box 2")
    user.expect_exact("-- Box breathing. Type /stop at any time to stop.")
    # The intro reads out the default four seconds: the chosen pace is said first.
    user.expect_exact("-- Your pace: counts of 2 seconds; each step below says how long it lasts.")
    user.expect_exact("Let your breath out gently and settle into your seat.")
    # /pause at a step that already waits for Enter neither stops the exercise nor is refused
    # as an unknown command.
    user.run("/pause", "-- This step waits for you: press Enter when you are ready, or /stop.")
    user.type("")
    user.expect_exact("Breathe in slowly through your nose. (2 seconds, round 1 of 4)")
    user.type("/pause")
    user.expect_exact("-- Paused. Press Enter to go on, or /stop to stop.")
    with pytest.raises(pexpect.TIMEOUT):  # paused: the 2-second step does not move on
        user.expect_exact("Hold, with your lungs full.", timeout=4)
    user.type("")
    user.expect_exact("Hold, with your lungs full. (2 seconds, round 1 of 4)", timeout=10)
    user.run("/stop", "-- Box breathing stopped.")
    user.type("/ground box step")
    user.expect_exact("-- Step by step: every step waits for Enter, whatever the text says")
    user.expect_exact("(press Enter for the next step, /stop to stop)")
    user.run("/stop", "-- Box breathing stopped.")
    assert user.quit() == 0


def test_plan_edit_and_grounding_speak_the_interface_language(plain_user):
    user = plain_user("es", offline=True).ready()
    user.type("/set language es")
    user.expect_exact("language")
    user.type("/plan edit")
    user.expect_exact("-- Paso 1 de 7: Señales de alerta")
    for _step in range(7):
        user.type("")
    user.expect_exact("Razones para vivir")
    user.type("/ground urge")
    user.expect_exact("Dejar pasar un impulso (5 minutos)")
    user.type("/stop")
    assert user.quit() == 0


def test_an_after_send_offer_from_a_guessed_country_says_it_is_a_guess(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url, lang="en_US.UTF-8")  # no country set
    guest.type("I want to kill myself")
    guest.expect_exact("-- That sounds really hard. You do not have to go through it alone.")
    guest.expect_exact("-- If you want to talk to someone: 988 Suicide & Crisis Lifeline: 988.")
    guest.expect_exact(
        "-- Guessed from your system: United States - not there? type /set country and its "
        "name, for example /set country Mexico"
    )
    guest.type("/set country Mexico")
    guest.expect_exact("MX")
    guest.type("I want to kill myself")
    guest.expect_exact("-- If you want to talk to someone: Línea de la Vida")
    offer = guest.transcript.rsplit("That sounds really hard", 1)[1]
    assert "Guessed from your system" not in offer, "a chosen country is not a guess"
    for user in (host, guest):
        assert user.quit() == 0
