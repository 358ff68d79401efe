"""Nothing accepted is lost: relay crashes, offline sending, client restarts, retention gaps."""

from __future__ import annotations

import asyncio

from tests.conftest import RelayProcess
from tests.e2e.conftest import form_group
from tests.e2e.harness import wait_until

from peertui.core.events import GapDetected, MessageQueued, MessageReceived


async def test_relay_killed_mid_conversation_loses_nothing_and_offline_messages_go_out(
    relay, tmp_path, closing
):
    gid, (host, member) = await form_group(relay.url, tmp_path, ["host", "rowan"])
    closing.extend([host, member])
    before = [f"before crash {i}" for i in range(5)]
    for text in before:
        await host.engine.send(gid, text)
    await member.wait_for_texts(gid, before)

    relay.kill()
    # Typed while the relay is down: queued, not lost, not an error.
    offline = [f"typed while offline {i}" for i in range(3)]
    for text in offline:
        await member.engine.send(gid, text)
    assert sum(isinstance(e, MessageQueued) for e in member.events) == len(offline)

    # The sender itself restarts before the relay is back: the outbox is on disk.
    await member.reopen()
    relay.restart()
    await host.wait_for_texts(gid, before + offline, timeout=40)
    await member.wait_for_texts(gid, offline, timeout=40)
    after = ["after restart"]
    await host.engine.send(gid, after[0])
    await member.wait_for_texts(gid, after, timeout=20)
    await asyncio.sleep(0.5)
    host_texts = host.texts(gid)
    assert sorted(host_texts) == sorted(set(host_texts)), "no duplicates after the restart"
    assert [t for t in host_texts if t.startswith("typed while offline")] == offline, (
        "offline order kept"
    )


async def test_member_offline_past_retention_is_told_about_the_gap(tmp_path, closing):
    relay = RelayProcess(
        tmp_path / "relay",
        "--retention-seconds",
        "2",
        "--purge-interval-seconds",
        "0.5",
        "--reclaim-idle-groups",
        "false",
    ).start()
    try:
        gid, (host, member) = await form_group(relay.url, tmp_path, ["host", "sage"])
        closing.extend([host])
        await member.engine.close()
        for i in range(3):
            await host.engine.send(gid, f"while sage was away {i}")
        await asyncio.sleep(3.5)  # longer than the relay keeps anything
        await member.reopen()
        closing.append(member)
        gap = await member.wait_for(lambda e: isinstance(e, GapDetected), timeout=20)
        assert gap.missed_to >= gap.missed_from > 0
        # The host's key share was purged with the rest; the member asks for it again, so
        # the conversation resumes (what was purged stays unreadable, by design).
        await host.engine.send(gid, "welcome back")
        deadline = asyncio.get_running_loop().time() + 20
        while "are you there" not in member.texts(gid):
            assert asyncio.get_running_loop().time() < deadline, "conversation never resumed"
            await host.engine.send(gid, "are you there")
            await asyncio.sleep(1)
        assert not any("while sage was away" in t for t in member.texts(gid))
    finally:
        relay.stop()


async def test_outbox_flushes_when_the_relay_comes_back_without_a_restart(relay, tmp_path, closing):
    gid, (host, member) = await form_group(relay.url, tmp_path, ["host", "wren"])
    closing.extend([host, member])
    relay.kill()
    await member.engine.send(gid, "sent into the void")
    await wait_until(lambda: member.engine.group(gid).connection == "offline", what="offline state")
    relay.restart()
    await host.wait_for_texts(gid, ["sent into the void"], timeout=40)
    await member.wait_for_texts(gid, ["sent into the void"], timeout=20)
    await asyncio.sleep(0.5)
    own = [
        e
        for e in member.events
        if isinstance(e, MessageReceived) and e.message.text == "sent into the void"
    ]
    assert len(own) == 1 and own[0].message.seq > 0
