"""peertui's core returns facts; the shared layer (peertui.ui.wording, peertui.ui.problems)
words them for both front-ends. This reads every core module's source and counts the calls
into the message catalogue, so new wording in core fails here instead of reaching people
worded once, in one place, for one front-end.

`NOT_YET_MOVED` is a ratchet, not a blessing: modules that still raise refusals whose
sentence is built where the refusal happens (`NotAllowed(_("..."))` and the like; each is
translated, but bypasses the shared layer). It is empty now. `CONTENT` counts text core
publishes rather than says (the default guidelines). Counts must match exactly, so a new site
cannot hide behind an old one."""

from __future__ import annotations

import ast
from pathlib import Path

import peertui.core

CORE = Path(peertui.core.__file__).parent
CATALOGUE_CALLS = {"_", "ngettext", "pgettext", "npgettext", "N_", "NP_"}

# module (relative to core/) -> catalogue calls still in it; only ever lowered. Empty: every
# refusal, notice and relay fault of core is worded in peertui.ui now; keep it so.
NOT_YET_MOVED: dict[str, int] = {}

# Content core publishes, not interface wording: stays, and is counted so it cannot grow.
CONTENT = {
    # The default guidelines (seven N_ lines and their lookup). They are the text a host
    # publishes and the engine commits to in the signed roster (Engine.create_group's default,
    # moderation.guidelines_commitment), chosen in the host's language at creation: the group's
    # rules, read and accepted by joiners, not words of this interface, so the ui layer has no
    # business wording them differently per front-end. Nor a wellbeing data file: the English
    # must stay byte for byte what older groups committed to (DEFAULT_GUIDELINES), and the
    # catalogue already carries their reviewed es/pt_BR translations under po_check.
    "moderation.py": 8,
}


def catalogue_calls(source: str) -> list[int]:
    """Line numbers of calls to the catalogue (`_("...")`, `ngettext(...)`, ...)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in CATALOGUE_CALLS
    ]


def test_core_modules_call_the_message_catalogue_only_where_the_ratchet_allows():
    found = {}
    for path in sorted(CORE.rglob("*.py")):
        calls = catalogue_calls(path.read_text(encoding="utf-8"))
        if calls:
            found[path.relative_to(CORE).as_posix()] = len(calls)
    allowed = {**NOT_YET_MOVED, **CONTENT}
    new = {m: n for m, n in found.items() if n > allowed.get(m, 0)}
    assert not new, f"core modules word things (move the words to peertui.ui): {new}"
    moved = {m: found.get(m, 0) for m, n in allowed.items() if found.get(m, 0) < n}
    assert not moved, f"wording left core: lower NOT_YET_MOVED to {moved}"


def test_what_moved_out_of_core_stays_out():
    """The sites moved to peertui.ui: pending groups' name, export headings, what /wipe left,
    the keyring's leftovers, relay refusals and the engine's notices."""
    moved = {
        "engine.py": [
            'or "unnamed group',
            "is {status}, not active",
            "You left {name}",
            "already called {nick}",
            "There is no message #",
            "Give a word to hide",
            "already exists; choose another",
            "does not exist.",
            "Could not write",
            "you hid this",
        ],
        "payloads.py": ["A nickname needs", "the message is empty"],
        "store.py": ["peertui export of the group", "could not be deleted", "left alone"],
        "keys.py": [
            "could not be removed: no safe keyring",
            "is damaged, so any keyring entry",
            "keeps its database key",
            "does not unlock this peertui home",
            "keeps keys in a plain file",
        ],
        "group.py": [
            "You were removed from",
            "Could not send yet",
            "The connection hit a problem",
            "Ignored a join request",
            "Could not check the request",
            "was not shown",
            "is now known as",
            "thanked {nick}",
            "two different versions",
            "is missing: the relay",
            "That action is not allowed",
        ],
        "receive_rules.py": ["muted by the moderators", "read-only"],
        "homelock.py": ["already open with this home"],
        "relay_client.py": ["is not reachable", "cannot read", "Connecting to", "Connected to"],
    }
    # group.py's session is split into group_*.py (one part of it each): all are checked alike.
    for part in sorted(CORE.glob("group_*.py")):
        moved[part.name] = moved["group.py"]
    for module, phrases in moved.items():
        source = (CORE / module).read_text(encoding="utf-8")
        for phrase in phrases:
            assert phrase not in source, (module, phrase)


def test_the_counter_finds_calls_and_not_lookalikes():
    source = (
        "from peertui.i18n import _, ngettext\n"
        "a = _('one')\n"
        "b = ngettext('x', 'xs', 2)\n"
        "c = self._('not the catalogue')\n"
        "d = '_(in a string)'\n"
        "def _helper(): pass\n"
        "_helper()\n"
    )
    assert catalogue_calls(source) == [2, 3]


def test_every_typed_refusal_is_worded_with_its_facts_and_logs_none_of_them():
    from peertui.core.errors import InvalidInput, Why, refused
    from peertui.ui.problems import problem
    from peertui.ui.refusals import SENTENCES

    assert set(SENTENCES) == set(Why), "a refusal without words (add it to ui/refusals.py)"
    taken = refused(InvalidInput, Why.NICK_LOOKS_TAKEN, nick="robin")
    assert problem(taken) == (
        "Someone in this group is already called robin, which looks the same; pick another "
        "nickname."
    )
    assert "robin" not in str(taken) and str(taken) == "refused: nick_looks_taken"
    # Each sentence names only facts its refusal carries: formatting with none fails loudly.
    import string

    for why, sentence in SENTENCES.items():
        fields = {name for _, name, _, _ in string.Formatter().parse(sentence) if name}
        facts = {
            Why.POST_MUTED: {"until_ms": 0},
            Why.EXPORT_NOT_WRITTEN: {"target": "x", "reason": "x"},
        }.get(why, dict.fromkeys(fields, "x"))
        assert problem(refused(InvalidInput, why, **facts)), why
