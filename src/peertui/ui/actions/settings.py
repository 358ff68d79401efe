"""Settings and your data: settings, export, erasing everything, help and quitting.

Part of the one action table (`peertui.ui.actions`): the order here is the order in /help.
"""

from __future__ import annotations

from peertui.i18n import N_
from peertui.ui.actions.model import Action

ACTIONS: tuple[Action, ...] = (
    Action(
        "peertui.settings",
        N_("Settings"),
        N_("Show every setting with its value."),
        "settings",
        "settings",
        slash="settings",
        key="f8",
        key_scope="home",
        engine_call="save_settings",
    ),
    Action(
        "peertui.set",
        N_("Change a setting"),
        N_("Change one setting, for example /set country GB."),
        "settings",
        "set",
        slash="set",
        args=N_("<setting> <value>"),
        engine_call="save_settings",
    ),
    Action(
        "peertui.export",
        N_("Export conversation"),
        N_("Write the current group's history to a plain-text file."),
        "settings",
        "export",
        slash="export",
        args=N_("<file>"),
        needs_group=True,
        engine_call="export",
    ),
    Action(
        "peertui.wipe",
        N_("Erase everything"),
        N_("Erase all peertui data on this computer (asks you to confirm)."),
        "settings",
        "wipe",
        slash="wipe",
        engine_call="wipe",
        detail_en=N_(
            "If you own or moderate groups, you are told first what erasing means for them."
        ),
    ),
    Action(
        "peertui.help",
        N_("Help"),
        N_("List the help topics, or explain one topic or command."),
        "settings",
        "help",
        slash="help",
        args=N_("[topic | command]"),
        when_locked=True,
        aliases=("h", "?"),
    ),
    Action(
        "peertui.quit",
        N_("Quit"),
        N_("Leave peertui (your groups stay; Ctrl+D does the same in plain mode)."),
        "settings",
        "quit",
        slash="quit",
        key="ctrl+q",
        key_scope="app",
        when_locked=True,
        aliases=("exit", "q"),
    ),
)
