"""Issue 12: a member coming back to a backlog receives it in batches (one transaction per
batch). Order, cursor and unread count stay right, a roster change in the middle is applied
in its place, and a member killed mid-catch-up loses nothing and is told nothing twice."""

from __future__ import annotations

import asyncio
import textwrap

import pytest
from tests.e2e.conftest import form_group
from tests.e2e.harness import Person, member_process, wait_until

from peertui.core import group
from peertui.core.events import (
    ErrorOccurred,
    MessageReceived,
    MessagesMissing,
    ModAction,
    ReceivingPaused,
)

pytestmark = pytest.mark.timeout(240)

FAST_RELAY = ("--rate-per-second", "1000", "--rate-burst", "1000")


async def _away_while_posted(relay_url, tmp_path, closing, count, *, roster_change_at=-1):
    """wren reads the group, closes, and the host posts `count` messages meanwhile."""
    gid, (host, wren) = await form_group(relay_url, tmp_path, ["host", "wren"])
    closing.extend([host, wren])
    await host.engine.send(gid, "before the break")
    await wren.wait_for_texts(gid, ["before the break"])
    wren.engine.mark_read(gid)
    await wren.engine.close()
    texts, last_seq = [], 0
    for i in range(count):
        if i == roster_change_at:
            await host.engine.set_readonly(gid, True)  # a roster event between two messages
        texts.append(f"backlog message {i:04d}")
        last_seq = (await host.engine.send(gid, texts[-1])).seq
    return gid, host, wren, texts, last_seq


async def test_a_backlog_is_received_in_order_in_few_transactions(
    relay_factory, tmp_path, closing, monkeypatch
):
    monkeypatch.setattr(group, "BATCH_MESSAGES", 20)  # several runs from a small backlog
    relay = relay_factory(*FAST_RELAY)
    gid, host, wren, texts, last_seq = await _away_while_posted(
        relay.url, tmp_path, closing, 150, roster_change_at=70
    )
    commits: list[str] = []
    wren.events.clear()
    await wren.reopen()
    session = wren.engine._session(gid)
    wren.engine.store._db.set_trace_callback(
        lambda sql: commits.append(sql) if sql == "COMMIT" else None
    )
    await wait_until(lambda: session.cursor >= last_seq, timeout=120, what="the catch-up")
    wren.engine.store._db.set_trace_callback(None)

    assert wren.texts(gid) == texts  # each once, in the order they were posted
    assert not [e for e in wren.events if isinstance(e, (ErrorOccurred, MessagesMissing))]
    # The read-only switch is applied between message 69 and 70, as the host made it.
    order = [
        "readonly" if isinstance(e, ModAction) else e.message.text
        for e in wren.events
        if (isinstance(e, ModAction) and e.entry.action == "readonly")
        or isinstance(e, MessageReceived)
    ]
    assert order.index("readonly") == 70
    assert wren.engine.group(gid).unread == 150
    assert wren.engine.store.get(f"unread:{gid}") == 150
    assert wren.engine.store.get(f"cursor:{gid}") == last_seq
    stored = [m.text for m in wren.engine.store.latest(gid, 500)]
    assert stored == ["before the break", *texts]
    # Before batching each message took three or four commits; now a run of them takes one.
    assert len(commits) * 3 < len(texts), len(commits)

    await wren.reopen()  # what was stored is what a restart shows: no re-delivery
    await wait_until(lambda: wren.engine.group(gid).connection == "connected")
    assert wren.engine.group(gid).unread == 150
    await host.engine.set_readonly(gid, False)
    await host.engine.send(gid, "after the catch-up")
    await wren.wait_for_texts(gid, ["after the catch-up"])
    assert wren.texts(gid).count(texts[0]) == 1


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from peertui.core.engine import Engine
    from peertui.core.events import MessageReceived
    from peertui.paths import resolve_paths

    async def main():
        engine = await Engine.open(resolve_paths(sys.argv[1]), passphrase=sys.argv[2])
        # Told only after the batch holding it is stored: so each line names a stored message.
        engine.subscribe(
            lambda e: print(e.message.text, flush=True) if isinstance(e, MessageReceived) else None
        )
        await asyncio.sleep(600)

    asyncio.run(main())
    """
)


async def test_a_member_killed_mid_catch_up_loses_nothing_and_is_told_nothing_twice(
    relay_factory, tmp_path, closing
):
    relay = relay_factory(*FAST_RELAY)
    gid, host, wren, texts, last_seq = await _away_while_posted(relay.url, tmp_path, closing, 400)
    told_before: list[str] = []
    with member_process(CHILD, wren.home) as child:
        while len(told_before) < 60:  # a few batches in, the rest still to come
            line = await asyncio.to_thread(child.stdout.readline)
            assert line, "the member's process ended before catching up"
            told_before.append(line.rstrip("\n"))
    assert len(told_before) < len(texts)

    again = await Person.open(wren.home)
    closing.append(again)
    await again.caught_up(gid, last_seq)
    told_after = again.texts(gid)

    stored = [m.text for m in again.engine.store.latest(gid, 1000)]
    assert stored == ["before the break", *texts]  # nothing lost, each once, in order
    assert not set(told_before) & set(told_after)  # nothing told twice
    # Each side in order. (A kill between a batch's commit and its telling leaves those
    # messages in history without a live line: stored, counted as unread, never lost.)
    assert told_before == texts[: len(told_before)]
    assert told_after == texts[len(texts) - len(told_after) :]
    assert again.engine.group(gid).unread == len(texts)  # every message counted once
    # The message keys spent before the kill were stored with what they read: no message
    # was unreadable after the restart, and none was reported missing.
    assert not [e for e in again.events if isinstance(e, (ErrorOccurred, MessagesMissing))]


async def test_a_store_that_fills_up_mid_backlog_pauses_and_resumes_with_nothing_lost(
    relay_factory, tmp_path, closing, monkeypatch
):
    """While one run is being stored the next is already decrypted: when the store refuses
    the first, the keys the next one spent come back too, and every message arrives once."""
    monkeypatch.setattr(group, "BATCH_MESSAGES", 20)  # several runs from a small backlog
    relay = relay_factory(*FAST_RELAY)
    gid, host, wren, texts, last_seq = await _away_while_posted(relay.url, tmp_path, closing, 120)
    relay.kill()  # wren opens first and fills up its store; then the backlog comes
    await wren.reopen()
    store = wren.engine.store
    with store._lock:  # SQLite's own size limit: a full disk for this database file
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count = {pages}")
    wren.events.clear()
    relay.restart()
    await wren.wait_for(lambda e: isinstance(e, ReceivingPaused), timeout=60)
    assert not [e for e in wren.events if isinstance(e, MessageReceived)]
    with store._lock:
        store._db.execute("PRAGMA max_page_count = 1073741823")
    await wren.caught_up(gid, last_seq)

    assert wren.texts(gid) == texts  # each once, in order
    assert not [e for e in wren.events if isinstance(e, MessagesMissing)]
    assert not [e for e in wren.events if isinstance(e, ErrorOccurred)]
    assert wren.engine.group(gid).unread == len(texts)
    await wren.reopen()  # and a restart reads what was stored: every message once
    assert [m.text for m in wren.engine.store.latest(gid, 500)] == ["before the break", *texts]
    assert wren.engine.group(gid).unread == len(texts)
