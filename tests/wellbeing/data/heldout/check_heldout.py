"""Format check for the held-out detector corpus (does not import the detector).

Run: python tests/wellbeing/data/heldout/check_heldout.py
Checks every data line has exactly 5 tab-separated fields with valid labels, that labels agree
with the category, that no text repeats, and that no text in one split (dev, frozen, frozen2)
is a near-copy of a text in another split of the same language. Prints counts per file and per
category.
"""

import difflib
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent
POSITIVE = {
    "act_in_progress",
    "means_at_hand",
    "plan_time",
    "goodbye",
    "active_intent",
    "passive_ideation",
    "hopelessness",
    "self_harm",
    "slang",
    "third_party",
}
NEGATIVE = {
    "recovery_story",
    "quotation_or_reported",
    "idiom",
    "negation",
    "media_or_news",
    "everyday",
    "helping_others",
}
HARD_NEGATIVE = {"recovery_story", "quotation_or_reported", "idiom", "negation", "media_or_news"}
MIN_SIZE = {
    "frozen_en": 260,
    "frozen_es": 180,
    "frozen_pt": 150,
    "dev_en": 200,
    "dev_es": 140,
    "dev_pt": 120,
    "frozen2_en": 260,
    "frozen2_es": 180,
    "frozen2_pt": 160,
}
NEAR_COPY_RATIO = 0.8


def load(path: Path) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        where = f"{path.name}:{number}"
        if len(fields) != 5:
            sys.exit(f"{where}: expected 5 tab-separated fields, found {len(fields)}")
        offer, urgency, who, category, text = fields
        if offer not in {"0", "1"} or urgency not in {"0", "1", "2", "3"}:
            sys.exit(f"{where}: offer must be 0/1 and urgency 0-3")
        if who not in {"self", "other", "none"} or category not in POSITIVE | NEGATIVE:
            sys.exit(f"{where}: unknown who '{who}' or category '{category}'")
        if not text.strip() or text != text.strip():
            sys.exit(f"{where}: text is empty or has surrounding spaces")
        positive = category in POSITIVE
        if positive != (offer == "1") or positive != (urgency != "0"):
            sys.exit(f"{where}: offer/urgency disagree with category {category}")
        if positive and (who == "other") != (category == "third_party"):
            sys.exit(f"{where}: who=other exactly for third_party")
        if not positive and who != "none":
            sys.exit(f"{where}: negatives have who=none")
        rows.append((offer, urgency, who, category, text))
    return rows


def main() -> None:
    data = {name: load(HERE / f"{name}.tsv") for name in MIN_SIZE}
    for name, rows in data.items():
        texts = [row[4].lower() for row in rows]
        if len(set(texts)) != len(texts):
            sys.exit(f"{name}: a text appears twice")
        if len(rows) < MIN_SIZE[name]:
            sys.exit(f"{name}: {len(rows)} rows, need at least {MIN_SIZE[name]}")
        negatives = [row for row in rows if row[3] in NEGATIVE]
        hard = sum(row[3] in HARD_NEGATIVE for row in negatives)
        counts = Counter(row[3] for row in rows)
        print(
            f"{name}: {len(rows)} rows, {len(rows) - len(negatives)} positive, "
            f"{len(negatives)} negative ({hard / len(negatives):.0%} hard)"
        )
        print("   ", ", ".join(f"{cat}={counts[cat]}" for cat in sorted(counts)))
    for language in ("en", "es", "pt"):
        splits = [name for name in MIN_SIZE if name.endswith(f"_{language}")]
        for index, first in enumerate(splits):
            for second in splits[index + 1 :]:
                for one in data[first]:
                    for other in data[second]:
                        matcher = difflib.SequenceMatcher(None, one[4].lower(), other[4].lower())
                        # The quick ratios are upper bounds of ratio(): same verdict, much faster.
                        if (
                            matcher.real_quick_ratio() >= NEAR_COPY_RATIO
                            and matcher.quick_ratio() >= NEAR_COPY_RATIO
                            and (ratio := matcher.ratio()) >= NEAR_COPY_RATIO
                        ):
                            sys.exit(
                                f"near-copy across {first}/{second} ({ratio:.2f}): "
                                f"{one[4]!r} ~ {other[4]!r}"
                            )
    print("ok")


if __name__ == "__main__":
    main()
