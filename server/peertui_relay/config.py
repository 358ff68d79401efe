"""Relay settings, shared by the command line, the embedded relay and tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DAY_SECONDS = 86_400


@dataclass
class RelayConfig:
    data_dir: Path
    # "" keeps everything in SQLite under data_dir (one process); a postgresql:// URL is
    # cluster mode: any number of relay processes on that one database.
    database: str = ""
    retention_seconds: int = 14 * DAY_SECONDS  # the longest any group may keep events
    purge_interval_seconds: float = 600.0
    keepalive_seconds: float = 15.0
    max_body_bytes: int = 80 * 1024  # a 48 KiB envelope is 64 KiB of base64 plus JSON
    group_quota_bytes: int = 256 * 1024 * 1024
    rate_per_second: float = 20.0  # per signing key
    rate_burst: int = 100
    max_groups: int = 10_000
    storage_retry_seconds: float = 15.0  # Retry-After on 507 storage_full
    max_db_pages: int = 0  # SQLite page limit (tests stand in for a full disk with it); 0 = none
    subscriber_queue: int = 2_000  # events buffered per slow subscriber before it is dropped
    # Abuse that costs the abuser (issue 11).
    public_url: str = ""  # the address clients use; signatures must name it (else: Host)
    max_streams_per_key: int = 8
    max_streams_per_address: int = 30
    group_creation: str = "open"  # open | token | allowlist
    creation_token: str = ""
    creation_allowlist: frozenset[str] = frozenset()  # base64 owner keys
    creations_per_hour: int = 10  # per client address, in "open"
    unknown_key_rate: float = 10.0  # requests/s per client address from keys no group knows
    reclaim_idle_groups: bool = True  # delete groups with no event for longer than retention
    metrics_token: str = ""
    metrics_port: int = 0  # requests arriving on this (loopback) port may read metrics
    write_timeout: float = 30.0  # seconds an event stream may stay blocked on a non-reader
    body_timeout: float = 30.0  # seconds a client may take to send a request body
    # Request sessions (PROTOCOL.md §11.1): what a stolen session key reaches ends with these.
    session_seconds: float = 1800.0
    session_max_requests: int = 20_000
