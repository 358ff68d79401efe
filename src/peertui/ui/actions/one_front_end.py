"""Actions that exist in one front-end only, each with why (told when typed in the other).

Part of the one action table (`peertui.ui.actions`): the order here is the order in /help.
"""

from __future__ import annotations

from peertui.i18n import N_
from peertui.ui.actions.model import Action

ACTIONS: tuple[Action, ...] = (
    Action(
        "peertui.focus_composer",
        N_("Back to typing"),
        N_("Move from the message list back to the composer."),
        "messages",
        "focus_composer",
        key="escape",
        key_scope="messages",
        front_ends=frozenset({"tui"}),
        only_here_because=N_("plain mode has no focus to move: every line is typed at the prompt"),
    ),
    Action(
        "peertui.stop",
        N_("Stop"),
        N_("Stop the grounding exercise that is running."),
        "wellbeing",
        "stop",
        slash="stop",
        when_locked=True,
        front_ends=frozenset({"plain"}),
        only_here_because=N_("here, Escape closes the grounding exercise"),
    ),
    Action(
        "peertui.cancel",
        N_("Cancel"),
        N_("Close the question that is open without answering it."),
        "settings",
        "cancel",
        slash="cancel",
        when_locked=True,
        front_ends=frozenset({"plain"}),
        only_here_because=N_("here, Escape closes the question that is open"),
    ),
)
