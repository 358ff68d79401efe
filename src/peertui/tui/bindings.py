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

HOME = [
    Binding("f4", "host", "Host group", id="peertui.host"),
    Binding("f5", "join", "Join group", id="peertui.join"),
    Binding("f6", "invite", "Invite", id="peertui.invite"),
    Binding("f7", "search", "Search", id="peertui.search"),
    Binding("f8", "settings", "Settings", id="peertui.settings"),
    Binding("f9", "requests", "Join requests", id="peertui.requests"),
    Binding("f10", "modlog", "Mod log", id="peertui.modlog"),
    Binding("f11", "reports", "Reports", id="peertui.reports"),
]

# Active while the message list has focus (letters are free there; the composer keeps them).
MESSAGES = [
    Binding("enter", "screen.open_warning", "Open warning", id="peertui.open_warning"),
    Binding("pageup", "screen.older", "Older", id="peertui.older"),
    Binding("r", "screen.report", "Report", id="peertui.report"),
    Binding("i", "screen.ignore", "Mute for me", id="peertui.ignore"),
    Binding("w", "screen.warn", "Warn", id="peertui.warn"),
    Binding("m", "screen.mute", "Mute", id="peertui.mute"),
    Binding("u", "screen.unmute", "Unmute", id="peertui.unmute"),
    Binding("x", "screen.remove", "Remove", id="peertui.remove"),
    Binding("b", "screen.ban", "Ban", id="peertui.ban"),
    Binding("d", "screen.delete", "Delete msg", id="peertui.delete"),
    Binding("s", "screen.slowmode", "Slow mode", id="peertui.slowmode"),
    Binding("o", "screen.readonly", "Read-only", id="peertui.readonly"),
    Binding("p", "screen.promote", "Promote", id="peertui.promote"),
    Binding("e", "screen.demote", "Demote", id="peertui.demote"),
    Binding("k", "screen.ignore_keyword", "Mute word", id="peertui.ignore_keyword"),
]
