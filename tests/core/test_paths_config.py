"""Where peertui keeps its files, and how it reads and writes settings."""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path

import pytest

from peertui.config import Settings, load_settings, save_settings
from peertui.paths import resolve_paths


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_home_argument_lays_out_every_path_and_makes_private_dirs(tmp_path):
    paths = resolve_paths(tmp_path / "home")
    home = (tmp_path / "home").resolve()
    assert paths.home == home
    assert paths.config_file == home / "config.toml"
    assert paths.themes_dir == home / "themes"
    assert paths.data_dir == home / "data"
    assert paths.db_file == home / "data" / "peertui.db"
    assert paths.exports_dir == home / "exports"
    for directory in (paths.home, paths.data_dir, paths.themes_dir, paths.exports_dir):
        assert directory.is_dir()
        assert mode(directory) == 0o700


def test_existing_home_chosen_by_the_user_keeps_its_permissions(tmp_path):
    existing = tmp_path / "mine"
    existing.mkdir(mode=0o755)
    existing.chmod(0o755)
    paths = resolve_paths(existing)
    assert mode(existing) == 0o755
    assert mode(paths.data_dir) == 0o700


def test_create_false_touches_nothing(tmp_path):
    paths = resolve_paths(tmp_path / "later", create=False)
    assert paths.db_file == (tmp_path / "later" / "data" / "peertui.db").resolve()
    assert not (tmp_path / "later").exists()


def test_argument_beats_environment_which_beats_platform_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("PEERTUI_HOME", str(tmp_path / "from-env"))
    assert resolve_paths(tmp_path / "from-arg").home == (tmp_path / "from-arg").resolve()
    assert resolve_paths().home == (tmp_path / "from-env").resolve()
    assert resolve_paths("").home == (tmp_path / "from-env").resolve()

    monkeypatch.delenv("PEERTUI_HOME")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    paths = resolve_paths()
    assert paths.config_file == tmp_path / "xdg-config" / "peertui" / "config.toml"
    assert paths.themes_dir == tmp_path / "xdg-config" / "peertui" / "themes"
    assert paths.db_file == tmp_path / "xdg-data" / "peertui" / "peertui.db"
    assert mode(paths.data_dir) == 0o700


def test_home_from_the_command_line_reaches_resolve_paths(tmp_path, monkeypatch):
    from peertui.__main__ import build_parser

    monkeypatch.setenv("PEERTUI_HOME", str(tmp_path / "env"))
    args = build_parser().parse_args(["--plain", "--home", str(tmp_path / "cli")])
    assert resolve_paths(args.home).home == (tmp_path / "cli").resolve()
    args = build_parser().parse_args(["--plain"])
    assert resolve_paths(args.home).home == (tmp_path / "env").resolve()


def test_missing_config_gives_defaults_without_problems(tmp_path):
    settings, problems = load_settings(resolve_paths(tmp_path))
    assert settings == Settings()
    assert settings.theme == "dark"
    assert settings.reduced_motion is False
    assert settings.history_retention_days == 0
    assert settings.keybindings == {}
    assert problems == []


def test_settings_round_trip_through_an_owner_only_file(tmp_path):
    paths = resolve_paths(tmp_path)
    chosen = Settings(
        theme="calm",
        reduced_motion=True,
        country="NZ",
        language="mi",
        history_retention_days=30,
        proxy="socks5://u:p@127.0.0.1:9050",
        keybindings={"quick_exit": "ctrl+q", "crisis": "f1"},
    )
    save_settings(paths, chosen)
    assert mode(paths.config_file) == 0o600
    # The proxy and retention are not written here: the engine keeps them encrypted.
    public = dataclasses.replace(chosen, history_retention_days=0, proxy="")
    assert load_settings(paths) == (public, [])
    assert "socks5" not in paths.config_file.read_text()
    assert [p.name for p in paths.config_dir.iterdir() if p.name.endswith(".tmp")] == []


def test_malformed_toml_is_a_problem_not_a_crash(tmp_path):
    paths = resolve_paths(tmp_path)
    paths.config_file.write_text('theme = "calm\nreduced_motion = = true\n')
    settings, problems = load_settings(paths)
    assert settings == Settings()
    assert len(problems) == 1
    assert "not valid TOML" in problems[0] and "using default settings" in problems[0]


def test_non_utf8_and_unreadable_config_are_problems(tmp_path):
    paths = resolve_paths(tmp_path)
    paths.config_file.write_bytes(b'theme = "\xff\xfe"\n')
    settings, problems = load_settings(paths)
    assert settings == Settings() and len(problems) == 1

    paths.config_file.unlink()
    paths.config_file.mkdir()  # a folder where the file should be
    settings, problems = load_settings(paths)
    assert settings == Settings()
    assert "could not be read" in problems[0]


def test_wrong_types_and_unknown_keys_are_reported_and_defaults_used(tmp_path):
    paths = resolve_paths(tmp_path)
    paths.config_file.write_text(
        "\n".join(
            [
                'theme = "light"',
                'reduced_motion = "yes"',
                "history_retention_days = true",
                "country = 44",
                'colour = "blue"',
                'proxy = "tor please"',
                "[keybindings]",
                'quick_exit = "ctrl+q"',
                "crisis = 5",
            ]
        )
    )
    settings, problems = load_settings(paths)
    # Good values survive next to bad ones.
    assert settings.theme == "light"
    assert settings.keybindings == {"quick_exit": "ctrl+q"}
    assert settings.reduced_motion is False
    assert settings.history_retention_days == 0
    assert settings.country == ""
    assert settings.proxy == ""
    assert len(problems) == 6
    text = "\n".join(problems)
    assert "'reduced_motion' must be true or false" in text
    assert "'history_retention_days' must be a whole number, not true" in text
    assert "'country' must be text in quotes, not 44" in text
    assert "Unknown setting 'colour'" in text
    assert "'proxy' must be a URL" in text
    assert "Key binding 'crisis'" in text
    assert all(p.endswith(".") for p in problems)


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("history_retention_days = -3", "cannot be negative"),
        ('country = "Britain"', "two-letter country code"),
        ('theme = "  "', "'theme' is empty"),
        ("keybindings = 3", "'keybindings' must be a table"),
    ],
)
def test_out_of_range_values_are_reported(tmp_path, line, fragment):
    paths = resolve_paths(tmp_path)
    paths.config_file.write_text(line + "\n")
    settings, problems = load_settings(paths)
    assert settings == Settings()
    assert len(problems) == 1 and fragment in problems[0]


def test_country_is_normalised_to_upper_case(tmp_path):
    paths = resolve_paths(tmp_path)
    paths.config_file.write_text('country = "de"\n')
    assert load_settings(paths) == (Settings(country="DE"), [])


def test_paths_config_and_store_never_load_textual():
    import subprocess
    import sys

    code = (
        "import sys, peertui.paths, peertui.config, peertui.core.store, peertui.core.keys; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
