"""Operator commands that work on a relay's store: a consistent backup of a live relay, a
restore that gives every group a new log epoch, and the lock that keeps one relay per store."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from filelock import FileLock, Timeout

from peertui_relay.storage import SqliteStorage

DB_NAME = "relay.sqlite3"


class AdminError(Exception):
    """An operator command could not run; `str()` is the sentence to print."""


def store_lock(data_dir: Path) -> FileLock:
    """Held by a running relay for its whole life: a second relay, or a restore, on the same
    store is refused instead of interleaving writes."""
    return FileLock(str(data_dir / "relay.lock"), timeout=0, mode=0o600)


def acquire(lock: FileLock, data_dir: Path) -> None:
    try:
        lock.acquire()
    except Timeout:
        raise AdminError(
            f"another peertui-relay is using {data_dir}; stop it first "
            "(a backup can run while it is up)"
        ) from None


def backup(data_dir: Path, target: Path) -> int:
    """A consistent copy of a live relay's store (one read transaction, so writers keep going
    and the copy is never a mix), written to `target` with mode 0600. Returns its size."""
    source = data_dir / DB_NAME
    if not source.exists():
        raise AdminError(f"there is no relay store in {data_dir}")
    if target.exists():
        raise AdminError(f"{target} already exists; choose a new file name")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    old_umask = os.umask(0o077)
    try:
        with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as db:
            db.execute("PRAGMA busy_timeout=10000")
            db.execute("VACUUM INTO ?", (str(partial),))
        os.chmod(partial, 0o600)
        os.replace(partial, target)  # never an empty or half-written file under the real name
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise AdminError(f"the backup failed ({exc}); nothing was written") from None
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise AdminError(f"the backup could not be written ({exc.strerror or exc})") from None
    finally:
        os.umask(old_umask)
    return target.stat().st_size


def restore(source: Path, data_dir: Path) -> int:
    """Replace a stopped relay's store with a backup and give every group a new log epoch, so
    clients re-read the log instead of waiting past seq numbers the backup never reached.
    Returns the number of groups."""
    if not source.is_file():
        raise AdminError(f"{source} is not a file")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as db:
            if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise AdminError(f"{source} is damaged; it was not restored")
            db.execute("SELECT 1 FROM groups LIMIT 1").fetchall()
    except sqlite3.Error as exc:
        raise AdminError(f"{source} is not a peertui-relay backup ({exc})") from None
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock = store_lock(data_dir)
    acquire(lock, data_dir)
    try:
        staged = data_dir / (DB_NAME + ".restoring")
        staged.unlink(missing_ok=True)
        old_umask = os.umask(0o077)
        try:
            with (
                contextlib.closing(sqlite3.connect(source)) as src,
                contextlib.closing(sqlite3.connect(staged)) as dst,
            ):
                src.backup(dst)
        finally:
            os.umask(old_umask)
        for suffix in ("-wal", "-shm"):
            (data_dir / (DB_NAME + suffix)).unlink(missing_ok=True)
        os.replace(staged, data_dir / DB_NAME)
        storage = SqliteStorage(data_dir)
        try:
            return storage.renew_epochs()
        finally:
            storage.close()
    finally:
        lock.release()
