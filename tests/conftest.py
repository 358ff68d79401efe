"""Shared fixtures. `relay` runs the real relay as a subprocess on a free loopback port.

Use `RelayProcess` directly from other fixtures when you need options, e.g.
`RelayProcess(tmp_path / "relay", "--retention-seconds", "2")`.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

# The suite runs as on a machine with no OS keyring, in this process and in every peertui it
# starts: keyrings.alt (a test dependency) would otherwise be keyring's default here, and
# peertui's refusal of it would add a notice to every new home. tests/core/test_keyring_backends.py
# sets real backends itself, keyrings.alt included.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

# The suite speaks English unless a test chooses a language (tests/i18n): the machine's own
# locale must not decide what the assertions read, here or in the peertuis tests start.
for _variable in ("LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_variable, None)
os.environ["LANG"] = "C.UTF-8"


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A test that switched the interface language must not leave it switched."""
    yield
    from peertui.i18n import use_language

    use_language("en")


_LISTENING = re.compile(r"listening on (http://\S+?):(\d+) ")


class RelayProcess:
    """A `peertui-relay` child process: `.url`, `.data_dir`, `.kill()`, `.restart()`, `.stop()`."""

    def __init__(
        self, data_dir: str | Path, *extra_args: str, startup_timeout: float = 15.0
    ) -> None:
        self.data_dir = Path(data_dir)
        self.extra_args = list(extra_args)
        self.startup_timeout = startup_timeout
        self.port = 0
        self.url = ""
        self.process: subprocess.Popen | None = None
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}.log"

    def start(self, port: int | None = None) -> RelayProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            sys.executable,
            "-m",
            "peertui_relay",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port if port is None else port),
            "--data-dir",
            str(self.data_dir),
            *self.extra_args,
        ]
        deadline = time.monotonic() + self.startup_timeout
        while True:
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log)
            line = self.process.stdout.readline().decode() if self.process.stdout else ""
            match = _LISTENING.search(line)
            if match:
                break
            self.process.wait(timeout=5)
            # The old port can stay busy for a moment after a kill; retry until the deadline.
            if time.monotonic() > deadline:
                raise RuntimeError(f"relay did not start; see {self.log_path}")
            time.sleep(0.2)
        self.port = int(match.group(2))
        self.url = f"{match.group(1)}:{self.port}"
        self._wait_healthy(deadline)
        return self

    def _wait_healthy(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/v1/health", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"relay at {self.url} never became healthy; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as after a crash or power cut of the process."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def restart(self) -> RelayProcess:
        """Start again on the same data directory and, if it is free, the same port."""
        self.kill()
        return self.start(port=self.port)

    def stop(self) -> int | None:
        """SIGTERM and wait; returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stdout:
            self.process.stdout.close()
        return self.process.returncode


@pytest.fixture
def relay(tmp_path):
    """A fresh relay process for one test (default limits, 14-day retention)."""
    process = RelayProcess(tmp_path / "relay").start()
    yield process
    process.stop()


@pytest.fixture
def relay_factory(tmp_path):
    """Start relays with extra command-line options; all are stopped at teardown."""
    started: list[RelayProcess] = []

    def start(*extra_args: str, name: str = "relay") -> RelayProcess:
        process = RelayProcess(tmp_path / f"{name}{len(started)}", *extra_args).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture(scope="session")
def postgres_server():
    """One throwaway PostgreSQL server for the whole run (started on first use)."""
    from tests.pgserver import PostgresServer

    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def pg_database(postgres_server) -> str:
    """A fresh, empty database on the session's server: its postgresql:// URL."""
    return postgres_server.new_database()
