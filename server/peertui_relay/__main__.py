"""`peertui-relay`: run the relay on one address with one data directory.

Every option can also come from an environment variable (`PEERTUI_RELAY_` + the option in
capitals, e.g. PEERTUI_RELAY_RETENTION_DAYS=7) or from a TOML file (`--config FILE`, keys as
the options with underscores: `retention_days = 7`). The command line wins over the
environment, which wins over the file. `peertui-relay backup FILE` and `peertui-relay restore
FILE` work on the store of the same data directory.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

from peertui_relay import admin
from peertui_relay.app import create_app
from peertui_relay.config import DAY_SECONDS, RelayConfig
from peertui_relay.serving import (
    DEFAULT_HTTP,
    DEFAULT_LOOP,
    PROTOCOLS,
    SWITCH_INTERVAL_SECONDS,
    RelayServer,
    bind,
    uvicorn_config,
)

ENV_PREFIX = "PEERTUI_RELAY_"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("peertui-relay")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="peertui-relay",
        description="Relay for peertui groups: stores and forwards ciphertext. "
        "Every option is also read from PEERTUI_RELAY_<OPTION> and from --config FILE (TOML).",
    )
    add = parser.add_argument
    add("--version", action="version", version=f"peertui-relay {_version()}")
    add("--config", help="TOML file with any of these options (underscores for dashes)")
    add("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    add("--port", type=int, default=8765, help="port; 0 picks a free one (default 8765)")
    add("--data-dir", default="./peertui-relay-data", help="where to store events")
    add(
        "--database",
        default="",
        help="postgresql://... to run in cluster mode: several relay processes share that "
        "database (default: SQLite in --data-dir, one process)",
    )
    add("--retention-days", type=float, default=14, help="drop events older than this (14)")
    add("--max-body-kib", type=int, default=80, help="largest request body (default 80)")
    add("--group-quota-mib", type=int, default=256, help="storage per group (default 256)")
    add("--rate-per-second", type=float, default=20.0, help="requests/s per key (default 20)")
    add("--rate-burst", type=int, default=100, help="burst allowed per key (default 100)")
    add("--max-groups", type=int, default=10_000, help="groups this relay accepts")
    add("--public-url", default="", help="the address clients use (needed behind a proxy)")
    add(
        "--group-creation",
        choices=["open", "token", "allowlist"],
        default="open",
        help="who may create groups: anyone (rate-limited per address), holders of "
        "--creation-token, or owner keys listed in --creation-allowlist (default open)",
    )
    add("--creation-token", default="", help="secret a group's creator must present")
    add("--creation-allowlist", default="", help="file of base64 owner keys, one per line")
    add("--creations-per-hour", type=int, default=10, help="new groups per address per hour")
    add("--max-streams-per-key", type=int, default=8, help="open event streams per key (8)")
    add("--max-streams-per-address", type=int, default=30, help="streams per client address")
    add(
        "--limit-concurrency",
        type=int,
        default=10_000,
        help="connections and requests at once (at most the open-file limit less 256)",
    )
    add("--max-connections-per-address", type=int, default=64, help="per client address")
    add("--header-timeout", type=float, default=10.0, help="seconds to send request headers")
    add("--body-timeout", type=float, default=30.0, help="seconds to send a request body")
    add(
        "--reclaim-idle-groups",
        type=_boolean,
        default=True,
        help="delete groups with no event for longer than their retention (default true)",
    )
    add(
        "--session-seconds",
        type=float,
        default=1800.0,
        help="how long a request session lasts (PROTOCOL.md §11.1; default 1800)",
    )
    add(
        "--session-max-requests",
        type=int,
        default=20_000,
        help="requests one session may authenticate (default 20000)",
    )
    add("--metrics-token", default="", help="bearer token for /v1/metrics (else it is off)")
    add("--metrics-port", type=int, default=0, help="also serve /metrics on 127.0.0.1:PORT")
    add(
        "--access-log",
        type=_boolean,
        nargs="?",
        const=True,
        default=False,
        help="log each request line (includes client addresses; off by default)",
    )
    # For tests and benchmarks: second-level retention and purge timing, faster keepalives.
    hidden = argparse.SUPPRESS
    add("--retention-seconds", type=float, help=hidden)
    add("--purge-interval-seconds", type=float, default=600.0, help=hidden)
    add("--keepalive-seconds", type=float, default=15.0, help=hidden)
    add("--max-db-pages", type=int, default=0, help=hidden)
    # For benchmarks comparing server stacks (bench/relay_fanout.py).
    add("--http-parser", choices=sorted(PROTOCOLS), default=DEFAULT_HTTP, help=hidden)
    add("--event-loop", choices=("asyncio", "uvloop"), default=DEFAULT_LOOP, help=hidden)
    add("--storage-retry-seconds", type=float, default=15.0, help=hidden)
    add("--unknown-key-rate", type=float, default=10.0, help=hidden)
    add("--write-timeout-seconds", type=float, default=30.0, help=hidden)
    return parser


def _boolean(text: str) -> bool:
    value = str(text).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"'{text}' is not true or false")


class ConfigError(Exception):
    pass


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line over environment over config file over defaults."""
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    first, _ = parser.parse_known_args(argv)
    dests = {a.dest: a for a in parser._actions if a.dest not in ("help", "version", "config")}
    defaults: dict[str, object] = {}
    config_file = first.config or os.environ.get(ENV_PREFIX + "CONFIG")
    if config_file:
        try:
            with open(config_file, "rb") as handle:
                table = tomllib.load(handle)
        except OSError as exc:
            raise ConfigError(f"cannot read {config_file}: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_file} is not valid TOML: {exc}") from None
        for key, value in table.items():
            dest = key.replace("-", "_")
            if dest not in dests:
                raise ConfigError(f"{config_file}: unknown option '{key}'")
            defaults[dest] = _converted(dests[dest], value, f"{config_file}: {key}")
    for dest, action in dests.items():
        raw = os.environ.get(ENV_PREFIX + dest.upper())
        if raw is not None:
            defaults[dest] = _converted(action, raw, ENV_PREFIX + dest.upper())
    parser.set_defaults(**defaults)
    return parser.parse_args(argv)


def _converted(action: argparse.Action, value: object, where: str) -> object:
    convert: Callable[[str], object] = action.type if callable(action.type) else str
    try:
        result = convert(
            value
            if isinstance(value, str)
            else str(value).lower()
            if isinstance(value, bool)
            else str(value)
        )
    except (ValueError, argparse.ArgumentTypeError) as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if action.choices and result not in action.choices:
        raise ConfigError(f"{where}: must be one of {', '.join(action.choices)}")
    return result


def config_from_args(args: argparse.Namespace) -> RelayConfig:
    retention = (
        args.retention_seconds if args.retention_seconds else args.retention_days * DAY_SECONDS
    )
    allowlist: frozenset[str] = frozenset()
    if args.creation_allowlist:
        try:
            lines = Path(args.creation_allowlist).read_text().split()
        except OSError as exc:
            raise ConfigError(
                f"cannot read {args.creation_allowlist}: {exc.strerror or exc}"
            ) from None
        allowlist = frozenset(line.strip() for line in lines if line.strip())
    if args.group_creation == "token" and not args.creation_token:
        raise ConfigError("--group-creation token needs --creation-token")
    if args.group_creation == "allowlist" and not allowlist:
        raise ConfigError("--group-creation allowlist needs a non-empty --creation-allowlist")
    if args.database and not args.database.startswith(("postgresql://", "postgres://")):
        raise ConfigError("--database must be a postgresql:// URL")
    if args.database:
        try:
            import psycopg  # noqa: F401
            import psycopg_pool  # noqa: F401
        except ImportError:
            raise ConfigError(
                "--database needs the PostgreSQL driver: pip install 'peertui-relay[postgres]'"
            ) from None
    return RelayConfig(
        data_dir=Path(args.data_dir),
        database=args.database,
        retention_seconds=retention,
        purge_interval_seconds=args.purge_interval_seconds,
        keepalive_seconds=args.keepalive_seconds,
        max_body_bytes=args.max_body_kib * 1024,
        group_quota_bytes=args.group_quota_mib * 1024 * 1024,
        rate_per_second=args.rate_per_second,
        rate_burst=args.rate_burst,
        max_groups=args.max_groups,
        max_db_pages=args.max_db_pages,
        storage_retry_seconds=args.storage_retry_seconds,
        public_url=args.public_url,
        max_streams_per_key=args.max_streams_per_key,
        max_streams_per_address=args.max_streams_per_address,
        group_creation=args.group_creation,
        creation_token=args.creation_token,
        creation_allowlist=allowlist,
        creations_per_hour=args.creations_per_hour,
        unknown_key_rate=args.unknown_key_rate,
        reclaim_idle_groups=args.reclaim_idle_groups,
        metrics_token=args.metrics_token,
        metrics_port=args.metrics_port,
        body_timeout=args.body_timeout,
        write_timeout=args.write_timeout_seconds,
        session_seconds=args.session_seconds,
        session_max_requests=args.session_max_requests,
    )


def raise_open_file_limit() -> int:
    """Raise the soft limit on open files to the hard limit: 1,024 would let a few thousand
    half-open connections lock everyone out."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65_536)
    if wanted > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return soft


def _admin(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"peertui-relay {argv[0]}")
    parser.add_argument("file", help="the backup file")
    parser.add_argument("--data-dir", default=None, help="the relay's data directory")
    parser.add_argument("--config", default=None, help="the relay's TOML config file")
    args = parser.parse_args(argv[1:])
    relay_args = ["--config", args.config] if args.config else []
    if args.data_dir:
        relay_args += ["--data-dir", args.data_dir]
    try:
        parsed = parse_args(relay_args)
        if parsed.database:
            raise admin.AdminError(
                "in cluster mode the store is the PostgreSQL database: back it up with "
                "pg_dump or WAL archiving (docs/HOSTING.md)"
            )
        data_dir = Path(parsed.data_dir)
        if argv[0] == "backup":
            size = admin.backup(data_dir, Path(args.file))
            print(f"peertui-relay: backup written to {Path(args.file).resolve()} ({size} bytes)")
        else:
            groups = admin.restore(Path(args.file), data_dir)
            print(
                f"peertui-relay: restored {groups} groups into {data_dir.resolve()}; each has a "
                "new log epoch, so clients re-read their logs"
            )
    except (admin.AdminError, ConfigError) as exc:
        print(f"peertui-relay {argv[0]}: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("backup", "restore"):
        return _admin(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    try:
        args = parse_args(argv)
        config = config_from_args(args)
    except ConfigError as exc:
        print(f"peertui-relay: {exc}", file=sys.stderr)
        return 2
    lock = admin.store_lock(config.data_dir)
    try:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        if not config.database:  # cluster mode: many processes on one database, on purpose
            admin.acquire(lock, config.data_dir)
        sock = bind(args.host, args.port)
        metrics_sock = bind("127.0.0.1", args.metrics_port) if args.metrics_port else None
    except admin.AdminError as exc:
        print(f"peertui-relay: cannot start: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"peertui-relay: cannot start: {exc.strerror or exc}", file=sys.stderr)
        return 1
    if config.database:
        problem = _database_problem(config.database)
        if problem:
            print(f"peertui-relay: cannot start: {problem}", file=sys.stderr)
            return 1
    open_files = raise_open_file_limit()
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    where = _redacted(config.database) if config.database else config.data_dir.resolve()
    print(f"peertui-relay listening on http://{shown}:{port} storing in {where}", flush=True)
    app = create_app(config)
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    server = RelayServer(
        uvicorn_config(
            app,
            access_log=args.access_log,
            limit_concurrency=max(64, min(args.limit_concurrency, open_files - 256)),
            header_timeout=args.header_timeout,
            body_timeout=args.body_timeout,
            max_connections_per_address=args.max_connections_per_address,
            http=args.http_parser,
            loop=args.event_loop,
        )
    )
    server.run(sockets=[sock] + ([metrics_sock] if metrics_sock else []))
    if lock.is_locked:
        lock.release()
    return 0


def _database_problem(url: str) -> str:
    """A sentence if the cluster database cannot be reached now, else ""."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10):
            return ""
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"cannot reach the PostgreSQL database {_redacted(url)} ({reason})"


def _redacted(url: str) -> str:
    """The database URL without its password, for the start-up line."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


if __name__ == "__main__":
    sys.exit(main())
