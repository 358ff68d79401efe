"""Ordinary talk gets no crisis offer: the false-alarm rate on two probes nobody trains on
(tests/wellbeing/ordinary_eval.py says what they are). Ceilings are the shipped detector's
measured rates rounded up a little; docs/WELLBEING.md ("Ordinary talk") publishes them."""

from __future__ import annotations

import pytest
from ordinary_eval import LANGUAGES, interface, measure, neutral

from peertui.wellbeing.detect import assess

# (probe, language): the highest false-alarm rate allowed.
CEILINGS = {
    ("neutral", "en"): 0.03,
    ("neutral", "es"): 0.01,
    # 3 of 262 with the detector8 model (threshold 1.7; 2 of 262 at 1.8 and above); 5 of 262 with
    # detector10's (goodbye-structure cues, 1.9): a trade the lead chose on 2026-12-02, about 3.5
    # points of out-of-fold recall (goodbyes 0.77 -> 0.85) for two more offers in 262 ordinary
    # Portuguese lines. All five are model-only offers, which stay private to the writer
    # (test_a_model_only_offer_stays_private); raising the threshold does not remove them.
    ("neutral", "pt"): 0.02,
    ("interface", "en"): 0.005,
    ("interface", "es"): 0.005,
    ("interface", "pt"): 0.005,
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("make", [neutral, interface], ids=["neutral", "interface"])
def test_ordinary_talk_rarely_gets_an_offer(make, lang):
    probe = make(lang)
    assert len(probe.texts) >= 250, (probe.name, lang, len(probe.texts))
    result = measure(probe)  # counts only: the held-out sentences are not printed
    assert result["rate"] <= CEILINGS[(probe.name, lang)], result


def test_the_two_halves_of_the_interface_text_do_not_overlap():
    from ordinary_eval import interface_half

    for lang in LANGUAGES:
        trained = set(interface_half(lang, trained=True))
        held = set(interface_half(lang, trained=False))
        assert trained and held and not trained & held


@pytest.mark.parametrize("text", ["dos", "after setting proxy", "ya", "to", "ok", "tá"])
def test_what_a_tester_saw_flagged_is_quiet(text):
    from peertui.wellbeing.detect import assess

    assert assess(text, "en").tier == 0


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("write to me at robin.q@example.org", "en"),
        ("my email is bob@example.net if you want the recipe", "en"),
        ("send it to me at robin@example.org please", "en"),
        ("call me on 07700 900123 after work", "en"),
        ("escríbeme a luz.m@example.com cuando puedas", "es"),
        ("manda e-mail pra mim depois", "pt"),
        ("me liga no 11 91234-5678 amanhã cedo", "pt"),
    ],
)
def test_contact_details_alone_are_no_evidence_of_crisis(text, lang):
    # The first detector6 model was trained with contact details appended to positives only,
    # and learned them as evidence: "write to me at robin.q@example.org" got a crisis offer.
    assert assess(text, lang).tier == 0, text
