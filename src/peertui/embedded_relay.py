"""The relay the app hosts groups on: peertui-relay's own app, in a thread of this process.

Handed to `Engine.open` by the front-ends (the core never imports the server). The import is
deferred to the first group hosted here, so starting peertui does not load Starlette and uvicorn.
"""

from __future__ import annotations

from pathlib import Path

from peertui.core.hosting import HostedRelay


def host_embedded_relay(data_dir: Path, *, port: int = 0) -> HostedRelay:
    from peertui_relay.embedded import EmbeddedRelay

    return EmbeddedRelay(data_dir, port=port)
