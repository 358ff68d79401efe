"""Issue 12: a backlog is stored first and enters the search index when the stream is quiet.
A search right after the catch-up finds every message of it; a member killed while its backlog
is being indexed loses nothing, and the index is completed after the restart."""

from __future__ import annotations

import asyncio
import textwrap

import pytest
from tests.e2e.harness import Person, member_process, wait_until
from tests.e2e.test_batch_receive import FAST_RELAY, _away_while_posted

from peertui.core import group

pytestmark = pytest.mark.timeout(240)


async def test_a_search_during_a_catch_up_finds_what_is_not_indexed_yet(
    relay_factory, tmp_path, closing, monkeypatch
):
    monkeypatch.setattr(group, "BATCH_MESSAGES", 30)
    monkeypatch.setattr(group, "INDEX_IDLE_S", 3600.0)  # the quiet pass never comes here
    relay = relay_factory(*FAST_RELAY)
    gid, host, wren, texts, last_seq = await _away_while_posted(relay.url, tmp_path, closing, 90)
    await wren.reopen()
    await wren.caught_up(gid, last_seq)
    store = wren.engine.store
    assert store.index_waiting()  # stored, not in the index yet
    assert [m.text for m in wren.engine.search("0042")] == ["backlog message 0042"]
    assert not store.index_waiting()  # the search put them in first
    hits = wren.engine.search("backlog", gid)
    assert [m.text for m in hits] == texts[::-1][:50]  # newest first, as always
    # A message that arrives alone (not a backlog) is indexed as it is stored.
    await host.engine.send(gid, "a single gardening line")
    await wren.wait_for_texts(gid, ["a single gardening line"])
    assert not store.index_waiting()


async def test_the_quiet_pass_indexes_a_backlog_after_the_catch_up(
    relay_factory, tmp_path, closing, monkeypatch
):
    monkeypatch.setattr(group, "BATCH_MESSAGES", 30)
    monkeypatch.setattr(group, "INDEX_CHUNK", 25)
    relay = relay_factory(*FAST_RELAY)
    gid, host, wren, texts, last_seq = await _away_while_posted(relay.url, tmp_path, closing, 120)
    await wren.reopen()
    await wren.caught_up(gid, last_seq)
    store = wren.engine.store
    await wait_until(lambda: not store.index_waiting(), timeout=60, what="the quiet indexing")
    (indexed,) = store._db.execute("SELECT count(*) FROM messages_fts").fetchone()
    assert indexed == len(texts) + 1  # the backlog and the line before the break
    await host.engine.send(gid, "after the quiet pass")  # receiving goes on as before
    await wren.wait_for_texts(gid, ["after the quiet pass"])


CHILD = textwrap.dedent(
    """
    import asyncio, sys, time
    from peertui.core import group, store_search
    from peertui.core.engine import Engine
    from peertui.paths import resolve_paths

    group.INDEX_IDLE_S = 0.05
    group.INDEX_CHUNK = 10
    original = store_search.index_pending_in

    def slow(db, limit=None):  # inside the open indexing transaction: say so, then hang
        original(db, limit)
        print("indexing", flush=True)
        time.sleep(600)

    store_search.index_pending_in = slow

    async def main():
        engine = await Engine.open(resolve_paths(sys.argv[1]), passphrase=sys.argv[2])
        await asyncio.sleep(600)

    asyncio.run(main())
    """
)


async def test_a_member_killed_while_indexing_its_backlog_loses_nothing_and_indexes_again(
    relay_factory, tmp_path, closing
):
    relay = relay_factory(*FAST_RELAY)
    gid, host, wren, texts, last_seq = await _away_while_posted(relay.url, tmp_path, closing, 150)
    with member_process(CHILD, wren.home) as child:
        line = await asyncio.wait_for(asyncio.to_thread(child.stdout.readline), 120)
        assert line.strip() == "indexing", "the member never started indexing its backlog"

    again = await Person.open(wren.home)
    closing.append(again)
    await again.caught_up(gid, last_seq)
    store = again.engine.store
    # Everything is there once each; the killed index transaction cost nothing.
    assert [m.text for m in store.latest(gid, 1000)] == ["before the break", *texts]
    await wait_until(lambda: not store.index_waiting(), timeout=60, what="indexing again")
    store._db.execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)")
    for i in (0, 1, 77, 149):
        assert [m.text for m in again.engine.search(f"{i:04d}")] == [f"backlog message {i:04d}"]
    assert len(again.engine.search("backlog", gid)) == 50
    assert again.engine.group(gid).unread == len(texts)
