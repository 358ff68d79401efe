"""The command palette: every action of the shared table, searchable by name, with its key."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from peertui.i18n import _
from peertui.tui import bindings
from peertui.ui.actions import Action

if TYPE_CHECKING:
    from peertui.tui.app import PeertuiApp

# Run by the app, on any screen; the others belong to the home screen.
APP_SCOPE = {"crisis", "grounding", "safety_plan", "quick_exit", "quit"}


def palette_actions() -> list[Action]:
    """Every TUI action the palette offers: all of them but the way back to typing."""
    return [a for a in bindings.TUI_ACTIONS if a.handler != "focus_composer"]


class PeertuiCommands(Provider):
    @property
    def peertui(self) -> PeertuiApp:
        return cast("PeertuiApp", self.app)

    async def _run(self, action: Action) -> None:
        if action.handler in APP_SCOPE:
            await self.app.run_action(action.handler)
            return
        home = self.peertui._home()
        if home is not None:
            home.run_command(action, "", "")

    def _use_theme(self, name: str) -> None:
        self.peertui.settings.theme = name
        self.peertui.save_settings()

    def _keys_for(self, action: Action) -> str:
        """The key as the person set it up (settings keybindings win over the default)."""
        slash = f"{action.usage} · " if action.usage else ""
        if not action.key:
            return f"{slash}{action.help}"
        key = self.peertui.settings.keybindings.get(action.id, action.key).split(",")[0]
        where = ""
        if action.key_scope == "messages":
            where = (
                _(" (on a highlighted message)")
                if action.on_message
                else _(" (conversation focused)")
            )
        return f"key: {key}{where} · {slash}{action.help}"

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        """(title, callback, help) for every entry, peertui's themes included."""
        home = self.peertui._home()
        commands: list[tuple[str, Callable[[], object], str]] = [
            (action.title, partial(self._run, action), self._keys_for(action))
            for action in palette_actions()
            if action.handler in APP_SCOPE or home is None or home.may(action)
        ]
        commands += [
            (
                _("Theme: {name}").format(name=name),
                partial(self._use_theme, name),
                _("saved in your settings"),
            )
            for name in sorted(self.peertui.peertui_themes)
        ]
        return commands

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
