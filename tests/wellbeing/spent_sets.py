"""The frozen sets that are spent: each was measured once, blind, by the lead, and is development
data from then on. The one list that tests/wellbeing/heldout_eval.py (which shows a spent set's
misses, and only aggregates of any other frozen set) and tools/train_detector.py (which refuses
to open any other frozen set) both import, so the two can never disagree about what is blind.

Every frozenN not named here is blind by its name alone (frozen14_* today, and any later one).
Add a set here only after the lead has reported on it.
"""

from __future__ import annotations

SPENT_FROZEN: tuple[str, ...] = (
    "frozen",  # v1: en/es reported at commit 1eff70c; pt with frozen2 at 3008f21
    "frozen2",  # reported at commit 3008f21, 2026-12-01 12:54 UTC
    "frozen3",  # reported at commit dafd4fd, 2026-12-01 15:37 UTC
    "frozen4",  # reported at commit 3b1e04d, 2026-12-01 16:16 UTC
    "frozen5",  # main at 0958772, 2026-12-01 19:31 UTC
    "frozen6",  # main at 1474db6, 2026-12-01 22:07 UTC
    "frozen7",  # main at f576a34, 2026-12-02 03:14 UTC
    "frozen8",  # main at c93f233, 2026-12-02 03:57 UTC
    "frozen9",  # main at 9b6e020, 2026-12-02 06:56 UTC (detector9 model; trained on by detector10)
    "frozen10",  # main at d355667, 2026-12-02 17:53 UTC (detector10 model; never trained on yet)
    "frozen11",  # main at 091c46d, 2026-12-03 08:02 UTC (detector10 model; never trained on yet)
    "frozen12",  # main at 442a991, 2026-12-03 13:27 UTC (detector12 phrase books, detector10 model)
    "frozen13",  # main at 529f126, 2026-12-03 17:10 UTC (detector13 phrase books, detector10 model)
)


def is_spent(split: str) -> bool:
    return split in SPENT_FROZEN
