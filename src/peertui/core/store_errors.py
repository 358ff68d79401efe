"""Why the encrypted local database refused something, as typed facts.

`peertui.ui.problems` words each one for the person; `str()` is a short English line for logs
that never holds message text, nicknames or keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from peertui.core.keys import StoreError

FullDuring = Literal["open", "setup", "save", "export"]


class StorageFull(StoreError):
    """The disk (or the database's size limit) is full; nothing already stored was lost.

    `during` is what could not be done; `place` the folder or file it was for (if any)."""

    def __init__(self, during: FullDuring, place: Path | None = None) -> None:
        super().__init__(f"disk full ({during})")
        self.during: FullDuring = during
        self.place = place


class DatabaseUnopenable(StoreError):
    """The database file could not be opened; `reason` is SQLite's or the system's own words."""

    def __init__(self, db_file: Path, reason: str) -> None:
        super().__init__(f"database could not be opened ({reason})")
        self.db_file = db_file
        self.reason = reason


class DatabaseTooNew(StoreError):
    """The database's schema (`version`) is newer than this peertui knows."""

    def __init__(self, version: int) -> None:
        super().__init__(f"database schema {version} is newer than this peertui")
        self.version = version


class DatabaseKeyMismatch(StoreError):
    """The database does not open with this home's key: damaged, or another home's."""

    def __init__(self, db_file: Path) -> None:
        super().__init__("database does not open with this home's key")
        self.db_file = db_file


class FolderUnusable(StoreError):
    """A folder of the home cannot be made or used; `reason` is the system's words."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"folder unusable ({reason})")
        self.path = path
        self.reason = reason


class SaveFailed(StoreError):
    """A write to the database failed for a reason other than a full disk."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"save failed ({reason})")
        self.reason = reason


class OldProtocolHome(StoreError):
    """This home holds groups of an earlier, incompatible protocol (a test version): nothing
    was released, so there is nothing to convert."""

    def __init__(self, data_dir: Path, protocol: int) -> None:
        super().__init__(f"home holds protocol-{protocol} groups")
        self.data_dir = data_dir
        self.protocol = protocol


ExportFault = Literal["is_folder", "no_folder", "unwritable"]


class ExportRefused(StoreError):
    """An export was not written: the target is a folder, its folder is missing, or writing
    failed (`reason`, the system's words). Nothing was exported."""

    def __init__(self, target: Path, fault: ExportFault, reason: str = "") -> None:
        super().__init__(f"export not written ({fault}{': ' + reason if reason else ''})")
        self.target = target
        self.fault: ExportFault = fault
        self.reason = reason
