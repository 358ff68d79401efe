"""The TUI's key bindings, built from the one action table (`peertui.ui.actions`).

Each binding's id is its action's id, so `settings.keybindings` (e.g.
`{"peertui.crisis": "f1,ctrl+l"}`) remaps it with `App.set_keymap`. The wellbeing keys and quick
exit are priority bindings on the app so they work from every screen, even while typing.
"""

from __future__ import annotations

from textual.binding import Binding

from peertui.i18n import N_
from peertui.ui import actions
from peertui.ui.actions import Action

# Where the TUI's method name differs from the table's handler (Textual has its own
# `action_dismiss` on every screen).
METHOD_NAMES = {"dismiss": "dismiss_report"}


def method_name(action: Action) -> str:
    """The TUI's `action_<name>` for an action of the table."""
    return METHOD_NAMES.get(action.handler, action.handler)


QUICK_EXIT_KEY = actions.by_id("peertui.quick_exit").key or "f12"
TUI_ACTIONS = actions.for_front_end("tui")


def _binding(action: Action, *, namespace: str = "", priority: bool = False) -> Binding:
    assert action.key is not None
    # Descriptions are msgids: every screen says them in the interface language when the
    # footer asks (`PeertuiNode.active_bindings`), so a change of language reaches them.
    short = action.footer_en if action.key_scope == "home" else ""
    return Binding(
        action.key,
        f"{namespace}{method_name(action)}",
        short or action.title_en,
        # The F4–F11 keys are in the footer; the others are named by the pane title and the
        # palette, so the footer row fits in 80 columns.
        show=action.key_scope == "home",
        priority=priority,
        tooltip=action.help_en,
        id=action.id,
    )


def _scoped(scope: str) -> list[Action]:
    return [a for a in TUI_ACTIONS if a.key and a.key_scope == scope]


# Tab and Shift+Tab move the focus in the order the keys were typed. Textual's own Tab binding
# is on the screen, so a Tab reaches it only after the keys typed after it have gone into the
# field ("abc" Tab "def" filled one field with "abcdef"). These run as the app reads the key,
# once the field has taken the keys typed before it (`PeertuiApp.action_focus_in_order`).
FOCUS = [
    Binding("tab", "focus_in_order(True)", N_("Next field"), show=False, priority=True),
    Binding("shift+tab", "focus_in_order(False)", N_("Previous field"), show=False, priority=True),
]
APP = [_binding(a, priority=True) for a in _scoped("app")]
# In key order (F4 … F11), as the footer shows them.
HOME = [_binding(a) for a in sorted(_scoped("home"), key=lambda a: int((a.key or "f0")[1:]))]
# Active while the message list has focus. Printable keys that are not one of these (or whose
# action the person may not use) go to the composer.
MESSAGES = [_binding(a, namespace="screen.") for a in _scoped("messages")]

# The message-list keys that act on the highlighted message (the others, such as slow mode and
# read-only, act on the whole group and only share the keyboard focus).
ON_A_MESSAGE = frozenset(f"screen.{a.handler}" for a in TUI_ACTIONS if a.on_message)

# Shown in the footer, with these short labels, while the message list has focus (instead of
# the F4–F11 keys, which stay in the palette): what can be done to the highlighted message.
MESSAGE_FOOTER = {
    f"screen.{a.handler}": a.footer_en
    for a in TUI_ACTIONS
    if a.footer_en and a.key_scope == "messages"
}

# handler -> the least role that may use it.
ROLE = {a.handler: a.role for a in TUI_ACTIONS}
MODERATOR_ACTIONS = frozenset(h for h, role in ROLE.items() if role != "member")
