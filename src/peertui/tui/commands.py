"""The command palette: every action in the app, searchable by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from peertui.tui import bindings


def _palette_entries() -> list[tuple[str, str, str]]:
    """(title, where, action) for every binding; `where` is "app" or "home"."""
    entries = [(b.description, "app", b.action) for b in bindings.APP]
    entries += [(b.description, "home", b.action) for b in bindings.HOME]
    entries += [
        (b.description, "home", b.action.removeprefix("screen.")) for b in bindings.MESSAGES
    ]
    entries.append(("Show members", "home", "members"))
    entries.append(("Guidelines (moderators: edit)", "home", "guidelines"))
    entries.append(("Leave group", "home", "leave"))
    entries.append(("Change nickname", "home", "nick"))
    entries.append(("Export conversation", "home", "export"))
    entries.append(("Add content warning to next message", "home", "content_warning"))
    return entries


class PeertuiCommands(Provider):
    async def _run(self, where: str, action: str) -> None:
        target = self.app
        if where == "home":
            target = self.app._home()
            if target is None:
                return
        await self.app.run_action(action, default_namespace=target)

    def _keys_for(self, action: str) -> str:
        for binding in bindings.APP + bindings.HOME + bindings.MESSAGES:
            if binding.action.removeprefix("screen.") == action:
                return f"key: {binding.key}"
        return "palette only"

    async def discover(self) -> Hits:
        for title, where, action in _palette_entries():
            yield DiscoveryHit(
                title, partial(self._run, where, action), help=self._keys_for(action)
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, where, action in _palette_entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(self._run, where, action),
                    text=title,
                    help=self._keys_for(action),
                )
