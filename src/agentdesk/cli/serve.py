"""`agentdesk serve`: run the reference server (FastAPI on uvicorn).

The database is opened and migrated before listening, so a bad URL, an unreachable server
or a schema newer than this code is one clear line, not a traceback.
"""

from __future__ import annotations

import argparse
import os
import socket

from agentdesk.cli.errors import UserError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
KEEP_ALIVE_SECONDS = 75  # above common client pools' idle limits, like nginx's default


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="run the reference sync server")
    parser.add_argument(
        "--db",
        default=None,
        metavar="URL",
        help="sqlite:///FILE or postgresql+psycopg://USER@HOST/DB "
        "(default: server.sqlite3 in the data directory)",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.set_defaults(handler=serve)


def _check_port(host: str, port: int) -> None:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UserError(f"cannot resolve host {host!r}: {exc.strerror}") from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise UserError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from agentdesk.paths import server_db_url
    from agentdesk.server.app import DB_URL_ENV, create_app
    from agentdesk.server.db import DatabaseError, open_database

    if not 0 < args.port < 65536:
        raise UserError(f"--port must be between 1 and 65535, not {args.port}")
    if args.workers < 1:
        raise UserError("--workers must be at least 1")
    url = args.db or server_db_url()
    try:
        engine = open_database(url)
    except DatabaseError as exc:
        raise UserError(str(exc)) from None
    _check_port(args.host, args.port)
    print(f"agentdesk server on http://{args.host}:{args.port} (workers: {args.workers})")
    options = {
        "host": args.host,
        "port": args.port,
        "timeout_graceful_shutdown": 3,
        # sync clients come back between pulls: uvicorn's 5 s default closed busy clients'
        # connections just as they reused them ("Server disconnected without a response")
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
    }
    if args.workers == 1:
        uvicorn.run(create_app(engine=engine), **options)  # type: ignore[arg-type]
    else:
        engine.dispose()
        os.environ[DB_URL_ENV] = url
        uvicorn.run(
            "agentdesk.server.app:app_from_env",
            factory=True,
            workers=args.workers,
            **options,  # type: ignore[arg-type]
        )
    return 0
