"""Faults a test can switch on and off: a disk that fills up (a small tmpfs when running as
root, else SQLite's page limit on a restarted relay)."""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import subprocess
from pathlib import Path

from tests.conftest import RelayProcess


class SmallDisk:
    """A directory whose disk can be filled and freed while programs use it."""

    def __init__(self, where: Path, size_kib: int = 4096) -> None:
        self.dir = where
        self.dir.mkdir(parents=True, exist_ok=True)
        self.real = os.geteuid() == 0 and self._mount(size_kib)
        self._filler = self.dir / "filler.bin"

    def _mount(self, size_kib: int) -> bool:
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0700", "tmpfs", str(self.dir)],
            capture_output=True,
        )
        return result.returncode == 0

    def fill(self, relay: RelayProcess | None = None) -> None:
        if not self.real:
            assert relay is not None, "without root only a relay's store can be filled"
            pages = _page_count(relay.data_dir / "relay.sqlite3")
            relay.extra_args = [
                *_without_page_limit(relay.extra_args),
                "--max-db-pages",
                str(pages),
            ]
            relay.restart()
            return
        fd = os.open(self._filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for size in (65536, 4096, 1):  # big steps, then the last few bytes
                with contextlib.suppress(OSError):
                    while True:
                        os.write(fd, b"\0" * size)
            try:
                os.write(fd, b"\0")
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
            else:
                raise AssertionError("the small disk did not fill up")
        finally:
            os.close(fd)

    def free(self, relay: RelayProcess | None = None) -> None:
        if not self.real:
            assert relay is not None
            relay.extra_args = _without_page_limit(relay.extra_args)
            relay.restart()
            return
        self._filler.unlink(missing_ok=True)

    def close(self) -> None:
        if self.real:
            subprocess.run(["umount", "-l", str(self.dir)], capture_output=True)


def _page_count(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute("PRAGMA page_count").fetchone()[0] + 1


def _without_page_limit(args: list[str]) -> list[str]:
    if "--max-db-pages" in args:
        i = args.index("--max-db-pages")
        return args[:i] + args[i + 2 :]
    return args
