"""Wellbeing: crisis lines, grounding, the safety plan and quick exit. Every one works at any
prompt, locked or not, and none needs the network.

Part of the one action table (`peertui.ui.actions`): the order here is the order in /help.
"""

from __future__ import annotations

from peertui.i18n import N_
from peertui.ui.actions.model import Action

ACTIONS: tuple[Action, ...] = (
    Action(
        "peertui.crisis",
        N_("Crisis lines"),
        N_("Crisis lines for your country or any other (works offline)."),
        "wellbeing",
        "crisis",
        slash="crisis",
        args=N_("[country] [more]"),
        key="f1",
        key_scope="app",
        when_locked=True,
        detail_en=N_(
            "Shows the emergency number and the first helplines. /crisis GB shows another "
            "country; /crisis GB more adds hours, sources and directories. Without a country, "
            "uses your country setting, then your locale."
        ),
    ),
    Action(
        "peertui.grounding",
        N_("Grounding"),
        N_("Grounding exercises; paced steps you can stop any time."),
        "wellbeing",
        "grounding",
        slash="ground",
        args=N_("[exercise]"),
        key="f2",
        key_scope="app",
        when_locked=True,
        detail_en=N_(
            "Without a name, lists the exercises. /ground box runs box breathing. Timed steps "
            "follow each other by themselves; a step at your own pace waits for Enter. /stop "
            "(or any other command) ends the exercise."
        ),
    ),
    Action(
        "peertui.safety_plan",
        N_("Safety plan"),
        N_("Show your safety plan."),
        "wellbeing",
        "safety_plan",
        slash="plan",
        key="f3",
        key_scope="app",
        engine_call="safety_plan",
        detail_en=N_("Your plan is kept encrypted on this computer, so it needs the passphrase."),
    ),
    Action(
        "peertui.safety_plan_edit",
        N_("Edit safety plan"),
        N_("Change your safety plan, one step at a time."),
        "wellbeing",
        "safety_plan_edit",
        slash="plan edit",
        engine_call="save_safety_plan",
        detail_en=N_(
            "Walks through the {steps} steps: one entry per answer, an empty answer finishes a "
            "step (an empty first answer keeps what is there, a single - empties the step); "
            "/cancel stops without saving anything."
        ),
    ),
    Action(
        "peertui.safety_plan_export",
        N_("Export safety plan"),
        N_("Write your safety plan to a text file only you can read."),
        "wellbeing",
        "safety_plan_export",
        slash="plan export",
        args=N_("<file>"),
        engine_call="export_safety_plan",
    ),
    Action(
        "peertui.quick_exit",
        N_("Quick exit"),
        N_("Leave at once and clear the screen and scrollback; a half-typed message is kept."),
        "wellbeing",
        "quick_exit",
        slash="x",
        key="f12",
        key_scope="app",
        when_locked=True,
        detail_en=N_(
            "In plain mode /x, or the key Ctrl+\\ at any moment (even at the passphrase "
            "question), leaves at once and clears the screen and scrollback."
        ),
    ),
)
