#!/usr/bin/env bash
# One entry point for a fresh machine: `./dev.sh run [args]` sets up and starts peertui,
# `./dev.sh test [pytest args]` sets up and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")"

ensure_debian_packages() {
    # tmux drives the real app in the terminal tests; unshare (util-linux) cuts the network;
    # fenrir is the screen reader plain mode is tested under (its PTY mode, speech logged);
    # node and npm run the second implementation of the protocol (tests/conformance).
    local missing=()
    command -v tmux >/dev/null 2>&1 || missing+=(tmux)
    command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
    command -v fenrir >/dev/null 2>&1 || missing+=(fenrir)
    command -v node >/dev/null 2>&1 || missing+=(nodejs)
    command -v npm >/dev/null 2>&1 || missing+=(npm)
    if [ ${#missing[@]} -gt 0 ]; then
        say "Installing Debian packages the tests drive: ${missing[*]}…"
        # No recommends: fenrir would pull in speech-dispatcher and a sound stack it never uses
        # here (the test replaces its speech with a logger).
        local install=(apt-get install -y -qq --no-install-recommends "${missing[@]}")
        if [ "$(id -u)" = 0 ]; then
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${install[@]}"
        else
            sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive "${install[@]}"
        fi
    fi
}

say() { echo "dev.sh: $*" >&2; }

ensure_venv() {
    local extra="$1"
    if [ ! -x .venv/bin/python ]; then
        say "Creating .venv…"
        python3 -m venv .venv
    fi
    local stamp=".venv/.installed-$extra"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ server/pyproject.toml -nt "$stamp" ]; then
        local first="" target=. what="peertui and peertui-relay"
        [ -f .venv/.installed-app ] || [ -f .venv/.installed-test ] || first=" (first run, about a minute)"
        if [ "$extra" = test ]; then target='.[test]' what="$what with the test tools"; fi
        say "Updating pip…"
        .venv/bin/python -m pip install -q --upgrade pip
        say "Installing $what$first…"
        # The client depends on ./server by path (pyproject.toml), which pip installs as a
        # plain copy; installing ./server again, editable and without re-resolving, makes
        # the relay's and peertui_wire's sources in this checkout the ones that run.
        .venv/bin/python -m pip install -q -e "$target"
        .venv/bin/python -m pip install -q --no-deps -e ./server
        touch "$stamp"
        say "Installed into .venv."
    fi
}

ensure_conformance_modules() {
    # The pinned libsodium-wrappers-sumo from package-lock.json; the npm cache is used first,
    # so a machine that has installed it once needs no network for it again.
    local dir=tests/conformance
    local stamp="$dir/node_modules/.installed"
    if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
        say "Installing the conformance tests' libsodium (npm ci)…"
        (cd "$dir" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
        touch "$stamp"
    fi
}

cmd="${1:-run}"
shift || true
case "$cmd" in
    run)
        ensure_venv app
        exec .venv/bin/peertui "$@"
        ;;
    relay)
        ensure_venv app
        exec .venv/bin/peertui-relay "$@"
        ;;
    test)
        ensure_debian_packages
        ensure_venv test
        ensure_conformance_modules
        # Most tests wait on real processes (relays, tmux, Fenrir, node), not the CPU, so
        # several workers overlap the waiting even on 2 cores; a file stays on one worker
        # (its module fixtures and order kept). PEERTUI_TEST_WORKERS=0 runs in one process.
        exec .venv/bin/python -m pytest -n "${PEERTUI_TEST_WORKERS:-4}" --dist loadfile "$@"
        ;;
    *)
        echo "usage: ./dev.sh run|relay|test [args]" >&2
        exit 2
        ;;
esac
