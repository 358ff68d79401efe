"""The command palette: every action in the app, searchable by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from peertui.tui import bindings


def _palette_entries() -> list[tuple[str, str, str]]:
    """(title, where, action) for every binding; `where` is "app" or "home"."""
    entries = [(b.description, "app", b.action) for b in bindings.APP]
    entries += [(b.tooltip or b.description, "home", b.action) for b in bindings.HOME]
    entries += [
        (b.description, "home", b.action.removeprefix("screen.")) for b in bindings.MESSAGES
    ]
    entries.append(("Show members", "home", "members"))
    entries.append(("Guidelines (moderators: edit)", "home", "guidelines"))
    entries.append(("Leave group", "home", "leave"))
    entries.append(("Change nickname", "home", "nick"))
    entries.append(("Edit my profile (pronouns, a line about me)", "home", "profile"))
    entries.append(("Export conversation", "home", "export"))
    entries.append(("Add content warning to next message", "home", "content_warning"))
    entries.append(("Unhide a member or word you hid", "home", "unhide"))
    return entries


class PeertuiCommands(Provider):
    async def _run(self, where: str, action: str) -> None:
        target = self.app
        if where == "home":
            target = self.app._home()
            if target is None:
                return
        await self.app.run_action(action, default_namespace=target)

    def _use_theme(self, name: str) -> None:
        self.app.settings.theme = name
        self.app.save_settings()

    def _keys_for(self, action: str) -> str:
        """The key as the person set it up (settings keybindings win over the default)."""
        keymap = self.app.settings.keybindings
        for binding in bindings.APP + bindings.HOME + bindings.MESSAGES:
            if binding.action.removeprefix("screen.") == action:
                key = keymap.get(binding.id, binding.key).split(",")[0]
                where = ""
                if binding in bindings.MESSAGES:
                    on_message = binding.action in bindings.ON_A_MESSAGE
                    where = (
                        " (on a highlighted message)" if on_message else " (conversation focused)"
                    )
                return f"key: {key}{where}"
        return "palette only"

    def _commands(self) -> list[tuple[str, object, str]]:
        """(title, callback, help) for every entry, peertui's themes included."""
        commands = [
            (title, partial(self._run, where, action), self._keys_for(action))
            for title, where, action in _palette_entries()
            if where == "app" or self.app._home() is None or self.app._home().offers(action)
        ]
        commands += [
            (f"Theme: {name}", partial(self._use_theme, name), "saved in your settings")
            for name in sorted(self.app.peertui_themes)
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
