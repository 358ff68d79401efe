"""The relay's in-memory guards, with an injected clock."""

from __future__ import annotations

from peertui_relay.limits import NonceCache, TokenBuckets


def test_nonce_seen_within_the_window_is_refused():
    cache = NonceCache(window_ms=1_000)
    assert cache.check_and_add("n1", ts=10_000, now_ms=10_000) is None
    assert "already received" in cache.check_and_add("n1", ts=10_000, now_ms=10_500)


def test_nonces_expire_after_twice_the_window():
    cache = NonceCache(window_ms=1_000)
    cache.check_and_add("n1", ts=10_000, now_ms=10_000)
    cache.check_and_add("n2", ts=12_500, now_ms=12_500)
    assert len(cache) == 1  # n1 fell out; its timestamp is stale for the signature check anyway


def test_eviction_under_pressure_never_reopens_a_replay():
    cache = NonceCache(window_ms=60_000, max_entries=2)
    for i, ts in enumerate((1_000, 2_000, 3_000)):
        assert cache.check_and_add(f"n{i}", ts=ts, now_ms=3_000) is None
    assert len(cache) == 2
    # n0 was forced out while still fresh: anything at or before its time is now refused.
    assert "too old" in cache.check_and_add("n0", ts=1_000, now_ms=3_000)
    assert cache.check_and_add("n3", ts=3_001, now_ms=3_001) is None


def test_token_bucket_allows_a_burst_then_paces_to_the_rate():
    buckets = TokenBuckets(rate=2.0, burst=3)
    key = b"k" * 32
    assert [buckets.take(key, now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take(key, now=0.0) == 0.5
    assert buckets.take(key, now=0.5) == 0.0
    assert buckets.take(b"other", now=0.5) == 0.0  # keys do not share a bucket
