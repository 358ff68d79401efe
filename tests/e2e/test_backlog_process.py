"""Issue 12: the large runs of a backlog are read (verified, decrypted, checked for what to
fold and for a cry for help) in a second process, with the same answers as in this one; when
that process dies, is missing or is still loading, the runs are read here, from the same
sessions, and nothing is lost or shown unchecked; it ends with the engine."""

from __future__ import annotations

import asyncio
import os
import textwrap
import time

import pytest
from tests.e2e.conftest import form_group
from tests.e2e.harness import member_process, wait_until

from peertui.core import backlog_process, group
from peertui.wellbeing.fold import REASONS, received_checks

pytestmark = pytest.mark.timeout(240)

FAST_RELAY = ("--rate-per-second", "1000", "--rate-burst", "1000")
# Each kind of answer the checks give, among ordinary lines.
SPECIAL = [
    "I have 40 paracetamol counted out for tonight",  # folded: a method
    "you can reach me at 07700 900123 or jo@example.com",  # folded: personal details
    "I want to kill myself",  # shown, with a note for the reader
    "my address is 12 Elm Street, Leeds LS1 4AB",
]


def _backlog_texts(count: int) -> list[str]:
    return [
        SPECIAL[i // 10 % len(SPECIAL)] + f" ({i})" if i % 10 == 3 else f"ordinary line {i:04d}"
        for i in range(count)
    ]


async def _away_while_posted(relay_url, tmp_path, closing, texts):
    gid, (host, wren) = await form_group(relay_url, tmp_path, ["host", "wren"])
    closing.extend([host, wren])
    await host.engine.send(gid, "before the break")
    await wren.wait_for_texts(gid, ["before the break"])
    await wren.engine.close()
    last_seq = 0
    for text in texts:
        last_seq = (await host.engine.send(gid, text)).seq
    return gid, wren, last_seq


def _loaded_before_reading(monkeypatch, *, then_kill: bool = False) -> list[int]:
    """The backlog process starts as in use, but the test waits for it to have loaded its lists
    (seconds on a busy machine; the backlog here would be read before then). With `then_kill`
    it is killed once loaded, as the OS might kill it."""
    started: list[int] = []
    start = backlog_process.BacklogProcess.start

    def start_and_wait(self: backlog_process.BacklogProcess) -> None:
        start(self)
        if started:
            return  # (started already, or killed and given up: nothing to wait for)
        deadline = time.monotonic() + 60
        while not self.ready and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.ready, "the backlog process did not load"
        started.extend(self.pids())
        if then_kill:
            for pid in self.pids():
                os.kill(pid, 9)

    monkeypatch.setattr(backlog_process.BacklogProcess, "start", start_and_wait)
    monkeypatch.setattr(backlog_process, "BACKLOG_MIN", 50)
    monkeypatch.setattr(backlog_process, "RUN_MIN", 8)
    monkeypatch.setattr(group, "BATCH_MESSAGES", 40)
    return started


def _assert_checked_as_here(wren, gid, texts) -> None:
    stored = {m.text: m for m in wren.engine.store.latest(gid, 1000)}
    assert set(texts) <= set(stored)
    for text in texts:
        fold, care = received_checks(text, "en")
        message = stored[text]
        assert message.extra.get("fold", "") == fold, text
        assert bool(message.extra.get("care")) == care, text
    folded = [t for t in texts if stored[t].extra.get("fold")]
    assert {stored[t].extra["fold"] for t in folded} == {REASONS["means"], REASONS["personal"]}
    assert any(stored[t].extra.get("care") for t in texts)


async def test_a_large_backlog_is_read_in_the_backlog_process_with_the_same_answers(
    relay_factory, tmp_path, closing, monkeypatch
):
    started = _loaded_before_reading(monkeypatch)
    relay = relay_factory(*FAST_RELAY)
    texts = _backlog_texts(300)
    gid, wren, last_seq = await _away_while_posted(relay.url, tmp_path, closing, texts)
    await wren.reopen()
    session = wren.engine._session(gid)
    await wait_until(lambda: session.cursor >= last_seq, timeout=120, what="the catch-up")

    assert started, "a backlog of 300 did not start the backlog process"
    # Nearly all of it was read there (the first run may have been read while it started).
    assert wren.engine._backlog.runs_read >= 5, wren.engine._backlog.runs_read
    assert wren.texts(gid) == ["before the break", *texts]
    _assert_checked_as_here(wren, gid, texts)

    await wren.engine.close()  # the process ends with the engine
    await wait_until(
        lambda: not any(_alive(pid) for pid in started), timeout=10, what="the backlog process"
    )


async def test_when_the_backlog_process_dies_the_runs_are_read_here_and_nothing_is_lost(
    relay_factory, tmp_path, closing, monkeypatch
):
    _loaded_before_reading(monkeypatch, then_kill=True)
    relay = relay_factory(*FAST_RELAY)
    texts = _backlog_texts(200)
    gid, wren, last_seq = await _away_while_posted(relay.url, tmp_path, closing, texts)
    await wren.reopen()
    session = wren.engine._session(gid)
    await wait_until(lambda: session.cursor >= last_seq, timeout=120, what="the catch-up")

    assert wren.engine._backlog.runs_read == 0
    assert wren.texts(gid) == ["before the break", *texts]
    _assert_checked_as_here(wren, gid, texts)
    assert not wren.engine._backlog.ready  # given up: it is not started again and again


async def test_a_small_backlog_starts_no_process(relay_factory, tmp_path, closing):
    relay = relay_factory(*FAST_RELAY)
    texts = _backlog_texts(30)
    gid, wren, last_seq = await _away_while_posted(relay.url, tmp_path, closing, texts)
    await wren.reopen()
    session = wren.engine._session(gid)
    await wait_until(lambda: session.cursor >= last_seq, timeout=60, what="the catch-up")
    assert wren.engine._backlog.pids() == []
    _assert_checked_as_here(wren, gid, texts)


MEMBER = textwrap.dedent(
    """
    import asyncio, sys, time
    from peertui.core import backlog_process
    from peertui.core.engine import Engine
    from peertui.paths import resolve_paths

    backlog_process.BACKLOG_MIN = 50
    backlog_process.RUN_MIN = 8

    async def main():
        engine = await Engine.open(resolve_paths(sys.argv[1]), passphrase=sys.argv[2])
        backlog = engine._backlog
        while not backlog.pids():
            await asyncio.sleep(0.05)
        print(backlog.pids()[0], flush=True)
        await asyncio.sleep(600)

    asyncio.run(main())
    """
)


async def test_a_member_killed_with_sigkill_takes_its_backlog_process_with_it(
    relay_factory, tmp_path, closing
):
    """What it holds (message keys, texts) must not outlive the member: a crash, a power
    button or `kill -9` ends the parent without any clean-up."""
    relay = relay_factory(*FAST_RELAY)
    gid, wren, last_seq = await _away_while_posted(
        relay.url, tmp_path, closing, _backlog_texts(120)
    )
    with member_process(MEMBER, wren.home) as member:
        line = await asyncio.wait_for(asyncio.to_thread(member.stdout.readline), 120)
        child = int(line)
        assert _alive(child)
    # The member was killed with SIGKILL as the block ended.
    await wait_until(lambda: not _alive(child), timeout=10, what="the backlog process to end")


def test_one_core_never_starts_a_process(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    backlog = backlog_process.BacklogProcess()
    backlog.start()
    assert backlog.pids() == [] and not backlog.ready
    assert backlog.submit(b"", b"", "en", []) is None  # the caller reads the run itself


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie until its parent reaps it: ended all the same.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False
