"""Settings that reveal something stay out of the plain config file; the ones safety needs
before the passphrase stay in it (and THREAT_MODEL.md says so)."""

from __future__ import annotations

from peertui.config import load_settings
from peertui.core.engine import Engine
from peertui.core.models import PrivateSettingsMoved
from peertui.paths import resolve_paths
from peertui.ui.problems import startup_note

PASSPHRASE = "a long and private passphrase"
TOR = "socks5h://127.0.0.1:9050"


async def test_proxy_and_retention_are_kept_encrypted(tmp_path):
    paths = resolve_paths(tmp_path / "home")
    engine = await Engine.open(paths, passphrase=PASSPHRASE)
    engine.settings.proxy = TOR
    engine.settings.history_retention_days = 30
    engine.settings.country = "NZ"
    engine.settings.language = "pt"
    engine.save_settings()
    await engine.close()

    text = paths.config_file.read_text()
    assert "socks5" not in text and "proxy" not in text and "retention" not in text
    everything = b"".join(p.read_bytes() for p in paths.home.rglob("*") if p.is_file())
    assert TOR.encode() not in everything  # not in the database either: it is encrypted
    # Before unlocking, crisis lines and grounding still know the country and language.
    before_unlock, problems = load_settings(paths)
    assert (before_unlock.country, before_unlock.language, problems) == ("NZ", "pt", [])
    assert before_unlock.proxy == ""

    again = await Engine.open(paths, passphrase=PASSPHRASE)
    assert (again.settings.proxy, again.settings.history_retention_days) == (TOR, 30)
    await again.close()


async def test_a_proxy_written_into_config_toml_is_used_then_moved(tmp_path):
    paths = resolve_paths(tmp_path / "home")
    (await Engine.open(paths, passphrase=PASSPHRASE)).store.close()
    paths.config_file.write_text(f'country = "GB"\nproxy = "{TOR}"\n')
    engine = await Engine.open(paths, passphrase=PASSPHRASE)
    assert engine.settings.proxy == TOR
    (moved,) = [p for p in engine.startup_problems if isinstance(p, PrivateSettingsMoved)]
    assert moved.names == ("proxy",) and moved.config_file == paths.config_file
    said = startup_note(moved)
    assert said.startswith("Moved proxy from config.toml") and "encrypted" in said
    await engine.close()
    assert "proxy" not in paths.config_file.read_text()
    assert 'country = "GB"' in paths.config_file.read_text()
    later = await Engine.open(paths, passphrase=PASSPHRASE)
    assert later.settings.proxy == TOR and later.startup_problems == []
    await later.close()


async def test_a_bad_stored_value_is_reported_and_the_default_used(tmp_path):
    paths = resolve_paths(tmp_path / "home")
    engine = await Engine.open(paths, passphrase=PASSPHRASE)
    engine.store.put("settings.private", {"proxy": "ftp://nope", "history_retention_days": 7})
    await engine.close()
    again = await Engine.open(paths, passphrase=PASSPHRASE)
    assert again.settings.proxy == "" and again.settings.history_retention_days == 7
    assert any("proxy" in p for p in again.startup_problems)
    await again.close()
