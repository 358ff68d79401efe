"""The wellbeing check of a message about to be sent, run off the event loop.

`detect.assess` is pure CPU work; on a long message it took long enough, run on the loop,
to stall typing and incoming messages. Both front-ends call it through here, in a worker
thread, and await it in the same place as before, so "assess, then offer, then send" keeps
its order. A check that fails never holds a message back: the message is sent unchecked and
only the kind of failure is logged, never the text.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from peertui.config import interface_language

if TYPE_CHECKING:
    from peertui.wellbeing.detect import Assessment

log = logging.getLogger(__name__)


async def assess_draft(text: str, language: str, country: str) -> Assessment | None:
    """The assessment of `text`, or None when the check itself failed (send it anyway)."""
    from peertui.wellbeing import detect

    try:
        return await asyncio.to_thread(
            detect.assess, text, interface_language(language), region=country or None
        )
    except Exception as problem:  # noqa: BLE001 - a broken check must never stop a message
        # For developers, so no sentence to translate; the kind of error only, never the text.
        log.warning("wellbeing_check_failed_sent_unchecked: %s", type(problem).__name__)
        return None
