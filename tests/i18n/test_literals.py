"""No word a person reads bypasses the catalogue (an AST scan of the shown-text calls)."""

from __future__ import annotations

from tests.i18n.literals import (
    bare_literals,
    scan,
    scan_prose,
    scan_shadowing,
    shadowed_hooks,
)


def test_no_shown_literal_bypasses_the_catalogue():
    found = scan()
    assert not found, "shown without _(): " + "; ".join(str(b) for b in found[:10])


def test_no_function_shadows_the_translation_hook():
    found = scan_shadowing()
    assert not found, "; ".join(str(b) for b in found)


def test_the_scan_finds_a_literal_that_bypasses_the_catalogue():
    planted = """
def show(app, name):
    app.notify("Saved your plan.")
    yield Button(f"Leave {name}", id="leave")
    yield Label(_("Already translated"))
    yield Static("  —  ")
    return notice(_("Fine {name}").format(name=name)), Field("who", "Member:"), Line("error", "Oops there")
"""
    found = [b.text for b in bare_literals(planted, "planted.py")]
    assert found == ["'Saved your plan.'", "f'Leave {name}'", "'Member:'", "'Oops there'"]


def test_the_scan_finds_a_shadowed_hook():
    planted = """
def split(text):
    head, _, tail = text.partition(" ")
    return _("{head} and {tail}").format(head=head, tail=tail)
"""
    assert [b.text for b in shadowed_hooks(planted, "planted.py")] == ["split binds _"]


def test_no_sentence_in_the_front_ends_bypasses_the_catalogue():
    """Wider than the shown-text calls: any sentence in tui/, plain/ and ui/ (a string handed
    through a helper, a ternary, a list of lines) is translated or a listed exception."""
    found = scan_prose()
    assert not found, "; ".join(str(b) for b in found[:10])
