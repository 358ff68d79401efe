"""The relay's tests run against both backends where the backend matters.

`relay` and `relay_factory` are parametrized by `backend`: "sqlite" (the embedded default, one
process) and, for the modules in `BOTH_BACKENDS`, "postgres" (cluster mode on a throwaway
PostgreSQL, one process; tests/relay/test_cluster.py runs several). The other modules test the
process, its files and its options, which the backend does not change.
"""

from __future__ import annotations

import pytest
from tests.conftest import RelayProcess

# test_abuse stays on SQLite: its tests are about the HTTP layer and timing (slowloris,
# floods, reclaim within seconds), and the cluster's shared nonces are tested in test_cluster.
BOTH_BACKENDS = {
    "test_access",
    "test_idempotency",
    "test_join_lifecycle",
    "test_resume",
    "test_roundtrip",
    "test_sessions",
    "test_stream_schema",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        module = metafunc.module.__name__.rsplit(".", 1)[-1]
        backends = ["sqlite", "postgres"] if module in BOTH_BACKENDS else ["sqlite"]
        metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture
def backend(request) -> list[str]:
    """The relay options that pick the backend: none for SQLite, --database for PostgreSQL."""
    if request.param == "postgres":
        return ["--database", request.getfixturevalue("pg_database")]
    return []


@pytest.fixture
def relay(tmp_path, backend):
    process = RelayProcess(tmp_path / "relay", *backend).start()
    yield process
    process.stop()


@pytest.fixture
def relay_factory(tmp_path, backend):
    started: list[RelayProcess] = []

    def start(*extra_args: str, name: str = "relay") -> RelayProcess:
        process = RelayProcess(tmp_path / f"{name}{len(started)}", *backend, *extra_args).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()
