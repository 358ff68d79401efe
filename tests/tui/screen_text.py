"""Read what the app shows, as plain text lines, for assertions."""

from __future__ import annotations

from textual.app import App


def screen_text(app: App) -> str:
    """Everything visible on the current screen (including modal layers), one line per row."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)
