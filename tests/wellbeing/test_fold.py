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
        ("I have the pills ready for tonight", "en", REASONS["means"]),
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
