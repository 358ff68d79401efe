"""`peertui-relay`: run the relay on one address with one data directory."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from peertui_relay.app import create_app
from peertui_relay.config import DAY_SECONDS, RelayConfig
from peertui_relay.serving import RelayServer, bind, uvicorn_config


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="peertui-relay",
        description="Relay for peertui groups: stores and forwards ciphertext.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=8765, help="port; 0 picks a free one (default 8765)"
    )
    parser.add_argument("--data-dir", default="./peertui-relay-data", help="where to store events")
    parser.add_argument(
        "--retention-days",
        type=float,
        default=14,
        help="drop events older than this many days (default 14)",
    )
    parser.add_argument(
        "--max-body-kib", type=int, default=80, help="largest request body (default 80)"
    )
    parser.add_argument(
        "--group-quota-mib", type=int, default=256, help="storage allowed per group (default 256)"
    )
    parser.add_argument(
        "--rate-per-second",
        type=float,
        default=20.0,
        help="requests per second allowed per key (default 20)",
    )
    parser.add_argument(
        "--rate-burst", type=int, default=100, help="burst allowed per key (default 100)"
    )
    parser.add_argument("--max-groups", type=int, default=10_000, help="groups this relay accepts")
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="log each request line (includes client addresses; off by default)",
    )
    # For tests and benchmarks: second-level retention and purge timing, faster keepalives.
    parser.add_argument("--retention-seconds", type=float, help=argparse.SUPPRESS)
    parser.add_argument(
        "--purge-interval-seconds", type=float, default=600.0, help=argparse.SUPPRESS
    )
    parser.add_argument("--keepalive-seconds", type=float, default=15.0, help=argparse.SUPPRESS)
    parser.add_argument("--max-db-pages", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--storage-retry-seconds", type=float, default=15.0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def config_from_args(args: argparse.Namespace) -> RelayConfig:
    retention = (
        args.retention_seconds if args.retention_seconds else args.retention_days * DAY_SECONDS
    )
    return RelayConfig(
        data_dir=Path(args.data_dir),
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
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    config = config_from_args(args)
    try:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(f"peertui-relay: cannot start: {exc.strerror or exc}", file=sys.stderr)
        return 1
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(
        f"peertui-relay listening on http://{shown}:{port} storing in {config.data_dir.resolve()}",
        flush=True,
    )
    server = RelayServer(uvicorn_config(create_app(config), access_log=args.access_log))
    server.run(sockets=[sock])  # uvicorn handles SIGINT/SIGTERM: stops accepting, then exits
    return 0


if __name__ == "__main__":
    sys.exit(main())
