"""The literal prefilter never changes what the phrase books find: it only skips patterns that
cannot match. Checked pattern by pattern on real phrase books and the dev corpora."""

from __future__ import annotations

import re

from heldout_eval import available, load

from peertui.wellbeing import detect
from peertui.wellbeing.prefilter import PatternSet, required_literals


def test_required_literals_of_simple_shapes():
    assert required_literals(r"\bkms\b") == {"kms"}
    assert required_literals(r"\b(took|taken) (all )?my pills\b") == {
        "took my pills",
        "took all my pills",
        "taken my pills",
        "taken all my pills",
    }
    # A word class gives nothing, so the longest literal run around it is used.
    assert required_literals(r"\b[a-z]+ (says|said)\b") == {" says", " said"}
    # An optional part or a branch with an empty side is never required.
    assert required_literals(r"(ab)?") is None
    assert required_literals(r"\b(wish|)\b") is None


def _texts() -> list[str]:
    texts = [row.text for lang in available("dev") for row in load("dev", lang)]
    texts += [row.text for lang in ("en", "es") for row in load("frozen", lang)]  # spent
    return [detect.normalise(t) for t in texts]


def test_prefilter_skips_only_patterns_that_cannot_match():
    texts = _texts()
    books = [book.patterns for book in detect.all_phrase_books()] + [detect.guards().idioms]
    checked = 0
    for patterns in books:
        for text in texts:
            chosen = set(patterns.candidates(text))
            for index in range(len(patterns.sources)):
                if patterns.pattern(index).search(text):
                    assert index in chosen, (patterns.sources[index], text)
                    checked += 1
    assert checked > 300  # the corpora do exercise the patterns


def test_a_set_with_nothing_to_filter_on_runs_every_pattern():
    patterns = PatternSet([r"[a-z]+\d\b", r"\bhello\b"])
    assert patterns.always_run == 1
    assert patterns.candidates("r2d2") == [0]
    assert patterns.candidates("hello there") == [0, 1]
    assert [m.group(0) for _, m in patterns.matches("hello agent7")] == ["agent7", "hello"]
    assert isinstance(patterns.pattern(0), re.Pattern)


def test_a_lookahead_or_a_few_short_strings_still_gate_a_pattern():
    # A lookahead's literals are in the text too (outside the match, maybe).
    assert required_literals(r"\btook\b(?=.* pills)") == {" pills"}
    assert required_literals(r"(?!never)\bgoing\b") == {"going"}  # a negative one gives nothing
    assert re.search(r"\btook\b(?=.* pills)", "took all the pills")  # (and " pills" is in it)
    # Disguised spellings ("s*icide", "su1cide") need a "*" or a "1": one character each, too
    # common for the automaton, but testing for them is nearly free.
    slang = r"\b(?=[a-z\*1]{0,12}[\*1])s[u\*1]*[i\*1]*c[i\*1]*d[a-z]*"
    patterns = PatternSet([slang, r"[a-z]+\d\b"])
    assert patterns.always_run == 1
    assert patterns.candidates("i thought of suicide") == [1]
    assert not patterns.pattern(0).search("i thought of suicide")
    for text in ("s*icide", "su1cidal"):
        assert patterns.candidates(text) == [0, 1]
        assert patterns.pattern(0).search(text)
