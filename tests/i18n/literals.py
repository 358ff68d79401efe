"""Find words a person would read that bypass the message catalogue.

An AST scan of the front-ends and the shared layers: a string literal with letters in it,
passed straight to something that shows text (a Line, a notice, a Textual widget, a toast, a
question, a key's description...), is a string that can never be translated. `_("...")`,
`N_("...")`, `ngettext` and `pgettext` calls are the way through; literals without letters
(" · ", "—") are not words.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "src" / "peertui"
SCANNED = ("tui", "plain", "ui", "wellbeing", "config.py", "__main__.py")
TRANSLATORS = frozenset({"_", "N_", "NP_", "ngettext", "pgettext", "npgettext"})

# Calls whose positional arguments are shown to people as they are.
SHOWN_POSITIONAL = frozenset(
    {
        "notice", "error", "output", "Line", "say", "tell", "notify", "Refusal", "Question",
        "Static", "Label", "Button", "Markdown", "Checkbox", "Option", "Prompt", "Header",
        "Rule", "SystemLine", "hint", "show_hint", "warn", "ask", "set_status", "_problem",
        "_say", "form", "choose", "confirm", "moderate_form", "FormScreen", "ChoiceScreen",
        "ListScreen", "DialogPrompter", "Text",
    }
)  # fmt: skip
# Keyword arguments that are shown to people whatever the call.
SHOWN_KEYWORDS = frozenset(
    {
        "done",  # a Home helper's word when an engine call succeeds
        "title",
        "label",
        "placeholder",
        "description",
        "tooltip",
        "help",
        "prompt",
        "text",
        "explanation",
        "border_title",
        "subtitle",
        "message",
        "heading",
        "means",
        "purpose",
    }
)
# Calls where only some positions are words (the others are ids or kinds).
SHOWN_POSITIONS = {"Field": (1,), "Line": (1,), "Binding": (2,), "_say": (0,), "Text": (0,)}


@dataclass(frozen=True)
class Bare:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def _has_words(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(ch.isalpha() for ch in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(
            isinstance(v, ast.Constant) and any(ch.isalpha() for ch in str(v.value))
            for v in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _has_words(node.left) or _has_words(node.right)
    if isinstance(node, ast.IfExp):
        return _has_words(node.body) or _has_words(node.orelse)
    return False


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _text(node: ast.expr) -> str:
    return ast.unparse(node)[:90]


def bare_literals(source: str, path: str) -> Iterator[Bare]:
    """Literals with words handed to a showing call without going through the catalogue."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in TRANSLATORS:
            continue
        shown: list[ast.expr] = []
        if name in SHOWN_POSITIONS:
            shown += [a for i, a in enumerate(node.args) if i in SHOWN_POSITIONS[name]]
        elif name in SHOWN_POSITIONAL:
            shown += node.args
        shown += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        for argument in shown:
            if _has_words(argument):
                yield Bare(path, argument.lineno, _text(argument))


def scan(root: Path = ROOT) -> list[Bare]:
    found: list[Bare] = []
    for part in SCANNED:
        target = root / part
        files = [target] if target.is_file() else sorted(target.rglob("*.py"))
        for file in files:
            found += bare_literals(file.read_text(encoding="utf-8"), str(file.relative_to(root)))
    return found


def shadowed_hooks(source: str, path: str) -> Iterator[Bare]:
    """Functions that call `_()` and also bind `_` (`a, _, b = ...`, `for _ in`): there `_` is
    a local variable, and the call fails (or, worse, calls the wrong thing)."""
    tree = ast.parse(source)
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        names = [n for n in ast.walk(func) if isinstance(n, ast.Name) and n.id == "_"]
        binds = [n for n in names if isinstance(n.ctx, ast.Store)]
        calls = any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_"
            for n in ast.walk(func)
        )
        if binds and calls:
            yield Bare(path, binds[0].lineno, f"{func.name} binds _")


def scan_shadowing(root: Path = ROOT) -> list[Bare]:
    found: list[Bare] = []
    for file in sorted(root.rglob("*.py")):
        found += shadowed_hooks(file.read_text(encoding="utf-8"), str(file.relative_to(root)))
    return found


# Where prose is not for people: CSS classes, slash-command names, notes for developers,
# programming errors.
NOT_SHOWN_KEYWORDS = frozenset({"classes", "slash", "id", "group"})
PROGRAMMING_ERRORS = frozenset({"RuntimeError", "AssertionError", "TypeError", "DuplicateID"})
NOT_SHOWN_CALLS = frozenset({"query", "query_one", "strftime"})  # selectors, date patterns
PROSE_SCANNED = ("tui", "plain", "ui")


def _prose(text: str) -> bool:
    words = [w for w in text.split() if sum(ch.isalpha() for ch in w) >= 2]
    return len(words) >= 2


def prose_literals(source: str, path: str) -> Iterator[Bare]:
    """Any sentence-like literal (two words or more) outside `_()`: in the front-ends nearly
    every such string is shown, so each one is either translated or a listed exception."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if not (is_text or isinstance(node, ast.JoinedStr)):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.JoinedStr | ast.FormattedValue | ast.Expr):
            continue  # part of an f-string (judged whole), or a docstring
        text = node.value if isinstance(node, ast.Constant) else _joined_words(node)
        if not _prose(text):
            continue
        if isinstance(parent, ast.keyword) and parent.arg in NOT_SHOWN_KEYWORDS:
            continue
        if _inside(node, parents):
            continue
        yield Bare(path, node.lineno, _text(node))


def _joined_words(node: ast.JoinedStr) -> str:
    return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))


def _inside(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """In a translator call, or the message of a programming error."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in TRANSLATORS or name in PROGRAMMING_ERRORS or name in NOT_SHOWN_CALLS:
                return True
    return False


def scan_prose(root: Path = ROOT) -> list[Bare]:
    found: list[Bare] = []
    for part in PROSE_SCANNED:
        for file in sorted((root / part).rglob("*.py")):
            found += prose_literals(file.read_text(encoding="utf-8"), str(file.relative_to(root)))
    return found
