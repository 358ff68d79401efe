"""Detector benchmark: messages per second for `crisis_finding` (every phrase book, with its
guards, patterns prefiltered by an Aho-Corasick automaton of their required literals) against
a reference in the same run: the same phrase books and guards with one combined pattern per
category run on every message (the engine before the prefilter). `crisis_finding` includes
the learned model's score (`model.py`), which is also timed on its own (`learned_model`);
`assess` adds the personal-details search (libphonenumber). The bench also counts how often the two engines
differ on offering help (the reference sees only the leftmost match of
each combined pattern, so it can miss a match that a guard did not cancel). Prints JSON.

Messages: the dev split of the held-out corpus (tests/wellbeing/data/heldout/dev_*.tsv) plus a
set of everyday chat lines with no crisis word (the common case in a group), each assessed
--rounds times; each message's fastest run counts. No frozen set is used.

Run: .venv/bin/python bench/detect.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import time
from functools import cache
from pathlib import Path

from peertui.wellbeing import detect
from peertui.wellbeing._data import available_languages, load_toml
from peertui.wellbeing.model import shipped_model

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "wellbeing" / "data" / "heldout"
EVERYDAY = [
    "morning all, slept badly again but the coffee is helping",
    "my therapist moved our session to thursday, anyone else find the switch hard?",
    "buenas, hoy fui al grupo por primera vez y me sentí un poco mejor",
    "oi gente, alguém mais tem dificuldade pra dormir quando fica ansioso?",
    "thanks for listening yesterday, it really meant a lot to me",
    "I made soup and went for a walk, small wins",
]


def messages() -> dict[str, list[str]]:
    sets = {"everyday": EVERYDAY}
    for lang in ("en", "es", "pt"):
        path = CORPUS / f"dev_{lang}.tsv"
        if path.exists():
            lines = path.read_text(encoding="utf-8").splitlines()
            sets[f"dev_{lang}"] = [ln.split("\t")[-1] for ln in lines if ln and ln[0] != "#"]
    return sets


@cache
def combined_per_category() -> tuple[tuple[str, tuple[tuple[str, re.Pattern], ...]], ...]:
    """The reference engine's data: per phrase book, one combined pattern per category."""
    books = []
    for code in sorted(available_languages(detect.FOLDER)):
        raw = load_toml(f"{detect.FOLDER}/{code}.toml")
        concepts = dict(raw.get("concepts", {}))
        books.append(
            (
                code,
                tuple(
                    (name, detect._combined([detect.expand(p, concepts) for p in items]))
                    for name, items in raw["patterns"].items()
                ),
            )
        )
    return tuple(books)


def reference_finding(text: str) -> detect.Finding:
    """Detector v2 before the prefilter: every combined category pattern on every message."""
    guard = detect.guards()
    normalised = detect.normalise(text)
    best = detect.NOTHING
    for _code, categories in combined_per_category():
        sentence = detect._blank_idioms(normalised, guard.idioms).strip()
        mine = detect.NOTHING
        for category, pattern in categories:
            tier = detect.CATEGORY_TIERS.get(category, 2)
            for match in pattern.finditer(sentence):
                found = detect._guarded(sentence, match, category, tier, guard)
                if found is not None:
                    mine = found if found.tier > mine.tier else mine
                    break
        if mine.tier > best.tier:
            best = mine
    return best


def rate(work, texts: list[str], rounds: int) -> dict:
    """Per message, the fastest of `rounds` runs (as timeit does: the others measure the
    machine's other load, which on a shared 2-core box is large); then rates over messages."""
    per_message = []
    for text in texts:
        fastest = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            work(text)
            fastest = min(fastest, time.perf_counter() - start)
        per_message.append(fastest)
    total = sum(per_message)
    per_message.sort()
    return {
        "messages_per_s": round(len(per_message) / total),
        "median_ms": round(statistics.median(per_message) * 1000, 3),
        "max_ms": round(per_message[-1] * 1000, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    sets = messages()
    start = time.perf_counter()
    detect.crisis_finding("warm up")  # compiles every phrase book and its automaton once
    compile_ms = (time.perf_counter() - start) * 1000
    combined_per_category()
    reference_finding("warm up")
    disagreements = sum(
        1
        for texts in sets.values()
        for text in texts
        if (detect.phrase_finding(detect.normalise(text)).tier > 0)
        != (reference_finding(text).tier > 0)
    )
    model = shipped_model()
    results = {}
    for name, texts in sets.items():
        prefiltered = rate(detect.crisis_finding, texts, rounds)
        reference = rate(reference_finding, texts, rounds)
        results[name] = {
            "messages": len(texts),
            "crisis_finding": prefiltered,
            "assess_with_personal_details": rate(detect.assess, texts, rounds),
            "learned_model": rate(lambda t: model.score(detect.normalise(t)), texts, rounds),
            "reference_combined_per_category": reference,
            "speed_up": round(prefiltered["messages_per_s"] / reference["messages_per_s"], 1),
        }
    print(
        json.dumps(
            {
                "python": platform.python_version(),
                "rounds": rounds,
                "first_use_compile_ms": round(compile_ms, 1),
                "phrase_book_offer_disagreements_with_reference": disagreements,
                "sets": results,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
