"""Tor-style isolation: every group reaches the relay through the SOCKS proxy with its own
username, so Tor (IsolateSOCKSAuth, its default) puts each group on a separate circuit.

The proxy here is a real SOCKS5 server (pproxy) that admits exactly one username — the one
group A must use — so the test shows both that traffic goes through the proxy and that the
two groups present different credentials.
"""

from __future__ import annotations

import socket
import subprocess
import sys

from tests.e2e.harness import Person, wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# pproxy installs uvloop when it can import it (the relay depends on uvloop) and then fails on
# Python 3.11's get_event_loop(); the asyncio loop is all a test proxy needs.
PPROXY = (
    "import sys; sys.modules['uvloop'] = None; sys.argv[0] = 'pproxy'; "
    "from pproxy.server import main; main()"
)


async def test_each_group_uses_its_own_socks_credentials(relay, tmp_path, closing):
    person = await Person.open(tmp_path / "home")
    closing.append(person)
    group_a = (await person.engine.host_group("Group A", relay.url, nick="a")).group_id
    group_b = (await person.engine.host_group("Group B", relay.url, nick="b")).group_id
    user_a = person.engine._groups[group_a].state["proxy_user"]
    assert user_a != person.engine._groups[group_b].state["proxy_user"]

    port = free_port()
    proxy = subprocess.Popen(
        [sys.executable, "-c", PPROXY, "-l", f"socks5://127.0.0.1:{port}#peertui-{user_a}:x"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        person.engine.settings.proxy = f"socks5://127.0.0.1:{port}"
        person.engine.save_settings()
        await person.reopen()
        await wait_until(
            lambda: person.engine.group(group_a).connection == "connected",
            timeout=20,
            what="group A to connect through the proxy",
        )
        await person.engine.send(group_a, "through the proxy")
        # Group B's username is not admitted by this proxy: it must not slip past it directly.
        await wait_until(
            lambda: person.engine.group(group_b).connection == "offline",
            timeout=20,
            what="group B to be refused by the proxy",
        )
        assert person.engine.group(group_b).connection != "connected"
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
    # With the proxy gone, group A loses its connection: nothing bypassed it.
    await wait_until(
        lambda: person.engine.group(group_a).connection == "offline",
        timeout=30,
        what="group A to notice the proxy is gone",
    )
