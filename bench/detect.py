"""Detector benchmark: time per message for `crisis_finding` (one compiled pattern per category,
every phrase book, with its guards) against a reference in the same run: the same patterns
tried one by one without any guard, the way detector v1 tried its lists. `assess` adds the
personal-details search (libphonenumber). Prints JSON.

Messages: the dev split of the held-out corpus (tests/wellbeing/data/heldout/dev_*.tsv), each
assessed --rounds times. The frozen split is not used.

Run: .venv/bin/python bench/detect.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import time
from pathlib import Path

from peertui.wellbeing import detect

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "wellbeing" / "data" / "heldout"


def messages() -> list[str]:
    texts = []
    for lang in ("en", "es"):
        for line in (CORPUS / f"dev_{lang}.tsv").read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                texts.append(line.split("\t")[-1])
    return texts


def separate_patterns() -> list[re.Pattern]:
    """The reference: every pattern on its own, as v1 tried them."""
    from peertui.wellbeing._data import available_languages, load_toml

    found = []
    for code in sorted(available_languages(detect.FOLDER)):
        raw = load_toml(f"{detect.FOLDER}/{code}.toml")
        concepts = dict(raw.get("concepts", {}))
        for items in raw["patterns"].values():
            found += [detect._combined([item], concepts) for item in items]
    return found


def per_message_ms(work, texts: list[str], rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            work(text)
    return (time.perf_counter() - start) * 1000 / (rounds * len(texts))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    texts = messages()
    start = time.perf_counter()
    detect.crisis_finding("warm up")  # compiles every phrase book once
    compile_ms = (time.perf_counter() - start) * 1000
    combined = per_message_ms(detect.crisis_finding, texts, rounds)
    whole = per_message_ms(detect.assess, texts, rounds)
    patterns = separate_patterns()

    def one_by_one(text: str) -> bool:
        lowered = detect.normalise(text)
        return any(p.search(lowered) for p in patterns)

    reference = per_message_ms(one_by_one, texts, rounds)
    print(
        json.dumps(
            {
                "python": platform.python_version(),
                "messages": len(texts),
                "rounds": rounds,
                "first_use_compile_ms": round(compile_ms, 1),
                "crisis_finding_ms_per_message": round(combined, 3),
                "assess_ms_per_message_with_personal_details": round(whole, 3),
                "reference_one_pattern_at_a_time_ms_per_message": round(reference, 3),
                "ratio_crisis_finding_to_reference": round(combined / reference, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
