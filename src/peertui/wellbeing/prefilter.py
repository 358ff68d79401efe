"""Run only the regular expressions that can match: a literal prefilter on an Aho-Corasick automaton.

Python's `re` tries every alternative of a pattern at every position, so joining a phrase
book's few hundred patterns into one pattern per category (or per tier) costs as much as
trying them one by one: ~1 ms per message per phrase book. Most patterns, though, cannot
match unless the text contains one of a few literal strings ("took", "pills", "myself").
`required_literals` works those out from the parsed pattern (the idea of RE2's FilteredRE2
and Hyperscan's prefilters); one `pyahocorasick` automaton finds every such literal in one
pass over the message, and only the patterns whose literals occur are run. Patterns with no
usable literal are always run. The answer is the same as running every pattern: the literals
are *necessary* for a match, never sufficient.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import ahocorasick  # type: ignore[import-not-found]  # a C extension without stubs

try:  # Python 3.11+: the parser behind `re`, used only to read a pattern's structure
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons
    import sre_parse  # type: ignore[no-redef]

from re import _constants as sre  # type: ignore[attr-defined]

MAX_ALTERNATIVES = 64  # a literal set larger than this is not worth spelling out
MIN_USEFUL = 2  # a literal shorter than this occurs in nearly every message
MAX_GATED = 16  # ...but a pattern that needs one of a few such characters is tested for them


@dataclass(frozen=True)
class _Literals:
    exact: frozenset[str] | None  # every string the node can match, when few and finite
    required: frozenset[str] | None  # a match contains one of these; None: nothing known

    @property
    def best(self) -> frozenset[str] | None:
        if self.exact is not None and "" not in self.exact:
            return _better(self.exact, self.required)
        return self.required


EMPTY = _Literals(frozenset({""}), None)
UNKNOWN = _Literals(None, None)


def _score(strings: frozenset[str] | None) -> tuple[int, int]:
    if not strings:
        return (-1, 0)
    return (min(len(s) for s in strings), -len(strings))


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    return a if _score(a) >= _score(b) else b


def _product(a: frozenset[str], b: frozenset[str]) -> frozenset[str] | None:
    if len(a) * len(b) > MAX_ALTERNATIVES:
        return None
    return frozenset(x + y for x in a for y in b)


def _sequence(items: Iterable) -> _Literals:
    run: frozenset[str] | None = frozenset({""})
    best: frozenset[str] | None = None
    whole_exact = True
    items = list(items)
    index = 0
    while index < len(items):
        op, arg = items[index]
        index += 1
        if op is sre.LITERAL:  # a run of plain characters: one string, one product
            chars = [chr(arg)]
            while index < len(items) and items[index][0] is sre.LITERAL:
                chars.append(chr(items[index][1]))
                index += 1
            node = _Literals(frozenset({"".join(chars)}), None)
        else:
            node = _node(op, arg)
        if node.exact == {""} and node.required is not None:  # a lookaround's requirement
            best = _better(node.required, best)
        if run is not None and node.exact is not None:
            joined = _product(run, node.exact)
            if joined is not None:
                run = joined
                continue
        # The run of literals ends here: keep it (or the node's own literals) if it is better.
        whole_exact = False
        if run is not None and "" not in run:
            best = _better(run, best)
        best = _better(node.best, best)
        run = node.exact if node.exact is not None else frozenset({""})
    if run is not None and "" not in run:
        best = _better(run, best)
    return _Literals(run if whole_exact else None, best)


def _node(op, arg) -> _Literals:
    if op is sre.LITERAL:
        return _Literals(frozenset({chr(arg)}), None)
    if op is sre.ASSERT:  # (?=...) or (?<=...): zero-width, but the text holds what it sees
        return _Literals(frozenset({""}), _sequence(arg[1]).best)
    if op in (sre.AT, sre.ASSERT_NOT):
        return EMPTY  # zero-width: matches no characters
    if op is sre.SUBPATTERN:
        if arg[1] & sre.SRE_FLAG_IGNORECASE:  # (?i:...): its literals are not the ones matched
            return UNKNOWN
        return _sequence(arg[-1])
    if op is sre.BRANCH:
        branches = [_sequence(branch) for branch in arg[1]]
        exact: frozenset[str] | None = None
        if all(b.exact is not None for b in branches):
            exact = frozenset().union(*(b.exact for b in branches))  # type: ignore[arg-type]
            if len(exact) > MAX_ALTERNATIVES:
                exact = None
        bests = [b.exact if b.exact is not None else b.best for b in branches]
        if any(b is None or "" in b for b in bests):
            return _Literals(exact, None)
        return _Literals(exact, frozenset().union(*bests))  # type: ignore[arg-type]
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        low, high, item = arg
        inner = _sequence(item)
        if low == 0:
            if high == 1 and inner.exact is not None:
                return _Literals(inner.exact | {""}, None)
            return UNKNOWN
        exact = inner.exact if (low, high) == (1, 1) else None
        return _Literals(exact, inner.best)
    if op is sre.IN:
        chars = [chr(value) for kind, value in arg if kind is sre.LITERAL]
        if len(chars) == len(arg) and len(chars) <= 8:
            return _Literals(frozenset(chars), None)
        return UNKNOWN
    return UNKNOWN  # ANY, NOT_LITERAL, CATEGORY, GROUPREF ...


def required_literals(pattern: str) -> frozenset[str] | None:
    """Strings one of which every text that `pattern` matches in contains (the match itself, or
    what a lookahead inside it sees); None when none are known."""
    found = _sequence(sre_parse.parse(pattern)).best
    if found is None or min(len(s) for s in found) < MIN_USEFUL:
        return None
    return found


def short_requirements(pattern: str) -> tuple[tuple[str, ...], ...]:
    """For a pattern without useful literals: sets of short strings (a few characters) of
    which a text it matches in holds one each, one set per part of the pattern that needs one
    (every part of a sequence must match)."""
    needed = []
    for op, arg in sre_parse.parse(pattern):
        node = _node(op, arg)
        found = node.required if node.exact == {""} else node.best
        if found is not None and "" not in found and len(found) <= MAX_GATED:
            needed.append(tuple(sorted(found)))
    return tuple(needed)


def _any_of(strings: Iterable[str]) -> re.Pattern[str]:
    """A pattern that finds any of `strings` (longest first): one search in C instead of a
    Python loop testing `in` for each."""
    return re.compile("|".join(re.escape(s) for s in sorted(strings, key=len, reverse=True)))


def gate(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    """A cheap test that is False only when `pattern` cannot match the text (none of its
    required literals occurs in it), for a pattern searched in every message."""
    literals = None if pattern.flags & re.IGNORECASE else required_literals(pattern.pattern)
    if literals is None:
        return _always
    any_literal = _any_of(literals)  # (several gates run on every message)
    return lambda text: any_literal.search(text) is not None


def _always(_text: str) -> bool:
    return True


class PatternSet:
    """Compiled patterns with a literal prefilter: `candidates(text)` lists the ones worth running."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.sources: tuple[str, ...] = tuple(patterns)
        self._compiled: dict[int, re.Pattern[str]] = {}
        self._always: list[int] = []
        # Patterns whose only requirement is one of a few short strings, e.g. a "*" or a "1"
        # ("s*icide"): too common for the automaton, but a test of `in` costs next to nothing.
        self._gated: list[tuple[int, tuple[re.Pattern[str], ...]]] = []
        automaton = ahocorasick.Automaton()
        owners: dict[str, list[int]] = {}
        for index, source in enumerate(self.sources):
            literals = required_literals(source)
            if literals is None:
                short = short_requirements(source)
                if short:
                    self._gated.append((index, tuple(_any_of(one_of) for one_of in short)))
                else:
                    self._always.append(index)
                continue
            for literal in literals:
                owners.setdefault(literal, []).append(index)
        for literal, indices in owners.items():
            automaton.add_word(literal, tuple(indices))
        self._automaton = automaton if owners else None
        if self._automaton is not None:
            self._automaton.make_automaton()

    def pattern(self, index: int) -> re.Pattern[str]:
        """The compiled pattern, compiled the first time it is a candidate (most never are)."""
        compiled = self._compiled.get(index)
        if compiled is None:
            compiled = self._compiled[index] = re.compile(self.sources[index])
        return compiled

    @property
    def always_run(self) -> int:
        return len(self._always)

    def candidates(self, text: str) -> list[int]:
        chosen = set(self._always)
        for index, needed in self._gated:
            if all(one_of.search(text) for one_of in needed):
                chosen.add(index)
        if self._automaton is not None:
            found = [indices for _end, indices in self._automaton.iter(text)]
            if found:
                chosen.update(*found)
        return sorted(chosen)

    def search(self, text: str) -> bool:
        """Whether any of the patterns matches somewhere in `text`."""
        return any(self.pattern(index).search(text) for index in self.candidates(text))

    def matches(self, text: str) -> Iterator[tuple[int, re.Match[str]]]:
        """Every match of every pattern that can match, pattern by pattern."""
        for index in self.candidates(text):
            for match in self.pattern(index).finditer(text):
                yield index, match
