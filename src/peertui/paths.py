"""Every file and directory peertui reads or writes, decided in one place.

Precedence for the home: an explicit argument (`--home DIR`) wins, then `$PEERTUI_HOME`, then
the platform's user directories (config dir for settings and user themes, data dir for the
database and exports).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "peertui"
HOME_ENV = "PEERTUI_HOME"
# A folder of catalogues (<lang>/LC_MESSAGES/peertui.po or .mo) used instead of the installed
# ones: a translator tries a catalogue, a test installs a pseudo-locale, neither touching the
# package.
LOCALE_DIR_ENV = "PEERTUI_LOCALE_DIR"

# Owner-only: the directories hold an encrypted database, its unlock file and plaintext exports.
PRIVATE_DIR_MODE = 0o700


@dataclass(frozen=True)
class Paths:
    home: Path
    config_file: Path
    data_dir: Path
    db_file: Path
    themes_dir: Path
    exports_dir: Path

    @property
    def config_dir(self) -> Path:
        return self.config_file.parent

    @property
    def unlock_file(self) -> Path:
        """Non-secret record of how the database key is obtained (keyring entry or KDF salt)."""
        return self.data_dir / "unlock.json"

    @property
    def welcome_marker(self) -> Path:
        """An empty file: the first run's welcome text has been read."""
        return self.config_dir / "welcome-seen"

    @property
    def country_marker(self) -> Path:
        """An empty file: the first run's country question was answered or skipped."""
        return self.config_dir / "country-asked"

    @property
    def first_run_markers(self) -> list[Path]:
        return [self.welcome_marker, self.country_marker]

    def db_companions(self) -> list[Path]:
        """The database file and the files SQLite keeps beside it."""
        return [
            self.db_file,
            *(self.db_file.with_name(self.db_file.name + s) for s in ("-wal", "-shm", "-journal")),
        ]

    def directories(self) -> list[Path]:
        return [self.home, self.config_dir, self.data_dir, self.themes_dir, self.exports_dir]


def locale_dir() -> Path:
    """Where the message catalogues are: `$PEERTUI_LOCALE_DIR`, else the package's `locale`."""
    chosen = os.environ.get(LOCALE_DIR_ENV)
    if chosen:
        return Path(chosen)
    from importlib import resources

    return Path(str(resources.files("peertui").joinpath("locale")))


def resolve_paths(home: str | Path | None = None, *, create: bool = True) -> Paths:
    """Work out every path; with `create`, make the directories owner-only (0700)."""
    chosen = home if home not in (None, "") else os.environ.get(HOME_ENV) or None
    paths = _paths_in_home(Path(chosen)) if chosen is not None else _platform_paths()
    if create:
        # A home the user picked may be a directory they already use; only tighten it if new.
        if chosen is None or not paths.home.exists():
            make_private_dir(paths.home)
        for directory in paths.directories():
            if directory != paths.home:
                make_private_dir(directory)
    return paths


def make_private_dir(directory: Path) -> None:
    directory.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    # mkdir's mode is filtered by the umask and ignored for existing directories.
    directory.chmod(PRIVATE_DIR_MODE)


def write_private_file(path: Path, text: str) -> None:
    """Replace `path` atomically with `text`, readable only by its owner.

    A crash or a full disk mid-write leaves the old file in place, never half of the new one.
    """
    make_private_dir(path.parent)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _paths_in_home(home: Path) -> Paths:
    home = home.expanduser().resolve()
    data_dir = home / "data"
    return Paths(
        home=home,
        config_file=home / "config.toml",
        data_dir=data_dir,
        db_file=data_dir / "peertui.db",
        themes_dir=home / "themes",
        exports_dir=home / "exports",
    )


def _platform_paths() -> Paths:
    config_dir = platformdirs.user_config_path(APP_NAME, appauthor=False)
    data_dir = platformdirs.user_data_path(APP_NAME, appauthor=False)
    return Paths(
        home=data_dir,
        config_file=config_dir / "config.toml",
        data_dir=data_dir,
        db_file=data_dir / "peertui.db",
        themes_dir=config_dir / "themes",
        exports_dir=data_dir / "exports",
    )
