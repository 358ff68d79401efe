"""`self.app` typed as peertui's own app, for every screen and widget that uses its engine,
settings or paths (Textual types it as a plain `App`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

if TYPE_CHECKING:
    from peertui.tui.app import PeertuiApp


class PeertuiNode(DOMNode):
    @property
    def app(self) -> PeertuiApp:  # type: ignore[override]
        return cast("PeertuiApp", super().app)
