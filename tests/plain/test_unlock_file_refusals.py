"""A home whose unlock file is gone or damaged: plain mode says so in one sentence (worded by
peertui.ui.unlock from the store's facts), exits 1 and touches nothing. These refusals had
tests of the store only, never of what a person running peertui reads."""

from __future__ import annotations

import pexpect
import pytest
from tests.plain.people import PlainUser

from peertui.paths import resolve_paths

pytestmark = pytest.mark.timeout(90)


def _refused(home, sentence: str) -> str:
    user = PlainUser(home)
    try:
        user.expect_exact(sentence)
        user.child.expect(pexpect.EOF)
        user.child.close()
        assert user.child.exitstatus == 1
    finally:
        user.close()
    assert "Traceback" not in user.transcript
    return user.transcript


def test_a_missing_or_damaged_unlock_file_is_one_sentence_and_exit_1(tmp_path):
    home = tmp_path / "home"
    first = PlainUser(home)
    try:
        first.ready()
        assert first.quit() == 0
    finally:
        first.close()
    paths = resolve_paths(home)
    kept = paths.unlock_file.read_bytes()

    paths.unlock_file.write_text("{not json", encoding="utf-8")
    _refused(home, f"!! The unlock file {paths.unlock_file} is damaged (not JSON)")

    paths.unlock_file.unlink()
    said = _refused(
        home,
        f"!! The peertui database in {paths.data_dir} has no unlock file "
        f"({paths.unlock_file.name}), so its key cannot be found.",
    )
    assert not paths.unlock_file.exists(), "a refused home is not given a new key"
    assert "no unlock file" in said

    paths.unlock_file.write_bytes(kept)  # put back, the home opens as before
    again = PlainUser(home)
    try:
        again.ready()
        assert again.quit() == 0
    finally:
        again.close()
