"""Operator basics (issue 11): --version, a TOML config file and an environment variable for
every option (command line > environment > file), clear sentences for bad settings, and a
health check that looks at the store."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version

import httpx
import pytest
from tests.conftest import RelayProcess

from peertui_relay.__main__ import ConfigError, build_parser, parse_args

pytestmark = pytest.mark.timeout(60)


def test_version():
    result = subprocess.run(
        [sys.executable, "-m", "peertui_relay", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"peertui-relay {version('peertui-relay')}"


def test_every_option_has_an_environment_variable_and_a_config_key(tmp_path, monkeypatch):
    config = tmp_path / "relay.toml"
    config.write_text(
        'retention_days = 3\nmax_groups = 7\ngroup_creation = "token"\n'
        'creation_token = "from-file"\nreclaim_idle_groups = false\naccess_log = true\n'
    )
    monkeypatch.setenv("PEERTUI_RELAY_MAX_GROUPS", "9")
    args = parse_args(["--config", str(config), "--retention-days", "5"])
    assert (args.retention_days, args.max_groups, args.group_creation) == (5, 9, "token")
    assert (args.creation_token, args.reclaim_idle_groups, args.access_log) == (
        "from-file",
        False,
        True,
    )
    options = [a.dest for a in build_parser()._actions if a.dest not in ("help", "version")]
    for dest in options:
        if dest == "config":
            continue
        action = next(a for a in build_parser()._actions if a.dest == dest)
        sample = {int: "3", float: "2.5"}.get(
            action.type, "true" if dest in ("reclaim_idle_groups", "access_log") else "x"
        )
        if action.choices:
            sample = action.choices[0]
        monkeypatch.setenv("PEERTUI_RELAY_" + dest.upper(), sample)
        assert str(getattr(parse_args([]), dest)).lower() in (sample, "2.5", "3")
        monkeypatch.delenv("PEERTUI_RELAY_" + dest.upper())


def test_bad_settings_are_sentences(tmp_path, monkeypatch):
    config = tmp_path / "relay.toml"
    config.write_text("retension_days = 3\n")
    with pytest.raises(ConfigError, match="unknown option 'retension_days'"):
        parse_args(["--config", str(config)])
    config.write_text("max_groups = 'many'\n")
    with pytest.raises(ConfigError, match="max_groups"):
        parse_args(["--config", str(config)])
    result = subprocess.run(
        [sys.executable, "-m", "peertui_relay", "--config", str(config)],
        capture_output=True,
        text=True,
        env={**os.environ, "PEERTUI_RELAY_DATA_DIR": str(tmp_path / "d")},
    )
    assert result.returncode == 2 and result.stderr.startswith("peertui-relay: ")
    assert "Traceback" not in result.stderr


def test_a_second_relay_on_the_same_store_is_refused(relay, tmp_path):
    second = subprocess.run(
        [sys.executable, "-m", "peertui_relay", "--port", "0", "--data-dir", str(relay.data_dir)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert second.returncode == 1 and "another peertui-relay is using" in second.stderr


def test_metrics_on_their_own_loopback_port(tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    relay = RelayProcess(tmp_path / "relay", "--metrics-port", str(port)).start()
    try:
        assert httpx.get(relay.url + "/v1/metrics").status_code == 404
        text = httpx.get(f"http://127.0.0.1:{port}/v1/metrics", timeout=5).text
        assert "peertui_relay_groups 0" in text
    finally:
        relay.stop()
