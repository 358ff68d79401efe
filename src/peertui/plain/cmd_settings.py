"""Plain handlers for settings and your data: /settings, /set, /wipe and /quit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peertui.plain.registry import handles
from peertui.ui import flows
from peertui.ui import settings as shared_settings
from peertui.ui.wording import _

if TYPE_CHECKING:
    from peertui.plain.session import PlainSession


@handles("peertui.settings")
async def settings(s: PlainSession, argument: str) -> None:
    await s.show_output(shared_settings.listing(s.engine.settings))


@handles("peertui.set")
async def set_(s: PlainSession, argument: str) -> None:
    current = s.engine.settings
    if not argument.strip():
        # `/set` alone: what there is to set, each with its value and how to change it.
        await s.show_output(shared_settings.listing(current))
        return
    saved = shared_settings.change(
        current, argument, themes=shared_settings.theme_names(s.engine.paths.themes_dir)
    )
    s.engine.save_settings()
    s.console.style.words = current.plain_prefixes == "words"
    s.console.style.digits = current.read_digits
    s.console.notice(saved)


@handles("peertui.wipe")
async def wipe(s: PlainSession, argument: str) -> None:
    if await flows.wipe(s, s.engine):
        from peertui.plain.session import Quit

        raise Quit


@handles("peertui.quit")
async def quit_(s: PlainSession, argument: str) -> None:
    from peertui.plain.session import Quit

    s.console.notice(_("Goodbye."))
    raise Quit
