"""On-device detection: measured quality, guards, personal details, and no side effects."""

from __future__ import annotations

import builtins
import logging
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from detect_eval import TIERS, load_cases, measure

from peertui.wellbeing.detect import assess

DOCS = Path(__file__).resolve().parents[2] / "docs" / "WELLBEING.md"
DOC_ROW = re.compile(r"^\|\s*(en|es)\s*\|\s*(\d)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|", re.M)


def published_numbers() -> dict[tuple[str, int], tuple[float, float]]:
    rows = DOC_ROW.findall(DOCS.read_text(encoding="utf-8"))
    return {(lang, int(tier)): (float(p), float(r)) for lang, tier, p, r in rows}


def test_evaluation_table_is_big_and_varied_enough():
    cases = load_cases()
    for lang, minimum in (("en", 80), ("es", 30)):
        mine = [c for c in cases if c.lang == lang]
        assert len(mine) >= minimum
        assert {c.expected for c in mine} == set(TIERS)
        assert {"negation", "quotation", "idiom", "everyday"} <= {c.category for c in mine}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_precision_and_recall_hold_the_published_numbers(lang):
    published = published_numbers()
    assert {tier for (doc_lang, tier) in published if doc_lang == lang} == set(TIERS)
    measured = measure(lang)["tiers"]
    for tier in TIERS:
        precision, recall = published[(lang, tier)]
        assert measured[tier]["precision"] >= precision, (tier, measured[tier])
        assert measured[tier]["recall"] >= recall, (tier, measured[tier])


@pytest.mark.parametrize(
    ("text", "lang", "tier"),
    [
        ("I have the pills ready", "en", 3),
        ("tonight I'm going to end it", "en", 3),
        ("I want to kill myself", "en", 2),
        ("I wish I could disappear", "en", 1),
        ("there's no point anymore", "en", 1),
        ("I would never kill myself", "en", 0),
        ("the song says 'I want to die'", "en", 0),
        ("the song says “I want to die”", "en", 0),
        ("this traffic is killing me", "en", 0),
        ("I'm dying to see it", "en", 0),
        ("dead tired", "en", 0),
        ("I WANT TO KILL MYSELF", "en", 2),
        ("I’m so tired, I just want to die", "en", 2),
        ("I'm fine. But honestly I want to die.", "en", 2),
        ("me quiero morir", "es", 2),
        ("me quiero morir", "en", 2),  # every phrase book runs whatever the interface says
        ("quiero suicidarme", "ES_mx", 2),
        ("ya no quiero vivir", "es", 1),
        ("ya no quiero vivir", "fr", 1),
        ("esta noche me mato", "es", 3),
        ("esta noche me mato", "es", 3),
        ("", "en", 0),
    ],
)
def test_examples_from_the_brief_and_edge_cases(text, lang, tier):
    assert assess(text, lang).tier == tier


def test_reason_is_given_in_the_drafts_language_and_never_quotes_the_draft():
    english = assess("I want to kill myself", "en")
    spanish = assess("me quiero matar", "es")
    assert english.reason and spanish.reason and english.reason != spanish.reason
    assert "kill myself" not in english.reason
    assert assess("hello", "en").reason == ""
    assert english.offers_support and not assess("hello").offers_support


def kinds(text, lang="en", region=None):
    return [(d.kind, d.text) for d in assess(text, lang, region).personal]


def test_phone_numbers_local_and_international():
    assert kinds("ring me on 07911 123456", region="GB") == [("phone", "07911 123456")]
    assert kinds("my cell is (415) 555-2671", region="US") == [("phone", "(415) 555-2671")]
    assert kinds("call +44 20 7946 0958 any time", region="US") == [("phone", "+44 20 7946 0958")]
    assert kinds("llámame al 612 34 56 78", "es") == [("phone", "612 34 56 78")]
    assert kinds("escríbeme al +52 55 1234 5678", "es", "ES") == [("phone", "+52 55 1234 5678")]


def test_phone_region_follows_locale_then_language(monkeypatch):
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    assert kinds("ring 07911 123456") == [], "an English draft defaults to US numbering"
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert kinds("ring 07911 123456") == [("phone", "07911 123456")]


def test_emails_and_addresses():
    assert kinds("write to sam.k+peer@example.co.uk please") == [
        ("email", "sam.k+peer@example.co.uk")
    ]
    assert kinds("I live at 221B Baker Street") == [("address", "221B Baker Street")]
    assert kinds("come to 42 oak ave. tomorrow") == [("address", "42 oak ave.")]
    assert kinds("vivo en la calle Mayor 12, 3º", "es") == [("address", "calle Mayor 12")]
    assert kinds("estoy en Avenida de la Constitución 45", "es") == [
        ("address", "Avenida de la Constitución 45")
    ]
    found = kinds("email a@b.org or call +1 415 555 2671", region="US")
    assert found == [("email", "a@b.org"), ("phone", "+1 415 555 2671")]


@pytest.mark.parametrize(
    "text",
    [
        "see you at 10:30 on 2024-05-12",
        "born in 1999, we met on 12/05/2024 at 14:00",
        "I walked 3 miles down the road",
        "the meeting is at 7 and lasts 90 minutes",
        "it happened on 3 March 2021",
        "I have 5 things I can see",
        "nos vemos el 12 de mayo de 2024 a las 18:30",
        "it costs 1,250 dollars",
        "week 12345 of the year 2023",
    ],
)
def test_no_false_alarm_on_times_dates_and_years(text):
    assert assess(text, "es" if "nos" in text else "en", "GB").personal == []


def test_assess_makes_no_network_call_writes_nothing_and_logs_nothing(monkeypatch, caplog):
    writes: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def refuse_socket(*args, **kwargs):
        raise AssertionError("assess tried to open a network socket")

    def watched_open(file, mode="r", *args, **kwargs):
        if any(flag in str(mode) for flag in "wax+"):
            writes.append(f"open({file!r}, {mode!r})")
        return real_open(file, mode, *args, **kwargs)

    def watched_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC):
            writes.append(f"os.open({path!r}, {flags})")
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(socket, "socket", refuse_socket)
    monkeypatch.setattr(socket, "create_connection", refuse_socket)
    monkeypatch.setattr(builtins, "open", watched_open)
    monkeypatch.setattr(os, "open", watched_os_open)
    caplog.set_level(logging.DEBUG)
    samples = [
        ("tonight I'm going to end it, call me on +44 20 7946 0958", "en", None),
        ("me quiero morir, escríbeme a ana@example.es, calle Mayor 12", "es", "AR"),
        ("I live at 10 Downing Street; email pm@example.gov.uk", "en", "JP"),
        ("kms", "fr", "BR"),
    ]
    results = [assess(text, lang, region) for text, lang, region in samples]
    assert [r.tier for r in results] == [3, 2, 0, 2]
    assert all(r.personal for r in results[:3])
    assert writes == []
    assert caplog.records == []


def test_wellbeing_never_imports_textual():
    code = (
        "import sys, peertui.wellbeing.crisis, peertui.wellbeing.grounding, "
        "peertui.wellbeing.safety_plan, peertui.wellbeing.detect; "
        "peertui.wellbeing.detect.assess('I want to die'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("text", "category", "who"),
    [
        # The speech-verb guard covers only the reported words, not the writer's own clause.
        ("my boss told me I'm useless and now I'm done living", "active_intent", "self"),
        ("swallowed all my sleeping pills twenty minutes ago", "act_in_progress", "self"),
        ("the car is running in the closed garage and I'm in it", "act_in_progress", "self"),
        ("I'm up on the roof now", "act_in_progress", "self"),
        ("goodbye everyone, thank you for everything", "goodbye", "self"),
        ("i want to unalive myself", "slang", "self"),
        ("I keep wanting to cut myself", "self_harm", "self"),
        ('my sister texted me "I want to die tonight"', "third_party", "other"),
        ("I'm worried about my friend, she said she wants to kill herself", "third_party", "other"),
        ("me tomé todas las pastillas hace media hora", "act_in_progress", "self"),
        ("mi hermano dice que se quiere matar", "third_party", "other"),
    ],
)
def test_v2_categories(text, category, who):
    found = assess(text, "en")
    assert (found.category, found.who) == (category, who), found
    assert found.offers_support


@pytest.mark.parametrize(
    "text",
    [
        "two years ago I attempted suicide, today I'm grateful to be here",
        "hoy cumplo un año sin autolesionarme",
        "500 days free of self harm today!!",
        "the song says I want to die",
        "in the movie he says he wants to kill himself",
        "this traffic is killing me",
        "ugh the wifi died again kms lol",
        "I would never kill myself",
        "if you're feeling suicidal, please reach out to someone",
        "the news said suicide rates went up",
    ],
)
def test_v2_hard_negatives_stay_quiet(text):
    assert not assess(text, "en").offers_support, assess(text, "en")


@pytest.mark.parametrize(
    "text",
    [
        # Known false offers of the learned model (docs/WELLBEING.md, "Ordinary talk"): the
        # writer gets the mildest, private offer; no phrase book names anything in them, so
        # the other members see the message plainly, with no note about its writer.
        "I took my meds this morning like always",
        "my niece's recital is tonight and I'm filming it for my mum",
    ],
)
def test_a_model_only_offer_stays_private(text):
    from peertui.wellbeing.responses import received_view

    found = assess(text, "en")
    assert found.tier <= 1 and found.category in ("", "learned"), found
    view = received_view(text, "en")
    assert not view.cry_for_help and not view.note and not view.fold_reason, view


def test_clauses_split_on_commas_and_conjunctions():
    # A negator in one clause does not cancel the next one.
    assert assess("I'm not ok, I want to die", "en").tier == 2
    assert assess("no estoy bien y quiero morir", "es").tier == 2
    # A relapse inside a milestone is still a relapse.
    assert assess("cut again after 3 months clean", "en").category == "self_harm"


def test_reason_follows_the_interface_language_not_the_draft():
    spanish_draft = assess("quiero matarme", "en")
    assert spanish_draft.reason == "Your message mentions wanting to end your life."
    assert assess("I want to kill myself", "es").reason.startswith("Tu mensaje")


def test_interface_language_comes_from_the_setting_then_the_locale(monkeypatch):
    from peertui.config import interface_language

    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    assert interface_language("") == "en"
    monkeypatch.setenv("LANG", "es_MX.UTF-8")
    assert interface_language("") == "es"
    assert interface_language("en") == "en"
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    assert interface_language("") == "es", "C is no language; keep looking"


def test_helplines_short_codes_and_toll_free_numbers_are_not_personal():
    assert kinds("call 116 123 any time", region="GB") == []
    assert kinds("call the Samaritans on 116 123 or text SHOUT to 85258", region="GB") == []
    assert kinds("ring 0800 068 4141 or 988", region="GB") == []
    assert kinds("me ayudó llamar al 024", "es", "ES") == []
    assert kinds("text me on 07911 123456, or call 116 123", region="GB") == [
        ("phone", "07911 123456")
    ]


def test_names_with_a_place_handles_and_schools():
    assert kinds("Hi, I'm Sarah from Leeds") == [("name_place", "I'm Sarah from Leeds")]
    assert kinds("me llamo Ana y vivo en Sevilla", "es") == [
        ("name_place", "me llamo Ana y vivo en Sevilla")
    ]
    assert kinds("add me @sam_k_22 on insta") == [("handle", "@sam_k_22")]
    assert kinds("I go to Lincoln High School") == [("school", "Lincoln High School")]
    assert kinds("estudio en el Instituto Cervantes", "es") == [("school", "Instituto Cervantes")]
    assert kinds("I'm sad from work stuff") == []
    assert kinds("email me at a@b.org") == [("email", "a@b.org")]


@pytest.mark.parametrize(
    "text",
    [
        # Quiet passive ideation (detector9 families): the phrase books alone must name it,
        # whatever the model says. Wordings differ from the dev9 lines they were written for.
        "honestly sleeping and never waking up again would be nice",
        "not waking up sounds like a vacation to me right now",
        "being alive is so tiring, i'd rather not exist",
        "life is a job i never wanted and i want to clock out permanently",
        "ya no tengo ganas de vivir, la verdad",
        "perdí las ganas de seguir viviendo hace meses",
        "no me sentiría mal si me muriera esta semana",
        "acostarme y no despertar nunca más suena a un descanso",
        "si me choca un auto creo que me daría alivio",
        "ojalá los análisis salgan mal, algo grave, y listo",
        "não tenho mais vontade de viver",
        "deitar e nunca mais acordar seria um descanso",
    ],
)
def test_quiet_passive_ideation_is_named_by_the_phrase_books(text):
    from peertui.wellbeing.detect import normalise, phrase_finding

    found = phrase_finding(normalise(text))
    assert found.tier >= 1 and found.category in {"passive_ideation", "goodbye"}, text


@pytest.mark.parametrize(
    "text",
    [
        # Everyday look-alikes of those families: a lie-in, a checkout, a hotel, a doctor's visit.
        "i wouldn't mind not waking up until noon on saturday",
        "checked out of the hotel for good, we're moving into the flat today",
        "i'd rather not go to the party, too tired",
        "no tengo ganas de ir al gimnasio hoy",
        "ojalá el médico encuentre qué me pasa en la rodilla",
        "não tenho vontade de cozinhar hoje, vamos pedir pizza",
    ],
)
def test_quiet_passive_ideation_look_alikes_stay_quiet(text):
    from peertui.wellbeing.detect import normalise, phrase_finding

    assert phrase_finding(normalise(text)).tier == 0, text
