"""Run the relay inside another program (hosting a group from the app) on a free loopback port."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import uvicorn

from peertui_relay.app import create_app
from peertui_relay.config import RelayConfig
from peertui_relay.serving import RelayServer, bind, uvicorn_config


class EmbeddedRelay:
    """The same app as `peertui-relay`, served by uvicorn on its own loop in a daemon thread."""

    def __init__(
        self,
        data_dir: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        config: RelayConfig | None = None,
    ) -> None:
        self.config = config or RelayConfig(data_dir=Path(data_dir))
        self._host, self._port = host, port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self, timeout: float = 10.0) -> str:
        if self._server is not None:
            return self.url
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        sock = bind(self._host, self._port)
        port = sock.getsockname()[1]
        server = RelayServer(uvicorn_config(create_app(self.config)))
        self._server = server
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])),
            name="peertui-embedded-relay",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("The embedded relay did not start; see the log for the reason.")
            time.sleep(0.01)
        self.url = f"http://{self._host}:{port}"
        return self.url

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is None:
            return
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._server, self._thread, self.url = None, None, ""
