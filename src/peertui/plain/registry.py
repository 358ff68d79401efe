"""Plain mode's handlers, one per action of the shared table (`peertui.ui.actions`).

Each handler module registers its functions with `@handles("peertui.<id>")`; the parity test
checks that every plain action has one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peertui.plain.session import PlainSession

Handler = Callable[["PlainSession", str], Awaitable[None]]
HANDLERS: dict[str, Handler] = {}


def handles(action_id: str) -> Callable[[Handler], Handler]:
    from peertui.ui import actions

    actions.by_id(action_id)  # a typo in an id fails at import, not when someone types it

    def register(handler: Handler) -> Handler:
        HANDLERS[action_id] = handler
        return handler

    return register


def load_all() -> dict[str, Handler]:
    """Import every handler module (they register themselves) and return the table."""
    from peertui.plain import (  # noqa: F401 - imported for their registrations
        cmd_groups,
        cmd_messages,
        cmd_moderation,
        cmd_settings,
        cmd_wellbeing,
    )

    return HANDLERS
