"""``b3os local`` / ``b3os-local`` / ``python -m b3os.local``: run the emulator in the foreground."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

__all__ = ["build_parser", "default_db", "main"]


def default_db() -> str:
    """``$XDG_DATA_HOME/b3os-local/b3os-local.db`` (``~/.local/share`` by default)."""
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return str(base / "b3os-local" / "b3os-local.db")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="b3os local", description="b3os-local: a local B3OS API for development and tests."
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8787, help="port (default 8787; 0 picks a free port)")
    parser.add_argument(
        "--db", default=None, help="SQLite file (default under the user data dir; ':memory:' ok)"
    )
    parser.add_argument(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        help="accept this API key (repeatable; also B3OS_LOCAL_API_KEYS=k1,k2)",
    )
    parser.add_argument("--heartbeat", type=float, default=15.0, help="SSE heartbeat interval in seconds")
    parser.add_argument("--stream-wait", type=float, default=30.0, help=argparse.SUPPRESS)
    return parser


def _keys(args: argparse.Namespace, db: str) -> tuple[list[str], bool]:
    """Keys from flags/env; else the key saved next to the database (or a new one)."""
    from b3os.local.backend import new_api_key

    keys = list(args.api_key)
    env = os.environ.get("B3OS_LOCAL_API_KEYS", "")
    keys += [k.strip() for k in env.split(",") if k.strip()]
    if keys:
        return keys, False
    if db == ":memory:":
        return [new_api_key()], True
    key_file = Path(db).expanduser().parent / "api-key"
    if key_file.exists():
        return [key_file.read_text().strip()], True
    key = new_api_key()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.touch(mode=0o600)
    key_file.write_text(key + "\n")
    return [key], True


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    import uvicorn

    from b3os.local.app import create_app
    from b3os.local.server import READY_PREFIX, bind_socket

    db = args.db or default_db()
    keys, generated = _keys(args, db)
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"b3os-local: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{port}"
    app = create_app(db=db, api_keys=keys, heartbeat=args.heartbeat, stream_wait=args.stream_wait)
    print(f"{READY_PREFIX}{url} (db: {db})", flush=True)
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        print(
            f"b3os-local: warning: listening on {args.host}, not loopback only", file=sys.stderr, flush=True
        )
    print(f"export B3OS_API_URL={url}", flush=True)
    if generated:  # the one place a key is ever printed: the user needs it to connect
        print(f"export B3OS_API_KEY={keys[0]}", flush=True)
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        app.backend.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
