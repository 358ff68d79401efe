"""`self.app` typed as peertui's own app, for every screen and widget that uses its engine,
settings or paths (Textual types it as a plain `App`)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from textual.dom import DOMNode

from peertui.i18n import _

if TYPE_CHECKING:
    from peertui.tui.app import PeertuiApp


class PeertuiNode(DOMNode):
    @property
    def app(self) -> PeertuiApp:  # type: ignore[override]
        return cast("PeertuiApp", super().app)


class TranslatedKeys:
    """For every screen (first among its bases): the footer's key descriptions translated."""

    @property
    def active_bindings(self) -> Any:
        """On a screen: its keys with their descriptions in the interface language.

        Binding descriptions are written as msgids (`N_`) because Textual fixes them when a
        class is defined; they are translated here, when the footer draws them.
        """
        active = super().active_bindings  # type: ignore[misc]
        return {
            key: entry._replace(
                binding=replace(
                    entry.binding,
                    description=_(entry.binding.description) if entry.binding.description else "",
                    tooltip=_(entry.binding.tooltip) if entry.binding.tooltip else "",
                )
            )
            for key, entry in active.items()
        }
