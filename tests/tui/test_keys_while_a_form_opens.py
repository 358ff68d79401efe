"""Keys typed right after the key that opens a form belong to its first field (fresh-eyes
round 4, item 1): "Tuesday" typed after F4 became "sday", a paste right after F5 vanished, and
paste, Tab, typing in one burst lost the paste and the Tab. The real binary in tmux; the keys
in one burst and at 30 ms a key, with no pause after the key that opens the form."""

from __future__ import annotations

import pytest

from .tmux import start_peertui

pytestmark = pytest.mark.timeout(180)

INVITE = "peertui:" + "a1B2c3D4e5" * 4


def field_after(screen: str, label: str) -> str:
    """The text in the first field drawn below the line holding `label`."""
    rows = screen.splitlines()
    start = next((i for i, row in enumerate(rows) if label in row), None)
    if start is None:
        return ""  # not (yet) on screen
    for row in rows[start + 1 :]:
        if "▊  " in row:
            return row.split("▊", 1)[1].split("▎", 1)[0].strip()
    return ""


FORMS = [
    ("F4", "Group name", "Tuesday circle"),
    ("F5", "Invite (starts with peertui:)", "Tuesday"),
    ("F7", "Words to find", "zebrafish"),
    ("F1", None, "spain"),
]


def _field(screen: str, label: str | None) -> str:
    if label is None:  # the crisis screen's country box is its last field
        rows = [r for r in screen.splitlines() if r.startswith("▊  ")]
        if "Crisis lines" not in screen or not rows:
            return ""
        return rows[-1].split("▊", 1)[1].split("▎", 1)[0].strip()
    return field_after(screen, label)


@pytest.mark.parametrize("slowly", [False, True], ids=["burst", "30ms"])
def test_every_key_typed_after_opening_a_form_reaches_its_first_field(tmp_path, slowly):
    tmux = start_peertui(tmp_path / "home")
    try:
        tmux.wait_for("Ready.")
        for key, label, words in FORMS:
            if slowly:
                tmux.keys(key)
                tmux.type_slowly(list(words), 0.03)
            else:
                tmux.keys(key)
                tmux.type(words)
            tmux.wait_until(
                lambda s, label=label, words=words: words in s and _field(s, label) == words,
                f"{words!r} whole in the field {key} opened",
            )
            tmux.keys("Escape")
            tmux.wait_for("Enter sends")
    finally:
        tmux.close()


def test_a_paste_right_after_f5_fills_the_invite(tmp_path):
    tmux = start_peertui(tmp_path / "home")
    try:
        tmux.wait_for("Ready.")
        tmux.keys("F5")
        tmux.paste(INVITE)
        screen = tmux.wait_until(
            lambda s: "Join a group" in s and INVITE[:30] in s, "the pasted invite shown"
        )
        assert field_after(screen, "Invite (starts with").startswith(INVITE[:30]), screen
    finally:
        tmux.close()


def test_paste_tab_and_typing_in_one_burst_each_land_in_their_field(tmp_path):
    tmux = start_peertui(tmp_path / "home", width=100, height=30)
    try:
        tmux.wait_for("Ready.")
        tmux.keys("F5")
        tmux.paste(INVITE)
        tmux.keys("Tab")
        tmux.keys("C-u")  # the suggested nickname goes; the typed one replaces it
        tmux.type("sol")
        screen = tmux.wait_until(
            lambda s: field_after(s, "Nickname") == "sol", "the nickname typed after Tab"
        )
        assert field_after(screen, "Invite (starts with").startswith(INVITE[:30]), screen
    finally:
        tmux.close()


def test_host_name_tab_nickname_in_one_burst(tmp_path):
    tmux = start_peertui(tmp_path / "home", width=100, height=30)
    try:
        tmux.wait_for("Ready.")
        tmux.keys("F4")
        tmux.type("Círculo del jueves")
        tmux.keys("Tab")
        tmux.keys("C-u")
        tmux.type("anfitriona")
        screen = tmux.wait_until(
            lambda s: field_after(s, "Group name") == "Círculo del jueves",
            "the group name whole",
        )
        tmux.wait_until(lambda s: "anfitriona" in s, "the nickname")
        assert "anfitriona" not in field_after(screen, "Group name"), screen
    finally:
        tmux.close()
