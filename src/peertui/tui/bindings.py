"""Every key binding in one place, each with an id so people can remap it.

`settings.keybindings` maps a binding id (e.g. "peertui.crisis") to keys (e.g. "f1,ctrl+l");
the app applies it with `App.set_keymap`. The wellbeing keys and quick exit are priority
bindings on the app so they work from every screen, even while typing.
"""

from __future__ import annotations

from textual.binding import Binding

QUICK_EXIT_KEY = "f12"

APP = [
    Binding("f1", "crisis", "Crisis lines", priority=True, show=False, id="peertui.crisis"),
    Binding("f2", "grounding", "Grounding", priority=True, show=False, id="peertui.grounding"),
    Binding(
        "f3", "safety_plan", "Safety plan", priority=True, show=False, id="peertui.safety_plan"
    ),
    Binding(
        QUICK_EXIT_KEY,
        "quick_exit",
        "Quick exit",
        priority=True,
        show=False,
        id="peertui.quick_exit",
    ),
]

# Short labels so the whole row fits in 80 columns; the palette (ctrl+p) shows the tooltip.
HOME = [
    Binding("f4", "host", "Host", id="peertui.host"),
    Binding("f5", "join", "Join", id="peertui.join"),
    Binding("f6", "invite", "Invite", id="peertui.invite"),
    Binding("f7", "search", "Search", id="peertui.search"),
    Binding("f8", "settings", "Settings", id="peertui.settings"),
    Binding("f9", "requests", "Requests", tooltip="Join requests", id="peertui.requests"),
    Binding("f10", "modlog", "Log", tooltip="Moderation log", id="peertui.modlog"),
    Binding("f11", "reports", "Reports", id="peertui.reports"),
]

# Active while the message list has focus; the pane's title names them in words. Printable keys
# that are not one of these (or whose action the person may not use) go to the composer.
MESSAGES = [
    Binding("escape", "screen.focus_composer", "Back to typing", id="peertui.focus_composer"),
    Binding("enter", "screen.open_warning", "Open warning", show=False, id="peertui.open_warning"),
    Binding("pageup", "screen.older", "Older", show=False, id="peertui.older"),
    Binding("t", "screen.thank", "Thank the author", show=False, id="peertui.thank"),
    Binding("r", "screen.report", "Report", show=False, id="peertui.report"),
    Binding("i", "screen.ignore", "Mute for me", show=False, id="peertui.ignore"),
    Binding("w", "screen.warn", "Warn", show=False, id="peertui.warn"),
    Binding("m", "screen.mute", "Mute", show=False, id="peertui.mute"),
    Binding("u", "screen.unmute", "Unmute", show=False, id="peertui.unmute"),
    Binding("x", "screen.remove", "Remove", show=False, id="peertui.remove"),
    Binding("b", "screen.ban", "Ban", show=False, id="peertui.ban"),
    Binding("d", "screen.delete", "Delete msg", show=False, id="peertui.delete"),
    Binding("s", "screen.slowmode", "Slow mode", show=False, id="peertui.slowmode"),
    Binding("o", "screen.readonly", "Read-only", show=False, id="peertui.readonly"),
    Binding("p", "screen.promote", "Promote", show=False, id="peertui.promote"),
    Binding("e", "screen.demote", "Demote", show=False, id="peertui.demote"),
    Binding("k", "screen.ignore_keyword", "Mute word", show=False, id="peertui.ignore_keyword"),
]

# The message-list keys that act on the highlighted message (the others, such as slow mode and
# read-only, act on the whole group and only share the keyboard focus).
ON_A_MESSAGE = frozenset(
    f"screen.{name}"
    for name in (
        "open_warning",
        "thank",
        "report",
        "ignore",
        "warn",
        "mute",
        "unmute",
        "remove",
        "ban",
        "delete",
        "promote",
        "demote",
    )
)

# Shown in the footer, with these short labels, while the message list has focus (instead of
# the F4–F11 keys, which stay in the palette): what can be done to the highlighted message.
MESSAGE_FOOTER = {
    "screen.thank": "Thanks",
    "screen.report": "Report",
    "screen.warn": "Warn",
    "screen.mute": "Mute",
    "screen.delete": "Delete",
    "screen.ban": "Ban",
    "screen.remove": "Remove",
}

# Actions only the group's owner and moderators may use: hidden from everyone else.
MODERATOR_ACTIONS = frozenset(
    {
        "requests",
        "reports",
        "warn",
        "mute",
        "unmute",
        "remove",
        "ban",
        "delete",
        "slowmode",
        "readonly",
        "promote",
        "demote",
    }
)
