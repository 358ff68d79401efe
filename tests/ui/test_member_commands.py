"""The words of /mute and the other member commands, read once for both front-ends."""

from __future__ import annotations

import pytest

from peertui.ui import commands, member_commands


@pytest.mark.parametrize(
    ("typed", "minutes"), [("bob 10", 10), ("bob 10m", 10), ("bob 2h", 120), ("bob 1D", 1440)]
)
def test_a_mute_takes_minutes_or_a_number_with_its_unit(typed, minutes):
    command = member_commands.parse(f"{typed} cooling off", "peertui.mute")
    assert (command.who, command.minutes, command.reason) == ("bob", minutes, "cooling off")


@pytest.mark.parametrize("typed", ["bob soon", "bob 10x", "bob h2", "bob -5"])
def test_a_length_that_is_not_one_says_how_to_write_it(typed):
    with pytest.raises(commands.UsageError) as refused:
        member_commands.parse(typed, "peertui.mute")
    assert "30, 30m, 2h or 1d" in str(refused.value)


@pytest.mark.parametrize("typed", ["bob 0", "bob 0m", "bob 00h"])
def test_a_mute_of_nothing_is_refused_in_words(typed):
    with pytest.raises(commands.UsageError) as refused:
        member_commands.parse(typed, "peertui.mute")
    assert "1 minute or more" in str(refused.value)
