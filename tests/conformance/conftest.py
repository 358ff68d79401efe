"""The e2e `closing` fixture, so engines opened here are closed even when a test fails."""

from tests.e2e.conftest import closing  # noqa: F401 - a fixture, found by name
