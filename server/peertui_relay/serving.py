"""Serving the app with uvicorn: a pre-bound socket (so port 0 is knowable) and clean stops."""

from __future__ import annotations

import socket

import uvicorn


def bind(host: str, port: int) -> socket.socket:
    """Bind before starting so that `--port 0` can report the port it got."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this; without it small keep-alive replies wait ~40 ms for
    # delayed ACKs (Nagle), since pre-bound sockets skip the server's usual setup.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def uvicorn_config(app, *, access_log: bool = False) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level="warning",
        access_log=access_log,
        lifespan="on",
        timeout_graceful_shutdown=2,
        server_header=False,
        date_header=False,
        timeout_keep_alive=30,
    )


class RelayServer(uvicorn.Server):
    """uvicorn waits for open responses on shutdown; event streams never finish on their own,
    so end them first and let clients resume elsewhere or later."""

    async def shutdown(self, sockets=None) -> None:
        relay = getattr(getattr(self.config.app, "state", None), "relay", None)
        if relay is not None:
            relay.close_streams()
        await super().shutdown(sockets)
