"""A throwaway PostgreSQL server for tests and benchmarks: initdb into a temp directory, served
on a Unix socket in that directory only (no TCP), stopped and deleted afterwards.

initdb refuses to run as root, so as root (CI, this machine) the server runs as the
`postgres` system user that Debian's package creates; otherwise as the current user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg

_PORT = 5439  # only names the socket file; nothing listens on TCP


def _bin_dir() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError(
        "PostgreSQL's server programs (initdb, pg_ctl) are not installed; `./dev.sh test` "
        "installs Debian's postgresql package"
    )


class PostgresServer:
    def __init__(self, *, durable: bool = False) -> None:
        """`durable` keeps fsync on (for benchmarks); tests run without it, since they kill
        relay processes, never the database server."""
        self.bin = _bin_dir()
        self.durable = durable
        self.root = Path(tempfile.mkdtemp(prefix="peertui-pg-"))
        self.data = self.root / "data"
        self.user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        self.admin_user = "postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self.root, user=self.user)
        self.root.chmod(0o700)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.admin_user,
            "--auth=trust",  # the socket is in a directory only its owner (and root) can enter
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = [
            "-c listen_addresses=''",
            f"-c unix_socket_directories='{self.root}'",
            f"-p {_PORT}",
            "-c max_connections=200",
            "-c shared_buffers=64MB",
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-o",
            " ".join(options), "start",
        )  # fmt: skip
        return self

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.admin_user}@/{dbname}?host={self.root}&port={_PORT}"

    def new_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def server_pids(self) -> list[int]:
        """The postmaster and its children (for counting the database's CPU time)."""
        pid_file = self.data / "postmaster.pid"
        main = int(pid_file.read_text().split()[0])
        import psutil

        parent = psutil.Process(main)
        return [main, *(child.pid for child in parent.children(recursive=True))]
