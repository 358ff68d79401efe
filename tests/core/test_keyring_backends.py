"""Keyrings that would keep the database key in a readable file are refused.

These use the real keyrings.alt backends (a test dependency), writing under a temporary
XDG_DATA_HOME; only an OS keyring, which this machine cannot have, is stood in for.
"""

from __future__ import annotations

import json
import re

import keyring
import keyring.backends.chainer
import keyring.backends.fail
import pytest
from keyrings.alt.file import PlaintextKeyring
from tests.core.test_store import PASSPHRASE, MemoryKeyring

from peertui.core.store import NoKeyAvailable, Store
from peertui.paths import resolve_paths
from peertui.ui.problems import problem
from peertui.ui.unlock import keyring_refused


@pytest.fixture(autouse=True)
def keyring_files(tmp_path, monkeypatch):
    """keyrings.alt writes under XDG_DATA_HOME: point it at the test's own folder."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("PEERTUI_PASSPHRASE", raising=False)
    previous = keyring.get_keyring()
    yield tmp_path / "xdg"
    keyring.set_keyring(previous)


def _files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_file_keyring_is_refused_and_the_passphrase_used(tmp_path, keyring_files):
    backend_class = PlaintextKeyring
    backend = backend_class()
    assert str(keyring_files) in backend.file_path  # the real backend, writing where we look
    keyring.set_keyring(backend)
    paths = resolve_paths(tmp_path / "home")
    with Store.open(paths, passphrase=PASSPHRASE) as store:
        [refused] = store.notices
    notice = keyring_refused(refused)
    assert "plain file" in notice and backend_class.__name__ in notice
    assert json.loads(paths.unlock_file.read_text())["source"] == "passphrase"
    assert _files(keyring_files) == []  # nothing was written to the keyring's file
    with Store.open(paths, passphrase=PASSPHRASE) as again:
        assert again.notices == []  # said once, when the home was made


def test_without_a_passphrase_the_refusal_says_why(tmp_path, keyring_files):
    keyring.set_keyring(PlaintextKeyring())
    with pytest.raises(NoKeyAvailable) as refused:
        Store.open(resolve_paths(tmp_path / "home"))
    words = problem(refused.value)
    assert "PlaintextKeyring" in words and "plain file" in words and "PEERTUI_PASSPHRASE" in words
    assert _files(keyring_files) == []


def test_the_default_keyring_here_is_keyrings_alt_and_is_refused(
    tmp_path, keyring_files, monkeypatch
):
    """With keyrings.alt installed and no OS keyring, keyring's own choice is the plaintext
    file; peertui must not follow it."""
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)  # tests/conftest.py sets it
    keyring.core.init_backend()  # keyring's own choice, as in a fresh process
    assert type(keyring.get_keyring()).__module__.startswith("keyrings.alt")
    paths = resolve_paths(tmp_path / "home")
    with Store.open(paths, passphrase=PASSPHRASE) as store:
        assert store.notices
    assert json.loads(paths.unlock_file.read_text())["source"] == "passphrase"
    assert _files(keyring_files) == []


def test_a_chain_uses_its_safe_keyring_and_never_falls_through_to_a_file(
    tmp_path, keyring_files, monkeypatch
):
    safe, plain = MemoryKeyring(), PlaintextKeyring()
    chain = keyring.backends.chainer.ChainerBackend()
    monkeypatch.setattr(type(chain), "backends", [plain, safe], raising=False)
    keyring.set_keyring(chain)
    paths = resolve_paths(tmp_path / "home")
    with Store.open(paths) as store:
        assert store.notices == []
    assert json.loads(paths.unlock_file.read_text())["source"] == "keyring"
    assert len(safe.entries) == 1 and _files(keyring_files) == []


def test_a_chain_of_only_unsafe_keyrings_is_refused(tmp_path, keyring_files, monkeypatch):
    chain = keyring.backends.chainer.ChainerBackend()
    monkeypatch.setattr(
        type(chain),
        "backends",
        [PlaintextKeyring(), keyring.backends.fail.Keyring()],
        raising=False,
    )
    keyring.set_keyring(chain)
    with pytest.raises(NoKeyAvailable) as refused:
        Store.open(resolve_paths(tmp_path / "home"))
    assert re.search("PlaintextKeyring", problem(refused.value))
    assert _files(keyring_files) == []


def test_a_keyring_home_is_not_read_through_a_file_keyring(tmp_path, keyring_files):
    safe = MemoryKeyring()
    keyring.set_keyring(safe)
    paths = resolve_paths(tmp_path / "home")
    Store.open(paths).close()
    # Later the OS keyring is gone and keyrings.alt answers instead: refused, nothing written.
    keyring.set_keyring(PlaintextKeyring())
    with pytest.raises(NoKeyAvailable) as refused:
        Store.open(paths)
    assert re.search("no safe keyring", problem(refused.value))
    assert _files(keyring_files) == []
