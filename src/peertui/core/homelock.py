"""One running copy per home: an OS file lock (fcntl/msvcrt through `filelock`) held by the
engine for as long as it is open.

Two copies on one home would each take the relay's events and advance their own cursors,
and a message sent from the second would be recorded by neither: the second copy is refused
in words instead.
"""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout

from peertui.core.keys import StoreError
from peertui.paths import Paths, make_private_dir


class HomeInUse(StoreError):
    """Another peertui (another window, or another engine in this program) has this home
    (`home`). Worded by `peertui.ui.problems.store_problem`; `str()` names no folder."""

    def __init__(self, home: Path) -> None:
        super().__init__("this home is open in another peertui")
        self.home = home


def _lock_for(paths: Paths) -> FileLock:
    make_private_dir(paths.data_dir)
    return FileLock(str(paths.data_dir / "peertui.lock"), timeout=0, mode=0o600)


def acquire_home(paths: Paths) -> FileLock:
    """Hold the home for this engine; raise HomeInUse if something else holds it."""
    lock = _lock_for(paths)
    try:
        lock.acquire()
    except Timeout:
        raise HomeInUse(paths.home) from None
    return lock


def check_home_free(paths: Paths) -> None:
    """Raise HomeInUse now if another copy holds the home (for a front-end's first words)."""
    acquire_home(paths).release()
