"""The Spanish and Portuguese catalogues follow docs/GLOSSARY.md.

The glossary is what a reviewer checks a translation against; these tests check the parts of it
a program can: safe-messaging wording, one word for each wellbeing and product term, and the
things that must never be translated (slash commands, key names, SMS keywords, placeholders'
surroundings). They read the committed .po files, so a translator's slip fails here before
anyone in distress reads it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "src" / "peertui" / "locale"
GLOSSARY = ROOT / "docs" / "GLOSSARY.md"


# Commands, addresses and placeholders are not words to translate: the term rules skip them.
TYPED = re.compile(r"/\w+(?: \w+)?|https?://\S+|\w+\.example\.\w+|\{[^}]*\}")


def _pairs(language: str) -> list[tuple[str, str]]:
    """(English, translation) for every message and every plural form."""
    with (LOCALE / language / "LC_MESSAGES" / "peertui.po").open("rb") as handle:
        catalog = read_po(handle)
    pairs: list[tuple[str, str]] = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for i, form in enumerate(strings):
            pairs.append((str(ids[min(i, len(ids) - 1)]), str(form or "")))
    return pairs


# Wording safe-messaging guidance rules out: suicide is not a crime ("committed"), an
# achievement or a failure.
NEVER = {
    "es": [
        r"\bcomet(ió|er|ido|en|e)\b[^.]*suicid",
        r"suicidio (exitoso|fallido|consumado)",
        r"intento fallido",
        r"\benfermos? mentales?\b",
        r"\bun depresivo\b",
    ],
    "pt_BR": [
        r"\bcomet(eu|er|ido|em|e)\b[^.]*suic[ií]d",
        r"suic[ií]dio (bem-sucedido|fracassado|consumado)",
        r"tentativa fracassada",
        r"\bdoentes? mentais?\b",
        r"\bum depressivo\b",
    ],
}

# English term -> what the translation of any message using it must say (docs/GLOSSARY.md).
TERMS = {
    "es": {
        r"\bsafety plan\b": "plan de seguridad",
        r"\bcrisis lines?\b": r"l[ií]neas?( \w+)? de crisis",
        r"\bpassphrases?\b": "frases? de contraseña",
        r"\bquick exit\b": "salida rápida",
        r"\bgrounding\b": "anclaje",
        r"\bguidelines?\b": "normas?",
        r"\bend-to-end\b": "de extremo a extremo",
        r"\bnickname\b": "apodo",
        r"\bcontent warning\b": "advertencia de contenido",
        r"\burge\b(?! surfing)": "impulso",
        r"(?<!711 )\brelay\b": "relé",
    },
    "pt_BR": {
        r"\bsafety plan\b": "plano de segurança",
        r"\bcrisis lines?\b": r"linhas?( \w+)? de crise",
        r"\bpassphrases?\b": "frases?-senha",
        r"\bquick exit\b": "saída rápida",
        r"\bgrounding\b": "ancoragem",
        r"\bguidelines?\b": "regras?",
        r"\bend-to-end\b": "de ponta a ponta",
        r"\bnickname\b": "apelido",
        r"\bcontent warning\b": "aviso de conteúdo",
        r"\burge\b(?! surfing)": "impulso",
        r"(?<!711 )\brelay\b": "relay",
    },
}

# Typed by people or read by a service, so the same in every language.
SLASH_COMMAND = re.compile(r"(?<![\w/])/[a-z]+\b")
KEY_NAME = re.compile(r"\b(?:F\d{1,2}|Ctrl\+[A-Z\\]|Shift\+Tab)\b")
SMS_KEYWORD = re.compile(r"\btext (AYUDA|HOME|START|CONNECT|SHOUT|HELP)\b")

LANGUAGES = ("es", "pt_BR")


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_wording_that_safe_messaging_rules_out(language):
    found = [
        (english, translated)
        for english, translated in _pairs(language)
        for pattern in NEVER[language]
        if re.search(pattern, translated, re.IGNORECASE)
    ]
    assert not found, f"{language}: wording the glossary rules out: {found[:3]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_term_is_translated_the_glossary_way(language):
    wrong = []
    for english, translated in _pairs(language):
        for term, wanted in TERMS[language].items():
            if re.search(term, TYPED.sub("", english), re.IGNORECASE) and not re.search(
                wanted, translated, re.IGNORECASE
            ):
                wrong.append((term, english, translated))
    assert not wrong, f"{language}: {len(wrong)} messages leave the glossary: {wrong[:3]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_commands_keys_and_sms_keywords_stay_as_typed(language):
    lost = []
    for english, translated in _pairs(language):
        for pattern in (SLASH_COMMAND, KEY_NAME):
            for token in pattern.findall(english):
                if token not in translated:
                    lost.append((token, english, translated))
        for keyword in SMS_KEYWORD.findall(english):
            if not re.search(rf"\b{keyword}\b", translated):
                lost.append((keyword, english, translated))
    assert not lost, f"{language}: {len(lost)} commands or keys changed: {lost[:3]}"


def test_spanish_says_tu_and_portuguese_says_voce():
    """The address the glossary chose: no usted forms in Spanish, no tu forms in Portuguese."""
    usted = re.compile(r"\busted(es)?\b|\bsu (frase de contraseña|plan de seguridad)\b", re.I)
    tu_pt = re.compile(r"\b(tu|teu|tua|teus|tuas|contigo|estás|podes|queres)\b", re.I)
    es = [t for _e, t in _pairs("es") if usted.search(t)]
    pt = [t for _e, t in _pairs("pt_BR") if tu_pt.search(t)]
    assert not es, f"es addresses someone as usted: {es[:3]}"
    assert not pt, f"pt_BR addresses someone as tu: {pt[:3]}"


def test_the_glossary_names_every_term_the_tests_hold_it_to():
    glossary = GLOSSARY.read_text(encoding="utf-8")
    assert "murió por suicidio" in glossary and "morreu por suicídio" in glossary
    for language, terms in TERMS.items():
        for wanted in terms.values():
            word = re.sub(r"\(.*?\)|\[[^]]*\]|s\?|\?", "", wanted).split()[-1]
            assert word.casefold() in glossary.casefold(), f"{language}: {word!r} not in glossary"
