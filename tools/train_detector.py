"""Train the detector's learned second opinion (src/peertui/wellbeing/model.py) offline.

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python tools/train_detector.py            # cross-validate, then write model.bin
    .venv/bin/python tools/train_detector.py --cv-only  # figures only, nothing written

Trains on the development data only: tests/wellbeing/data/heldout/{dev,dev3,tuning,frozen,
frozen2,frozen3,frozen4,frozen5}_*.tsv (frozen v1 to v5 are spent) and
tests/wellbeing/data/detect_eval.tsv. A blind set (any frozenN_* not in SPENT_FROZEN: frozen6_*
today) is never read here: `SPLITS` names the files it may open and
`_refuse_blind` checks every path.

Cross-validation leaves one *source* out at a time (every language of dev, of tuning, of
frozen v1, ...): Spanish and Portuguese lines are often free translations of English lines in
the same source, and a source is one writer's sitting, so grouping by source keeps
translations and paraphrases from leaking between the folds. The threshold is chosen on the
out-of-fold scores of the sources the phrase books were never tuned on (frozen2_*, frozen_pt,
dev3_*), for the whole detector to keep precision >= TARGET_PRECISION there. The whole detector
offers help when the model's score reaches `threshold`, or when a phrase book matches and the
score is at least `veto` (a phrase-book match in a message the model finds clearly safe, such as
a recovery story or advice to others, is dropped).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, vstack
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from peertui.wellbeing.detect import (  # noqa: E402
    NEVER_VETOED,
    long_enough_for_the_model,
    normalise,
    phrase_finding,
)
from peertui.wellbeing.model import Model, buckets, pack  # noqa: E402

sys.path.insert(0, str(ROOT / "tests" / "wellbeing"))
from ordinary_eval import interface_half  # noqa: E402

HELDOUT = ROOT / "tests" / "wellbeing" / "data" / "heldout"
EVAL_TABLE = ROOT / "tests" / "wellbeing" / "data" / "detect_eval.tsv"
# Ordinary group chat, one message a line (written by the detector helper, December 2026): the
# test sets are half positives, a real group is nearly all everyday talk, and without these the
# model offered help for "anyone watching the game tonight?".
EVERYDAY = Path(__file__).resolve().parent / "detector_data"
OUT = ROOT / "src" / "peertui" / "wellbeing" / "data" / "detect" / "model.bin"
SPLITS = ("dev", "dev3", "tuning", "frozen", "frozen2", "frozen3", "frozen4", "frozen5")
LANGUAGES = ("en", "es", "pt")
# Sets the phrase books were not tuned on when they were written (the threshold pool): an honest
# check of "phrase books OR model". Since 2026-12-01 ~16:05 UTC the goodbye misses of dev3_* and
# of frozen2_* were read and goodbye families added for them (detector4), so for goodbyes this pool
# is no longer unseen; kept as the pool so that the thresholds stay comparable with earlier rounds.
RULES_UNSEEN = {("frozen2", "en"), ("frozen2", "es"), ("frozen2", "pt"), ("frozen", "pt")}
RULES_UNSEEN |= {("dev3", lang) for lang in LANGUAGES}
# 0.925 since detector5 (was 0.92): blind Spanish precision had little margin (frozen4: 0.905) and
# a real group is mostly everyday talk; out of fold, 0.92 picked a threshold of 0.9 that offered
# help for 85 of the 453 everyday lines (58 at 1.4) for 2.6 points of pooled recall.
TARGET_PRECISION = 0.925
# The model alone never offers below the score that was measured blind (frozen4, 2026-12-01): a
# lower one wins a little pooled recall, but in the detector5 round 1.1 offered help for "my
# niece's recital is tonight and I'm filming it for my mum" (test_model's unseen everyday lines).
MIN_THRESHOLD = 1.4
BITS = 18
URGENT = ("act_in_progress", "means_at_hand", "plan_time", "goodbye")
# Ordinary chat (tools/detector_data/ordinary_*.txt): nearly every message a real group sends.
# A model tuned only on half-positive sets offered help on one ordinary sentence in eight
# ("dos", "after setting proxy"); the threshold must also keep these quiet.
ORDINARY = "ordinary"
ORDINARY_FOLDS = 5
MAX_ORDINARY_FALSE_ALARMS = 0.005


@dataclass(frozen=True)
class Example:
    split: str
    lang: str
    offer: bool
    category: str
    text: str


# frozen6 is spent (reported 2026-12-01 22:07 UTC) but not yet in SPLITS: the shipped model was
# trained without it; the next tuning round adds it to SPLITS when it retrains.
SPENT_FROZEN = ("frozen", "frozen2", "frozen3", "frozen4", "frozen5", "frozen6")


def _refuse_blind(path: Path) -> Path:
    """Every frozen set not yet reported on is blind: frozen6_* today, and any later one."""
    split = path.name.split("_")[0]
    if split.startswith("frozen") and split not in SPENT_FROZEN:
        raise SystemExit(f"{path.name} is the blind set: never trained or tuned on")
    return path


def load_examples() -> list[Example]:
    examples = []
    for split in SPLITS:
        for lang in LANGUAGES:
            path = _refuse_blind(HELDOUT / f"{split}_{lang}.tsv")
            if not path.exists():
                continue
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip() and not line.startswith("#"):
                    offer, _urgency, _who, category, text = line.split("\t")
                    examples.append(Example(split, lang, offer == "1", category, text))
    for line in EVAL_TABLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, tier, category, text = line.split("\t")
            examples.append(Example("detect_eval", lang, int(tier) > 0, category, text))
    for lang in LANGUAGES:
        for line in (EVERYDAY / f"everyday_{lang}.txt").read_text(encoding="utf-8").splitlines():
            if line.strip():
                examples.append(Example("everyday", lang, False, "everyday", line.strip()))
        ordinary = EVERYDAY / f"ordinary_{lang}.txt"
        lines = ordinary.read_text(encoding="utf-8").splitlines() if ordinary.exists() else []
        lines = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        # Half of peertui's own interface text (the other half is the false-alarm probe of
        # tests/wellbeing/ordinary_eval.py): neutral sentences and single words.
        lines += interface_half(lang, trained=True)
        # Five sources, not one: a fold then still trains on most ordinary talk, as the
        # shipped model does, and the threshold is held to the false alarms of the fifth.
        for number, line in enumerate(lines):
            split = f"{ORDINARY}{number % ORDINARY_FOLDS}"
            examples.append(Example(split, lang, False, "ordinary", line))
    return examples


# Contact details a writer in crisis may add ("call me", an address): the interface text and
# ordinary talk hold many e-mail addresses and street names, so without these the model took them
# as evidence of safety and its veto dropped "me quiero morir, escríbeme a ana@..., calle Mayor 12"
# (detector6 retrain). Appended to every CONTACT_EVERY-th positive; a copy keeps its original's
# source, so it trains only the folds that train on that source, and it is never scored.
CONTACT_DETAILS = (
    ", email me at sam.k@example.org",
    ", call me on 07700 900123",
    ", I'm at 22 Park Road",
    ", escríbeme a luz.m@example.com",
    ", estoy en la avenida Sucre 140",
    ", llámame al 11 5555 0199",
    ", me liga no 11 91234-5678",
    ", tô na rua das Flores 33",
    ", manda e-mail pra bia@example.net",
)
CONTACT_EVERY = 4


def with_contact_details(examples: list[Example]) -> list[Example]:
    # Positives AND negatives get copies with contact details, at the same rate: the details
    # must end up as no evidence either way. With positives alone (the first detector6 model)
    # the model learned them as evidence of crisis: "my email is bob@example.net" scored 6.5
    # and "write to me at robin.q@example.org" got an offer (found by tests/plain/test_drafts.py).
    out: list[Example] = []
    for offer in (True, False):
        chosen = [e for e in examples if e.offer is offer][::CONTACT_EVERY]
        out += [
            Example(
                e.split,
                e.lang,
                offer,
                e.category,
                e.text + CONTACT_DETAILS[n % len(CONTACT_DETAILS)],
            )
            for n, e in enumerate(chosen)
        ]
    return out


def matrix(texts: list[str]) -> csr_matrix:
    rows, cols = [], []
    for row, text in enumerate(texts):
        found = sorted(buckets(text, BITS))
        rows.extend([row] * len(found))
        cols.extend(found)
    data = np.ones(len(rows), dtype=np.float64)
    # Unit rows: a long message's many features do not outweigh a short one's few.
    return normalize(csr_matrix((data, (rows, cols)), shape=(len(texts), 1 << BITS)))


def fit(x: csr_matrix, y: np.ndarray, c: float) -> LogisticRegression:
    # No intercept: a message with no known evidence (an empty one, a new topic) scores 0,
    # below any threshold; help is offered only on evidence.
    model = LogisticRegression(
        C=c,
        solver="liblinear",
        class_weight="balanced",
        fit_intercept=False,
        max_iter=2000,
        random_state=0,  # liblinear shuffles: a re-run gives the same weights
    )
    return model.fit(x, y)


def figures(truth: np.ndarray, said: np.ndarray) -> dict[str, float]:
    tp = int((truth & said).sum())
    return {
        "precision": round(tp / said.sum(), 3) if said.sum() else 1.0,
        "recall": round(tp / truth.sum(), 3) if truth.sum() else 1.0,
        "n": int(len(truth)),
    }


def combined(scores, rules, threshold: float, veto: float, protected, long=True):
    """As detect.crisis_finding: a phrase-book match stands unless the score is below the veto
    (an act in progress never is vetoed), and the score alone offers at the threshold in a
    message long enough for the model to speak alone (`long`)."""
    return (rules & ((scores >= veto) | protected)) | ((scores >= threshold) & long)


def best_thresholds(scores, rules, truth, protected, long, ordinary) -> tuple[float, float]:
    """The (threshold, veto) with the highest recall at the target precision on the pool,
    among those that offer help on at most MAX_ORDINARY_FALSE_ALARMS of ordinary chat."""
    best = (-1.0, 9.0, -9.0)
    ordinary_scores, ordinary_rules, ordinary_long = ordinary
    # A veto drops a phrase-book match only where the model finds the message *clearly* safe:
    # above -1 it cancelled plain "me quiero morir" in a message that also gave an e-mail address.
    # Nor below -1.25: with the threshold floored at 1.4 the search went to -2.75, which kept the
    # phrase-book matches of ~50 development idioms, advice lines and recovery stories.
    for veto in np.arange(-1.25, -0.99, 0.25):
        for threshold in np.arange(MIN_THRESHOLD, 4.01, 0.1):
            said = combined(scores, rules, threshold, veto, protected, long)
            if len(ordinary_scores):
                alarms = combined(
                    ordinary_scores, ordinary_rules, threshold, veto, False, ordinary_long
                )
                if alarms.mean() > MAX_ORDINARY_FALSE_ALARMS:
                    continue
            tp = (said & truth).sum()
            if said.sum() and tp / said.sum() >= TARGET_PRECISION:
                recall = tp / truth.sum()
                if recall > best[0]:
                    best = (recall, float(round(threshold, 2)), float(round(veto, 2)))
    return best[1], best[2]


def leave_one_set_out(examples, oof, rules, truth, protected, long, ordinary) -> list[dict]:
    """Each spent frozen set k, as if it were blind to the model: the model's scores for k are
    out of fold (trained without k), and the thresholds are chosen without k's rows. The phrase
    books were tuned on every one of these sets, so only the model's side is held out."""
    unseen = np.array([(e.split, e.lang) in RULES_UNSEEN for e in examples])
    result = []
    for split in SPENT_FROZEN:
        in_k = np.array([e.split == split for e in examples])
        pool = unseen & ~in_k
        threshold, veto = best_thresholds(
            oof[pool], rules[pool], truth[pool], protected[pool], long[pool], ordinary
        )
        for lang in LANGUAGES:
            pick = in_k & np.array([e.lang == lang for e in examples])
            if not pick.any():
                continue
            said = combined(oof[pick], rules[pick], threshold, veto, protected[pick], long[pick])
            row = {"set": f"{split}_{lang}", "threshold": threshold, "veto": veto}
            row |= figures(truth[pick], said)
            for category in ("act_in_progress", "goodbye"):
                mine = pick & np.array([e.category == category for e in examples])
                row[category] = figures(truth[mine], said[mine[pick]])["recall"]
            result.append(row)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cv-only", action="store_true")
    parser.add_argument("--c", type=float, default=30.0, help="inverse L2 strength")
    args = parser.parse_args()

    examples = load_examples()
    texts = [normalise(e.text) for e in examples]
    truth = np.array([e.offer for e in examples])
    found = [phrase_finding(t) for t in texts]
    rules = np.array([f.tier > 0 for f in found])
    protected = np.array([f.category in NEVER_VETOED for f in found])
    long = np.array([long_enough_for_the_model(t) for t in texts])
    x = matrix(texts)
    extra = with_contact_details(examples)  # trains, never scored
    x_extra = matrix([normalise(e.text) for e in extra])
    extra_split = np.array([e.split for e in extra])
    extra_truth = np.array([e.offer for e in extra], dtype=bool)
    sources = sorted({e.split for e in examples})
    oof = np.zeros(len(examples))
    for source in sources:
        held = np.array([e.split == source for e in examples])
        kept = extra_split != source
        model = fit(
            vstack([x[~held], x_extra[kept]]).tocsr(),
            np.concatenate([truth[~held], extra_truth[kept]]),
            args.c,
        )
        oof[held] = model.decision_function(x[held])

    unseen = np.array([(e.split, e.lang) in RULES_UNSEEN for e in examples])
    ordinary = np.array([e.category == "ordinary" for e in examples])
    threshold, veto = best_thresholds(
        oof[unseen],
        rules[unseen],
        truth[unseen],
        protected[unseen],
        long[unseen],
        (oof[ordinary], rules[ordinary], long[ordinary]),
    )
    report = {"examples": len(examples), "threshold": threshold, "veto": veto, "c": args.c}
    if ordinary.any():
        alarms = combined(
            oof[ordinary], rules[ordinary], threshold, veto, protected[ordinary], long[ordinary]
        )
        report["ordinary_false_alarms_cv"] = {
            "rate": round(float(alarms.mean()), 4),
            "n": int(ordinary.sum()),
        }
    report["sets"] = []
    for split in [source for source in sources if not source.startswith(ORDINARY)]:
        for lang in LANGUAGES:
            pick = np.array([e.split == split and e.lang == lang for e in examples])
            if not pick.any():
                continue
            model_says = (oof[pick] >= threshold) & long[pick]
            both = combined(oof[pick], rules[pick], threshold, veto, protected[pick], long[pick])
            urgent = np.array([e.category in URGENT for e in examples]) & pick
            report["sets"].append(
                {
                    "set": f"{split}_{lang}",
                    "rules_tuned_on_it": (split, lang) not in RULES_UNSEEN,
                    "rules": figures(truth[pick], rules[pick]),
                    "model_cv": figures(truth[pick], model_says),
                    "detector_cv": figures(truth[pick], both),
                    "urgent_recall_detector_cv": figures(
                        truth[urgent],
                        combined(
                            oof[urgent],
                            rules[urgent],
                            threshold,
                            veto,
                            protected[urgent],
                            long[urgent],
                        ),
                    )["recall"],
                }
            )
    pooled = combined(oof[unseen], rules[unseen], threshold, veto, protected[unseen], long[unseen])
    report["rules_unseen_pooled"] = {
        "rules": figures(truth[unseen], rules[unseen]),
        "model_cv": figures(truth[unseen], (oof[unseen] >= threshold) & long[unseen]),
        "detector_cv": figures(truth[unseen], pooled),
    }
    report["leave_one_set_out"] = leave_one_set_out(
        examples,
        oof,
        rules,
        truth,
        protected,
        long,
        (oof[ordinary], rules[ordinary], long[ordinary]),
    )
    print(json.dumps(report, indent=1))
    if args.cv_only:
        return
    final = fit(
        vstack([x, x_extra]).tocsr(),
        np.concatenate([truth, extra_truth]),
        args.c,
    )
    weights = final.coef_[0]
    scale = float(np.abs(weights).max()) / 127
    quantised = np.clip(np.round(weights / scale), -127, 127).astype(np.int8)
    bias = float(final.intercept_[0]) if final.fit_intercept else 0.0
    OUT.write_bytes(pack(Model(BITS, bias, scale, threshold, veto, quantised.tobytes())))
    exact = final.decision_function(x)
    shipped = bias + x @ (quantised.astype(np.float64) * scale)
    drift = float(np.abs(exact - shipped).max())
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes)", file=sys.stderr)
    print(f"int8 weights move a training score by at most {drift:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
