#!/usr/bin/env bash
# One entry point for a fresh machine: `./dev.sh run [args]` sets up and starts peertui,
# `./dev.sh test [pytest args]` sets up and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")"

ensure_debian_packages() {
    # tmux drives the real app in the terminal tests; unshare (util-linux) cuts the network;
    # fenrir is the screen reader plain mode is tested under (its PTY mode, speech logged);
    # node and npm run the second implementation of the protocol (tests/conformance);
    # postgresql's initdb and pg_ctl start the throwaway database of the cluster-mode tests.
    local missing=()
    command -v tmux >/dev/null 2>&1 || missing+=(tmux)
    command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
    command -v fenrir >/dev/null 2>&1 || missing+=(fenrir)
    command -v node >/dev/null 2>&1 || missing+=(nodejs)
    command -v npm >/dev/null 2>&1 || missing+=(npm)
    # PostgreSQL's server programs: the relay's cluster-mode tests start a throwaway server.
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
    if [ ${#missing[@]} -gt 0 ]; then
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

ensure_venv() {
    local extra="$1"
    if [ ! -x .venv/bin/python ]; then
        python3 -m venv .venv
    fi
    local stamp=".venv/.installed-$extra"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        .venv/bin/python -m pip install -q --upgrade pip
        if [ "$extra" = test ]; then
            .venv/bin/python -m pip install -q -e '.[test]'
        else
            .venv/bin/python -m pip install -q -e .
        fi
        touch "$stamp"
    fi
}

ensure_conformance_modules() {
    # The pinned libsodium-wrappers-sumo from package-lock.json; the npm cache is used first,
    # so a machine that has installed it once needs no network for it again.
    local dir=tests/conformance
    local stamp="$dir/node_modules/.installed"
    if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
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
        exec .venv/bin/python -m pytest "$@"
        ;;
    *)
        echo "usage: ./dev.sh run|relay|test [args]" >&2
        exit 2
        ;;
esac
