"""Format check for the held-out detector corpus (does not import the detector).

Run: python tests/wellbeing/data/heldout/check_heldout.py
Checks every data line has exactly 5 tab-separated fields with valid labels, that labels agree
with the category, that no text repeats within a file, and that no text
is a near-copy (difflib ratio >= 0.8) of a text in any other file of the same language: every
pair of files is compared, the tuner's tuning_* probe sets included. Prints counts per file and
per category (tuning_* are only compared against, not counted).

A near-copy involving a tuning_* line names only the other line, so that a blind writer can
rewrite their own line without reading the tuner's. Near-copies between tuning_* and the older,
spent dev/frozen/frozen2 files are counted but are not an error (the tuner wrote its probes while
those files were development data); near-copies involving any other pair of files are an error.
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
    "frozen3_en": 260,
    "frozen3_es": 200,
    "frozen3_pt": 180,
    "dev3_en": 300,
    "dev3_es": 220,
    "dev3_pt": 200,
    "frozen4_en": 260,
    "frozen4_es": 210,
    "frozen4_pt": 190,
    "frozen5_en": 280,
    "frozen5_es": 230,
    "frozen5_pt": 210,
    "frozen6_en": 280,
    "frozen6_es": 230,
    "frozen6_pt": 210,
    "frozen7_en": 280,
    "frozen7_es": 230,
    "frozen7_pt": 210,
    "frozen8_en": 280,
    "frozen8_es": 230,
    "frozen8_pt": 210,
    "frozen9_en": 280,
    "frozen9_es": 230,
    "frozen9_pt": 210,
    "frozen10_en": 280,
    "frozen10_es": 230,
    "frozen10_pt": 210,
    "frozen11_en": 280,
    "frozen11_es": 230,
    "frozen11_pt": 210,
    "frozen12_en": 300,
    "frozen12_es": 250,
    "frozen12_pt": 220,
    "frozen13_en": 300,
    "frozen13_es": 250,
    "frozen13_pt": 220,
    "dev7_en": 700,
    "dev7_es": 540,
    "dev7_pt": 480,
}
# Compared against for near-copies, never counted or printed: the tuner's own probe sets.
COMPARE_ONLY = ("tuning_en", "tuning_es", "tuning_pt")
# Spent sets a tuner may read: a near-copy between one of these and a tuning_* file is reported
# as a count, not an error (frozen5 was written blind; its near-copies of tuning lines written
# at the same time by a tuner who never saw it are coincidences, and it is spent since 19:31).
OLDER_THAN_TUNING = ("dev_", "frozen_", "frozen2_", "frozen5_")
# Two sets written in the same hour by two writers who never saw each other's text (frozen7 and
# dev7, 2026-12-02): their 6 near-copies are coincidences of common phrasing, both are development
# data since frozen7's one report (03:14 UTC), so they are counted, not rejected.
WRITTEN_TOGETHER = frozenset({"frozen7", "dev7"})
NEAR_COPY_RATIO = 0.8
Row = tuple[str, str, str, str, str]


def load(path: Path) -> list[Row]:
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


def is_tolerated(first: str, second: str) -> bool:
    pair = {first, second}
    if {name.split("_")[0] for name in pair} == WRITTEN_TOGETHER:
        return True
    return any(name in COMPARE_ONLY for name in pair) and any(
        name.startswith(OLDER_THAN_TUNING) for name in pair
    )


def find_near_copies(
    first: str, first_rows: list[Row], second: str, second_rows: list[Row]
) -> list[str]:
    found = []
    matcher = difflib.SequenceMatcher()
    for other in second_rows:
        other_text = other[4].lower()
        matcher.set_seq2(other_text)  # difflib caches its analysis of the second sequence
        for one in first_rows:
            one_text = one[4].lower()
            lengths = len(one_text) + len(other_text)
            # 2*min/(sum) is real_quick_ratio(), an upper bound of ratio(): skip without work.
            if 2 * min(len(one_text), len(other_text)) < NEAR_COPY_RATIO * lengths:
                continue
            matcher.set_seq1(one_text)
            # quick_ratio() is another upper bound of ratio(): same verdict, much faster.
            if (
                matcher.quick_ratio() >= NEAR_COPY_RATIO
                and (ratio := matcher.ratio()) >= NEAR_COPY_RATIO
            ):
                shown_one = "(a tuning line)" if first in COMPARE_ONLY else repr(one[4])
                shown_other = "(a tuning line)" if second in COMPARE_ONLY else repr(other[4])
                found.append(
                    f"near-copy across {first}/{second} ({ratio:.2f}): {shown_one} ~ {shown_other}"
                )
    return found


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
    compared = dict(data)
    compared.update({name: load(HERE / f"{name}.tsv") for name in COMPARE_ONLY})
    errors: list[str] = []
    tolerated = 0
    for language in ("en", "es", "pt"):
        files = [name for name in compared if name.endswith(f"_{language}")]
        for index, first in enumerate(files):
            for second in files[index + 1 :]:
                found = find_near_copies(first, compared[first], second, compared[second])
                if is_tolerated(first, second):
                    tolerated += len(found)
                else:
                    errors += found
    if tolerated:
        print(
            f"note: {tolerated} tolerated near-copies (tuning_* with spent sets; frozen7 with dev7)"
        )
    if errors:
        sys.exit("\n".join(errors))
    print("ok")


if __name__ == "__main__":
    main()
