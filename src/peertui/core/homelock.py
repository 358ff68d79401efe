"""One running copy per home: an OS file lock (fcntl/msvcrt through `filelock`) held by the
engine for as long as it is open.

Two copies on one home would each take the relay's events and advance their own cursors,
and a message sent from the second would be recorded by neither: the second copy is refused
in words instead.
"""

from __future__ import annotations

from filelock import FileLock, Timeout

from peertui.core.keys import StoreError
from peertui.i18n import _
from peertui.paths import Paths, make_private_dir


class HomeInUse(StoreError):
    """Another peertui (another window, or another engine in this program) has this home."""


def _lock_for(paths: Paths) -> FileLock:
    make_private_dir(paths.data_dir)
    return FileLock(str(paths.data_dir / "peertui.lock"), timeout=0, mode=0o600)


def _in_use(paths: Paths) -> HomeInUse:
    return HomeInUse(
        _(
            "peertui is already open with this home ({home}). Switch to that window, or close it first: two copies at once could lose messages."
        ).format(home=paths.home)
    )


def acquire_home(paths: Paths) -> FileLock:
    """Hold the home for this engine; raise HomeInUse if something else holds it."""
    lock = _lock_for(paths)
    try:
        lock.acquire()
    except Timeout:
        raise _in_use(paths) from None
    return lock


def check_home_free(paths: Paths) -> None:
    """Raise HomeInUse now if another copy holds the home (for a front-end's first words)."""
    acquire_home(paths).release()
