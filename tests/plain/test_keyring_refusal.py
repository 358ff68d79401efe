"""A real `peertui --plain` on a machine whose keyring is keyrings.alt's plaintext file: the
file is never written, the passphrase is used, and the reason is said once."""

from __future__ import annotations

import json

import pytest
from tests.plain.people import PlainUser

from peertui.paths import resolve_paths

pytestmark = pytest.mark.timeout(60)


def test_plain_mode_refuses_the_plaintext_keyring_and_says_why_once(tmp_path, monkeypatch):
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)  # keyring's own choice
    xdg = tmp_path / "xdg"
    monkeypatch.setenv("XDG_DATA_HOME", str(xdg))
    first = PlainUser(tmp_path / "home")
    try:
        first.ready()
        assert first.quit() == 0
    finally:
        first.close()
    [notice] = [line for line in first.lines() if "plain file" in line]
    assert "keyrings.alt" in notice and "passphrase" in notice
    second = PlainUser(tmp_path / "home")
    try:
        second.ready()
        assert second.quit() == 0
    finally:
        second.close()
    assert not any("plain file" in line for line in second.lines())
    assert not xdg.exists() or [p for p in xdg.rglob("*") if p.is_file()] == []
    unlock = json.loads(resolve_paths(tmp_path / "home").unlock_file.read_text())
    assert unlock["source"] == "passphrase"
