"""The shared interaction layer: no Textual, no printing, one consistent action table."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from peertui.ui import actions, commands, flows
from peertui.ui.flows import Answer, Question, Refusal, judge

UI_DIR = Path(__file__).resolve().parents[2] / "src" / "peertui" / "ui"

CHECK = """
import sys, builtins
printed = []
builtins.print = lambda *a, **k: printed.append(a)
import peertui.ui, peertui.ui.actions, peertui.ui.wording, peertui.ui.commands
import peertui.ui.flows, peertui.ui.screenfuls
from peertui.ui import screenfuls
screenfuls.help_index(); screenfuls.help_for("mute")
loaded = sorted(n for n in sys.modules if n == "textual" or n.startswith("textual."))
print_calls = len(printed)
sys.stdout.write((",".join(loaded) or "none") + f" {print_calls}")
"""


@pytest.mark.timeout(30)
def test_ui_loads_no_textual_and_prints_nothing():
    result = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=25
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "none 0"


def test_ui_source_never_calls_print_or_writes_to_a_stream():
    for path in UI_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("print", "input"), f"{path.name}:{node.lineno}"
            if isinstance(node, ast.Attribute):
                assert node.attr not in ("stdout", "stderr"), f"{path.name}:{node.lineno}"
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                )
                assert not any(
                    n.startswith(("textual", "rich", "peertui.tui", "peertui.plain")) for n in names
                ), path.name


def test_action_ids_keys_and_slash_commands_are_unique():
    ids = [a.id for a in actions.ACTIONS]
    assert len(ids) == len(set(ids))
    by_scope: dict[str, list[str]] = {}
    for action in actions.ACTIONS:
        if action.key:
            by_scope.setdefault(action.key_scope or "", []).append(action.key)
    for scope, keys in by_scope.items():
        assert len(keys) == len(set(keys)), scope
    for front_end in ("tui", "plain"):
        forms = [a.slash for a in actions.for_front_end(front_end) if a.slash]
        assert len(forms) == len(set(forms))


def test_every_action_in_one_front_end_only_says_why():
    for action in actions.ACTIONS:
        assert action.front_ends, action.id
        if action.front_ends != actions.BOTH:
            assert action.only_here_because, action.id
        assert action.topic in actions.TOPICS, action.id
        assert action.help.endswith("."), action.id


def test_the_tui_binding_ids_stay_the_same():
    # People remap keys by these ids in config.toml: renaming one would silently drop a remap.
    for binding_id in (
        "peertui.crisis",
        "peertui.grounding",
        "peertui.safety_plan",
        "peertui.quick_exit",
        "peertui.host",
        "peertui.join",
        "peertui.invite",
        "peertui.search",
        "peertui.settings",
        "peertui.requests",
        "peertui.modlog",
        "peertui.reports",
        "peertui.focus_composer",
        "peertui.open_warning",
        "peertui.older",
        "peertui.thank",
        "peertui.report",
        "peertui.ignore",
        "peertui.warn",
        "peertui.mute",
        "peertui.unmute",
        "peertui.remove",
        "peertui.ban",
        "peertui.delete",
        "peertui.slowmode",
        "peertui.readonly",
        "peertui.promote",
        "peertui.demote",
        "peertui.ignore_keyword",
    ):
        assert binding_id in actions.BY_ID


def test_keys_are_remapped_by_id():
    keys = actions.keys({"peertui.crisis": "ctrl+l"})
    assert keys["peertui.crisis"] == "ctrl+l"
    assert keys["peertui.grounding"] == "f2"


def test_roles_and_the_lock():
    ban = actions.by_id("peertui.ban")
    assert not ban.allowed("member") and ban.allowed("moderator") and ban.allowed("owner")
    assert not actions.by_id("peertui.promote").allowed("moderator")
    crisis = actions.by_id("peertui.crisis")
    assert crisis.allowed("member", locked=True)
    assert not actions.by_id("peertui.host").allowed("owner", locked=True)


def test_the_parser_reads_two_word_commands_arguments_and_slashes():
    parsed = commands.parse("/slowmode 10")
    assert parsed.action is actions.by_id("peertui.slowmode") and parsed.argument == "10"
    assert commands.parse("/ignore word Spoilers").action is actions.by_id("peertui.ignore_keyword")
    assert commands.parse("/ignore word Spoilers").argument == "Spoilers"
    assert commands.parse("/ignore sam").action is actions.by_id("peertui.ignore")
    assert commands.parse("/PLAN edit").action is actions.by_id("peertui.safety_plan_edit")
    assert commands.parse("/q").action is actions.by_id("peertui.quit")
    assert commands.parse("//shrug").text == "/shrug" and commands.parse("//shrug").is_message
    assert commands.parse("  hello  ").text == "hello"


def test_an_unknown_command_says_did_you_mean():
    with pytest.raises(commands.CommandError) as caught:
        commands.parse("/slowmod 10")
    assert caught.value.suggestion == "slowmode"
    assert "Did you mean /slowmode?" in str(caught.value)


def test_a_first_word_of_two_word_commands_names_the_second_words():
    with pytest.raises(commands.CommandError) as caught:
        commands.parse("/group")
    assert "/group language" in str(caught.value)
    assert "There is no command" not in str(caught.value)


def test_a_command_of_the_other_front_end_says_what_to_do_here():
    with pytest.raises(commands.CommandError) as caught:
        commands.parse("/stop", "tui")
    assert "Escape closes the grounding exercise" in str(caught.value)
    with pytest.raises(commands.CommandError) as caught:
        commands.parse("/cancel", "tui")
    assert "Escape closes the question" in str(caught.value)
    assert commands.parse("/stop", "plain").action is actions.by_id("peertui.stop")


def test_host_reads_a_name_with_spaces_and_an_optional_relay():
    assert commands.host_arguments("Tuesday circle http://127.0.0.1:8765") == (
        "Tuesday circle",
        "http://127.0.0.1:8765",
    )
    assert commands.host_arguments("Test group") == ("Test group", None)
    assert commands.host_arguments("https://x.example") == ("https://x.example", None)


def test_a_reply_typed_at_a_question_is_refused_and_kept():
    question = Question("Leave Tuesday circle", (flows.YES, flows.NO))
    assert question.render() == "Leave Tuesday circle: yes or no?"
    verdict = judge(question, "pretty rough honestly")
    assert isinstance(verdict, Refusal) and verdict.keep == "pretty rough honestly"
    assert "pretty rough honestly" in verdict.line.text
    assert isinstance(judge(question, "maybe"), Refusal) and judge(question, "maybe").keep == ""
    assert judge(question, "Y") == Answer("Y", "yes")
    erase = Question("Erase", (flows.ERASE, flows.NO))
    assert isinstance(judge(erase, "erase"), Refusal)
    assert judge(erase, "ERASE").choice == "ERASE"
    free = Question("Nickname", purpose="your nickname")
    assert free.render() == "Nickname?"
    assert isinstance(judge(free, ""), Refusal) and judge(free, "robin").text == "robin"
