"""The client reaches the relay through a SOCKS5 proxy (as with Tor), credentials and all."""

from __future__ import annotations

import asyncio
import contextlib
import struct

import pytest

from peertui.core.relay_client import RelayClient

from .groupkit import GroupKit, collect

pytestmark = pytest.mark.timeout(30)


class Socks5Proxy:
    """A minimal SOCKS5 CONNECT proxy with username/password auth (RFC 1928/1929), for loopback."""

    def __init__(self) -> None:
        self.usernames: list[str] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return f"socks5://group-circuit-1:x@127.0.0.1:{self.port}"

    async def stop(self) -> None:
        self.server.close()
        with contextlib.suppress(Exception):
            await self.server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            _version, count = await reader.readexactly(2)
            methods = await reader.readexactly(count)
            assert 2 in methods, "client did not offer username/password"
            writer.write(b"\x05\x02")
            _, ulen = await reader.readexactly(2)
            self.usernames.append((await reader.readexactly(ulen)).decode())
            (plen,) = await reader.readexactly(1)
            await reader.readexactly(plen)
            writer.write(b"\x01\x00")
            _, _cmd, _, atyp = await reader.readexactly(4)
            if atyp == 1:
                host = ".".join(str(b) for b in await reader.readexactly(4))
            else:
                (length,) = await reader.readexactly(1)
                host = (await reader.readexactly(length)).decode()
            (port,) = struct.unpack("!H", await reader.readexactly(2))
            upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
            writer.write(b"\x05\x00\x00\x01" + bytes(4) + b"\x00\x00")
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


async def test_client_posts_and_streams_through_a_socks5_proxy(relay):
    proxy = Socks5Proxy()
    proxy_url = await proxy.start()
    kit = await GroupKit.create(relay.url)
    member = await kit.add_member()
    try:
        async with RelayClient(relay.url, member.key, proxy=proxy_url) as via_proxy:
            seq = await via_proxy.post_message(kit.group_id, b"over socks")
            events = await collect(via_proxy, kit.group_id, seq - 1, 1)
        assert events[0].seq == seq
        assert proxy.usernames and set(proxy.usernames) == {"group-circuit-1"}
    finally:
        await proxy.stop()
        await kit.close()
