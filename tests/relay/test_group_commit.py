"""Issue 12: posts are stored by group commit — one transaction and one fsync per batch of
waiting posts, each answered only once its batch is committed — and the stored-event count is
kept, never counted. Real SQLite on disk, a real worker thread, real relay processes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from nacl.signing import SigningKey

from peertui.core.relay_client import RelayError
from peertui_relay.group_commit import GroupCommitter
from peertui_relay.storage import VISIBLE_TO_ALL, VISIBLE_TO_ONE, Append, Appended, SqliteStorage
from peertui_wire.encoding import b64d, b64e
from peertui_wire.roster import genesis

from .groupkit import GroupKit

pytestmark = pytest.mark.timeout(120)


def _new_group(storage: SqliteStorage) -> tuple[str, bytes]:
    key = SigningKey.generate()
    event = genesis(key)
    owner = bytes(key.verify_key)
    storage.create_group(event["group"], owner, 10**12, event, 1_000)
    return event["group"], owner


def _message(group_id: str, text: str, *, ts: int = 2_000, idem: str = "") -> Append:
    body = json.dumps({"envelope": text}, separators=(",", ":"))
    return Append(group_id, "message", b"s" * 32, ts, body, VISIBLE_TO_ALL, b"", idem)


def _counted(storage: SqliteStorage) -> int:
    return storage._db.execute("SELECT COUNT(*) FROM events").fetchone()[0]


def test_one_failing_append_in_a_batch_is_undone_alone_and_the_rest_is_durable(tmp_path):
    storage = SqliteStorage(tmp_path / "store", max_pages=60)
    group_id, _ = _new_group(storage)
    filled = 0
    while not isinstance(storage.append_batch([_message(group_id, "f" * 2000)])[0], Exception):
        filled += 1  # until the "disk" (the page limit) is full for a post of this size
        assert filled < 1000
    outcomes = storage.append_batch(
        [
            _message(group_id, "first", idem="retry-key-1"),
            _message(group_id, "x" * 40_000),  # does not fit: the disk is full for it
            _message(group_id, "second"),
            _message("no-such-group", "lost"),  # its group was reclaimed meanwhile
            _message(group_id, "first again", idem="retry-key-1"),  # a retry in the same batch
            _message(group_id, "third"),
        ]
    )
    first_seq = filled + 2  # after the genesis and the posts that filled the store
    assert outcomes[0] == Appended(first_seq, True)
    assert isinstance(outcomes[1], sqlite3.OperationalError) and "full" in str(outcomes[1])
    assert outcomes[2] == Appended(first_seq + 1, True)  # no gap where the failed one was
    assert isinstance(outcomes[3], LookupError)
    assert outcomes[4] == Appended(first_seq, False)
    assert outcomes[5] == Appended(first_seq + 2, True)
    storage.close()

    reopened = SqliteStorage(tmp_path / "store")  # as after a restart
    events, _, last_seq = reopened.read(group_id, first_seq - 1, 10, b"", False)
    assert [(e.seq, e.body["envelope"]) for e in events] == [
        (first_seq, "first"),
        (first_seq + 1, "second"),
        (first_seq + 2, "third"),
    ]
    assert last_seq == first_seq + 2
    assert reopened.stored_events() == _counted(reopened) == filled + 4
    reopened.close()


def test_a_batch_over_two_groups_with_retries_gets_gap_free_seqs_per_group(tmp_path):
    storage = SqliteStorage(tmp_path / "store")
    one, _ = _new_group(storage)
    two, _ = _new_group(storage)
    assert storage.append_batch([_message(one, "earlier", idem="key-earlier")]) == [
        Appended(2, True)
    ]
    outcomes = storage.append_batch(
        [
            _message(one, "a", idem="key-a"),
            _message(two, "b"),
            _message(one, "earlier, retried", idem="key-earlier"),  # from an earlier batch
            _message(one, "a, retried", idem="key-a"),  # from this very batch
            _message(two, "c", idem="key-a"),  # the same key in another group is its own
            _message(one, "d"),
        ]
    )
    assert outcomes == [
        Appended(3, True),
        Appended(2, True),
        Appended(2, False),
        Appended(3, False),
        Appended(3, True),
        Appended(4, True),
    ]
    storage.close()
    storage = SqliteStorage(tmp_path / "store")
    texts = {
        gid: [(e.seq, e.body["envelope"]) for e in storage.read(gid, 1, 10, b"", False)[0]]
        for gid in (one, two)
    }
    assert texts == {one: [(2, "earlier"), (3, "a"), (4, "d")], two: [(2, "b"), (3, "c")]}
    records = {r.group_id: r for r in storage.groups()}
    assert (records[one].last_seq, records[two].last_seq) == (4, 3)
    stored_bytes = storage._db.execute(
        "SELECT group_id, SUM(size) FROM events GROUP BY group_id"
    ).fetchall()
    assert {gid: records[gid].bytes_used for gid in (one, two)} == dict(stored_bytes)
    assert storage.stored_events() == _counted(storage) == 7
    storage.close()


def test_a_batch_that_cannot_start_acknowledges_nothing(tmp_path):
    storage = SqliteStorage(tmp_path / "store")
    group_id, _ = _new_group(storage)
    storage._db.execute("PRAGMA busy_timeout=50")
    other = sqlite3.connect(storage.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a backup or another writer holds the write lock
    outcomes = storage.append_batch([_message(group_id, "a"), _message(group_id, "b")])
    assert all(isinstance(o, sqlite3.OperationalError) for o in outcomes)
    other.execute("ROLLBACK")
    other.close()
    assert storage.read(group_id, 1, 10, b"", False)[0] == []
    assert storage.append_batch([_message(group_id, "c")]) == [Appended(2, True)]
    storage.close()


async def test_posts_waiting_for_the_writer_share_one_commit_settled_in_seq_order(tmp_path):
    storage = SqliteStorage(tmp_path / "store")
    group_id, _ = _new_group(storage)
    worker = ThreadPoolExecutor(max_workers=1)
    committer = GroupCommitter(worker, storage.append_batch)
    release = threading.Event()
    worker.submit(release.wait, 30)  # the writer is busy (an fsync, a purge...)
    settled: list[int] = []

    def settle(outcome: Appended | Exception) -> None:
        assert isinstance(outcome, Appended)
        settled.append(outcome.seq)
        if outcome.seq == 4:
            raise RuntimeError("a broken settle must not leave the others waiting")

    posts = [
        asyncio.create_task(committer.append(_message(group_id, f"p{i}"), settle))
        for i in range(12)
    ]
    await asyncio.sleep(0.05)
    assert not any(p.done() for p in posts)  # nobody is answered before the commit
    release.set()
    answers = await asyncio.wait_for(asyncio.gather(*posts), 30)
    assert [a.seq for a in answers] == list(range(2, 14))
    assert settled == list(range(2, 14))
    # The first post went to the writer at once; the other eleven waited and went together.
    assert (committer.batches, committer.appends) == (2, 12)
    worker.shutdown()
    storage.close()


def test_the_kept_event_count_follows_every_insert_and_delete_and_a_restart(tmp_path):
    storage = SqliteStorage(tmp_path / "store")
    group_id, owner = _new_group(storage)
    other_group, _ = _new_group(storage)

    def check() -> int:
        assert storage.stored_events() == _counted(storage)
        return storage.stored_events()

    assert check() == 2
    storage.append_batch([_message(group_id, f"old{i}", ts=1_000) for i in range(5)])
    storage.append_batch([_message(group_id, f"new{i}", ts=10**9) for i in range(3)])
    direct = Append(group_id, "direct", owner, 10**9, '{"to":"x"}', VISIBLE_TO_ONE, owner)
    (direct_seq,) = (o.seq for o in storage.append_batch([direct]) if isinstance(o, Appended))
    storage.append_batch([_message(other_group, "elsewhere", ts=10**9)])
    assert check() == 12
    assert storage.ack_directs(group_id, owner, [direct_seq]) == 1
    assert check() == 11
    storage.put_invite(group_id, "h", 10**13, 3)
    joiner = os.urandom(32)
    storage.request_join(group_id, "h", joiner, "sealed", "r1", 10**9)
    assert check() == 12
    assert storage.deny_join(group_id, "r1", None, 10**9)  # the request's event goes
    assert check() == 11
    raw = os.urandom(64)
    storage.append_batch([_message(group_id, b64e(raw), ts=10**9)])
    assert check() == 12
    envelope_id = b64e(hashlib.blake2b(raw, digest_size=32).digest())
    storage.append_roster(group_id, {"index": 1, "kind": "delete"}, owner, 10**9, b"", envelope_id)
    assert check() == 12  # a moderator's delete: the message went, the roster event came
    assert b64e(raw) not in {
        e.body.get("envelope") for e in storage.read(group_id, 0, 99, b"", 0)[0]
    }
    # Older than the retention: both genesis events and the five old posts.
    assert storage.purge(now=10**9 - 1000, max_retention_ms=10**9 - 5_000) == {
        group_id: 6,
        other_group: 1,
    }
    assert check() == 5
    storage.close()

    storage = SqliteStorage(tmp_path / "store")  # a restart keeps the count
    assert check() == 5
    assert storage.reclaim_idle(now=10**13, max_retention_ms=1, keep={group_id}) == [other_group]
    assert check() == 4
    storage.close()


def test_a_store_from_before_the_kept_count_is_counted_once_when_opened(tmp_path):
    storage = SqliteStorage(tmp_path / "store")
    group_id, _ = _new_group(storage)
    storage.append_batch([_message(group_id, f"m{i}") for i in range(7)])
    storage._db.execute("ALTER TABLE groups DROP COLUMN event_count")  # as an older relay left it
    storage.close()
    storage = SqliteStorage(tmp_path / "store")
    assert storage.stored_events() == _counted(storage) == 8
    storage.close()


def _metric(relay, name: str) -> int:
    text = httpx.get(
        relay.url + "/v1/metrics", headers={"Authorization": "Bearer m-token"}, timeout=10
    ).text
    (line,) = [line for line in text.splitlines() if line.startswith(name + " ")]
    return int(line.split()[1])


async def test_concurrent_posters_every_ack_survives_kill_9_in_order_without_gaps(relay_factory):
    relay = relay_factory("--metrics-token", "m-token", "--rate-per-second", "200")
    kits = [await GroupKit.create(relay.url) for _ in range(3)]
    posters = [(kit, await kit.add_member()) for kit in kits for _ in range(4)]
    before = {
        kit.group_id: (await kit.owner.client.log(kit.group_id, 0))[0][-1].seq for kit in kits
    }
    acked: dict[str, dict[bytes, int]] = {kit.group_id: {} for kit in kits}
    sent: dict[str, set[bytes]] = {kit.group_id: set() for kit in kits}
    enough = asyncio.Event()

    async def post_until_cut(kit: GroupKit, member, name: str) -> None:
        for n in range(200):
            envelope = f"{name}:{n}".encode()
            sent[kit.group_id].add(envelope)
            try:
                seq = await member.client.post_message(
                    kit.group_id, envelope, idempotency_key=f"{name}-{n:06d}"
                )
            except (RelayError, httpx.HTTPError):
                return  # the relay was killed under this post: it may or may not be stored
            acked[kit.group_id][envelope] = seq
            if sum(len(a) for a in acked.values()) >= 150:
                enough.set()

    tasks = [
        asyncio.create_task(post_until_cut(kit, member, f"p{i}"))
        for i, (kit, member) in enumerate(posters)
    ]
    await asyncio.wait_for(enough.wait(), 90)
    commits, appends = (
        _metric(relay, "peertui_relay_commits_total"),
        _metric(relay, "peertui_relay_appends_total"),
    )
    relay.kill()  # posts are in flight now
    await asyncio.wait_for(asyncio.gather(*tasks), 60)
    assert commits < appends  # posts did share commits
    relay.restart()

    for kit in kits:
        log, gap = await kit.owner.client.log(kit.group_id, before[kit.group_id])
        assert gap is None
        stored = {b64d(e.body["envelope"]): e.seq for e in log if e.kind == "message"}
        seqs = sorted(stored.values())
        # Gap-free: the posts took every seq after the setup, one each, in order.
        assert seqs == list(range(before[kit.group_id] + 1, before[kit.group_id] + 1 + len(seqs)))
        assert set(stored) <= sent[kit.group_id]  # nothing stored that was never posted
        for envelope, seq in acked[kit.group_id].items():
            assert stored.get(envelope) == seq  # every acknowledged post, at its seq
        for name in {e.split(b":")[0] for e in stored}:  # each poster's posts in its order
            own = sorted(
                (seq, int(e.split(b":")[1]))
                for e, seq in stored.items()
                if e.split(b":")[0] == name
            )
            assert [n for _, n in own] == sorted(n for _, n in own)
    for kit in kits:
        await kit.close()


def test_a_full_batch_over_several_groups_is_stored_in_bulk_with_its_retries_found(tmp_path):
    storage = SqliteStorage(tmp_path / "store")
    groups = [_new_group(storage)[0] for _ in range(3)]
    # Stored earlier: posts 0..39 of group 0, under idempotency keys.
    earlier = storage.append_batch(
        [_message(groups[0], f"early{i}", idem=f"key-{i:06d}") for i in range(40)]
    )
    assert [o.seq for o in earlier if isinstance(o, Appended)] == list(range(2, 42))
    # 256 appends (more rows than one statement takes) over three groups: retries of those
    # 40, retries of posts earlier in this very batch, and new posts with and without keys.
    batch, expected = [], []
    next_seq = {groups[0]: 42, groups[1]: 2, groups[2]: 2}
    first_in_batch: dict[tuple[str, str], int] = {}
    for i in range(256):
        gid = groups[i % 3]
        if gid == groups[0] and i < 120:
            idem = f"key-{i // 3:06d}"  # keys 0..39: all stored before
            batch.append(_message(gid, f"again{i}", idem=idem))
            expected.append(Appended(2 + i // 3, False))
            continue
        idem = f"new-{i % 50:06d}" if i % 2 else ""  # some repeat within the batch
        if idem and (gid, idem) in first_in_batch:
            batch.append(_message(gid, f"dup{i}", idem=idem))
            expected.append(Appended(first_in_batch[(gid, idem)], False))
            continue
        seq = next_seq[gid]
        next_seq[gid] += 1
        if idem:
            first_in_batch[(gid, idem)] = seq
        batch.append(_message(gid, f"post{i}", idem=idem))
        expected.append(Appended(seq, True))
    assert storage.append_batch(batch) == expected
    for gid in groups:
        stored = storage.read_rows(gid, 0, 1000, b"", False)[0]
        assert [row[0] for row in stored] == list(range(1, next_seq[gid]))  # no gaps
        assert storage.group_record(gid).last_seq == next_seq[gid] - 1
    # The keys are kept: the keyed ones sent again after a restart find their seqs.
    storage.close()
    reopened = SqliteStorage(tmp_path / "store")
    keyed = [
        (item, outcome.seq) for item, outcome in zip(batch, expected, strict=True) if item.idem_key
    ]
    again = reopened.append_batch([item for item, _ in keyed])
    assert again == [Appended(seq, False) for _, seq in keyed]
    reopened.close()


def test_a_retry_after_more_keyed_posts_than_one_statement_takes_is_still_found(tmp_path):
    # The writer looks keys up only once the insert of the batch's keys is refused; here the
    # refused key is in the second statement of them, after 150 new keyed posts went in.
    storage = SqliteStorage(tmp_path / "store")
    group_id, _ = _new_group(storage)
    assert storage.append_batch([_message(group_id, "earlier", idem="key-earlier")]) == [
        Appended(2, True)
    ]
    batch = [_message(group_id, f"new{i}", idem=f"key-new-{i:04d}") for i in range(150)]
    batch.append(_message(group_id, "earlier, retried", idem="key-earlier"))
    batch.append(_message(group_id, "after it", idem="key-after"))
    outcomes = storage.append_batch(batch)
    assert outcomes == [Appended(3 + i, True) for i in range(150)] + [
        Appended(2, False),
        Appended(153, True),
    ]
    rows = storage.read_rows(group_id, 0, 1000, b"", False)[0]
    assert [row[0] for row in rows] == list(range(1, 154))  # no gap, nothing twice
    assert storage.stored_events() == _counted(storage) == 153
    (posted,) = storage._db.execute("SELECT COUNT(*) FROM posted").fetchone()
    assert posted == 152  # one row per key, the retried key's once
    storage.close()
