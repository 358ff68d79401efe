"""Fixtures the store tests share (test_store, test_search_order, test_index_later): a home
that unlocks by passphrase only, and an open store in it."""

from __future__ import annotations

import keyring
import keyring.backends.fail
import pytest

from peertui.core.store import Store
from peertui.paths import resolve_paths

PASSPHRASE = "a long and private passphrase"  # the store tests' (test_store re-exports it)


@pytest.fixture
def no_keyring(monkeypatch):
    """The real fail backend, as on a machine without a keyring; restored after each test.
    Modules that want it for every test say `pytestmark = pytest.mark.usefixtures(...)`."""
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.delenv("PEERTUI_PASSPHRASE", raising=False)
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def paths(tmp_path):
    return resolve_paths(tmp_path / "home")


@pytest.fixture
def store(paths):
    with Store.open(paths, PASSPHRASE) as opened:
        yield opened
