"""The files a home keeps outside its database: wiping them all, and writing an export.

An export is the one place history leaves the encrypted database as readable text, so it is
written owner-only, in full or not at all (a temporary file renamed into place).
"""

from __future__ import annotations

import datetime
import errno
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peertui.core.keys import ForeignFilesKept, Leftover, NotDeleted, StoreError, forget_key
from peertui.core.store_errors import ExportRefused, StorageFull
from peertui.paths import Paths

if TYPE_CHECKING:
    from peertui.core.store import Message


@dataclass(frozen=True)
class ExportWords:
    """The headings and labels of an export file, worded by the front-ends
    (`peertui.ui.wording.export_words`): each a template, filled in here."""

    title: str  # {name}: the group's name
    written: str  # {when}: the local time the file was written
    removed: str  # {reason}: a message the moderators removed
    content_warning: str  # {cw}: the content warning a message carries


def wipe(paths: Paths) -> list[Leftover]:
    """Delete everything peertui keeps for this home, including its keyring entry.

    The caller closes the Store first. Returns each thing that remains (typed: worded by
    `peertui.ui.problems.leftover`).
    """
    problems = forget_key(paths)
    for file in (
        *paths.db_companions(),
        paths.unlock_file,
        paths.config_file,
        *paths.first_run_markers,
    ):
        _remove_file(file, problems)
    for directory in (paths.data_dir, paths.exports_dir, paths.themes_dir):
        _remove_tree(directory, problems)
    for leftover in dict.fromkeys((paths.config_dir, paths.home)):  # often the same folder
        _remove_empty_dir(leftover, problems)
    return problems


def write_export(target: Path, name: str, messages: Iterable[Message], words: ExportWords) -> int:
    """Write `messages` (oldest first) as readable text to `target`, owner-only; returns how
    many. `words` are the file's headings and labels in the person's language."""
    if target.is_dir():
        raise ExportRefused(target, "is_folder")
    if not target.parent.is_dir():
        raise ExportRefused(target, "no_folder")
    try:
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".peertui-export-", suffix=".tmp")
    except OSError as exc:
        raise _file_error(exc, target) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(words.title.format(name=name) + "\n")
            out.write(words.written.format(when=_local_time(_now_ms())) + "\n\n")
            count = 0
            for m in messages:
                out.write(_export_line(m, words))
                count += 1
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, target)
    except OSError as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise _file_error(exc, target) from exc
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return count


def _file_error(exc: OSError, target: Path) -> StoreError:
    if exc.errno == errno.ENOSPC:
        return StorageFull("export", target)
    return ExportRefused(target, "unwritable", exc.strerror or str(exc))


def _export_line(m: Message, words: ExportWords) -> str:
    when = _local_time(m.ts)
    if m.removed_reason is not None:
        return f"[{when}] {m.nick}: ({words.removed.format(reason=m.removed_reason)})\n"
    body = m.text.replace("\n", "\n    ")
    prefix = f"[{words.content_warning.format(cw=m.cw)}] " if m.cw else ""
    return f"[{when}] {m.nick}: {prefix}{body}\n"


def _local_time(ms: int) -> str:
    return datetime.datetime.fromtimestamp(ms / 1000).astimezone().strftime("%Y-%m-%d %H:%M %Z")


def _now_ms() -> int:
    return int(datetime.datetime.now().timestamp() * 1000)


def _remove_file(path: Path, problems: list[Leftover]) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        problems.append(NotDeleted(path, exc.strerror or str(exc)))


def _remove_tree(directory: Path, problems: list[Leftover]) -> None:
    if not directory.exists():
        return

    def report(_function: Any, path: str, exc_info: Any) -> None:
        problems.append(NotDeleted(Path(path), exc_info[1].strerror or str(exc_info[1])))

    shutil.rmtree(directory, onerror=report)


def _remove_empty_dir(directory: Path, problems: list[Leftover]) -> None:
    if not directory.exists():
        return
    remaining = sorted(p.name for p in directory.iterdir())
    if remaining:
        problems.append(ForeignFilesKept(directory, tuple(remaining)))
        return
    try:
        directory.rmdir()
    except OSError as exc:
        problems.append(NotDeleted(directory, exc.strerror or str(exc)))
