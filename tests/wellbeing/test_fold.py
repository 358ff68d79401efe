"""Receiver-side folding: what may hurt to read unprepared is folded with a reason, never dropped."""

from __future__ import annotations

import pytest

from peertui.wellbeing.fold import REASONS, fold_reason


@pytest.mark.parametrize(
    ("text", "lang", "reason"),
    [
        ("honestly you are a retard", "en", REASONS["slur"]),
        ("RETARD", "en", REASONS["slur"]),
        ("ese subnormal no sabe nada", "es", REASONS["slur"]),
        ("I have 40 paracetamol counted out for tonight", "en", REASONS["means"]),
        # Saying one is in danger is not a method detail: it is shown, with a note.
        ("I have the pills ready for tonight", "en", ""),
        ("I'm going to end my life tonight", "en", ""),
        ("write to me at sam.k@example.org", "en", REASONS["personal"]),
        ("I live at 42 Cherry Tree Lane", "en", REASONS["personal"]),
        ("the retardant in the paint smells", "en", ""),
        ("this traffic is killing me", "en", ""),
        ("I had a really rough week at work", "en", ""),
        ("hoy fue un día difícil", "es", ""),
    ],
)
def test_fold_reason(text, lang, reason):
    assert fold_reason(text, lang) == reason


def test_unknown_language_falls_back_to_english():
    assert fold_reason("you retard", "xx") == REASONS["slur"]


def test_a_cry_for_help_is_shown_with_a_note_and_a_report_key():
    from peertui.wellbeing.responses import received_view

    view = received_view("I'm going to end my life tonight", "en", report_key="r")
    assert view.fold_reason == "" and view.cry_for_help
    assert "r tells the moderators" in view.note
    assert "nothing is sent automatically" in view.note
    quiet = received_view("this traffic is killing me", "en")
    assert not quiet.cry_for_help and quiet.note == ""
    worry = received_view("my friend said she wants to kill herself", "en")
    assert not worry.cry_for_help, "the writer is not the one in danger"
