"""What the engine needs of a relay it hosts groups on itself (the "embedded" relay).

The engine never imports the relay: the front-end that opens it hands over a `RelayFactory`
(`peertui.embedded_relay.host_embedded_relay` in the app), so the core installs and tests
without the server and a front-end may offer no hosting at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class HostedRelay(Protocol):
    """A relay serving on loopback until stopped; `url` is empty while it is not running."""

    url: str

    def start(self) -> str:
        """Start serving (blocking until it accepts connections) and return the URL."""
        ...

    def stop(self) -> None: ...


class RelayFactory(Protocol):
    """Make (not start) a relay keeping its data in `data_dir`; port 0 picks a free one."""

    def __call__(self, data_dir: Path, *, port: int = 0) -> HostedRelay: ...
