"""core.prefetch: a stream read ahead hands over what has arrived, in order, then its error."""

from __future__ import annotations

import asyncio

import pytest

from peertui.core.prefetch import Prefetch


async def test_items_come_in_order_in_batches_and_the_error_after_them():
    arrived = asyncio.Event()

    async def source():
        for i in range(10):
            yield i
        arrived.set()
        await asyncio.sleep(0)
        raise ConnectionError("the relay went away")

    prefetch: Prefetch[int] = Prefetch(limit=100)
    prefetch.start(source())
    await arrived.wait()
    assert await prefetch.batch(4) == [0, 1, 2, 3]  # what had arrived, up to the batch size
    assert await prefetch.batch(100) == [4, 5, 6, 7, 8, 9]
    with pytest.raises(ConnectionError):
        await prefetch.batch(100)  # only once every item before it was taken
    await prefetch.aclose()


async def test_the_reader_waits_while_limit_items_are_not_taken():
    read: list[int] = []

    async def source():
        for i in range(50):
            read.append(i)
            yield i

    prefetch: Prefetch[int] = Prefetch(limit=5)
    prefetch.start(source())
    for _ in range(20):
        await asyncio.sleep(0)
    assert len(read) == 5  # it stopped at the limit instead of reading everything
    taken: list[int] = []
    while len(taken) < 50:
        taken += await prefetch.batch(3)
    assert taken == list(range(50))
    with pytest.raises(StopAsyncIteration):
        await prefetch.batch(3)
    await prefetch.aclose()


async def test_pushed_items_keep_their_place_among_the_source_items():
    prefetch: Prefetch[str] = Prefetch()

    async def source():
        yield "a"
        prefetch.push("info")  # as the stream's on-open callback does
        yield "b"

    prefetch.start(source())
    taken: list[str] = []
    while len(taken) < 3:
        taken += await prefetch.batch(10)
    assert taken == ["a", "info", "b"]
    await prefetch.aclose()
