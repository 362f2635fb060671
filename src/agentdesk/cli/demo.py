"""`agentdesk demo`: the whole product on one laptop with no setup.

Seeds a fresh SQLite database in a temporary folder, serves it in-process on a free loopback
port, logs in as a demo agent, runs the first sync, and opens the TUI. Everything (server
database, cache, profile, config) lives in that folder, so the demo never touches the user's
real profiles, and the token stays in this process's environment (no keyring needed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from agentdesk.cli.errors import UserError

DEMO_PROFILE = "demo"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="open the TUI on an embedded, freshly seeded demo server (no setup)",
        description=(
            "Seed a throwaway server, log in as a demo account and open the TUI. "
            "Nothing outside a temporary folder is touched."
        ),
    )
    parser.add_argument("--tickets", type=int, default=3000, help="tickets to seed (3000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the data (7)")
    parser.add_argument(
        "--role",
        choices=("agent", "lead", "admin"),
        default="agent",
        help="which kind of demo account to log in as (agent)",
    )
    parser.add_argument(
        "--dir", type=Path, default=None, help="keep the demo's files in this folder"
    )
    parser.add_argument(
        "--serve-only",
        action="store_true",
        help="print the server address and accounts, and serve until interrupted",
    )
    parser.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    if args.tickets < 1:
        raise UserError("--tickets must be at least 1")
    keep = args.dir is not None
    folder = args.dir or Path(tempfile.mkdtemp(prefix="agentdesk-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["AGENTDESK_HOME"] = str(folder)
    try:
        return _demo(args, folder)
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def _say(message: str) -> None:
    print(f"agentdesk demo: {message}", file=sys.stderr, flush=True)


def _demo(args: argparse.Namespace, folder: Path) -> int:
    from agentdesk import profiles
    from agentdesk.server.embedded import EmbeddedServer
    from agentdesk.server.seed import SeedError, seed_database

    db_url = f"sqlite:///{folder / 'server.sqlite3'}"
    _say(f"seeding {args.tickets:,} tickets ...")
    try:
        report = seed_database(db_url, tickets=args.tickets, seed=args.seed, password="demo")
    except SeedError as exc:
        raise UserError(str(exc)) from exc
    account = next((a for a in report.accounts if a.role == args.role), report.accounts[0])

    with EmbeddedServer(db_url) as server:
        if args.serve_only:
            _say(f"serving on {server.url}; accounts (password 'demo'):")
            for a in report.accounts:
                print(f"  {a.email:40} {a.role:6} {', '.join(a.groups)}")
            with contextlib.suppress(KeyboardInterrupt):
                server.wait()
            return 0
        token, agent = asyncio.run(_login(server.url, account.email))
        os.environ["AGENTDESK_TOKEN"] = token
        profile = profiles.Profile(
            name=DEMO_PROFILE, server=server.url, email=account.email, agent_id=agent["id"]
        )
        profiles.upsert(profile)
        _say(f"logged in as {agent['name']} <{account.email}> ({account.role}); first sync ...")
        _first_sync(profile)
        from agentdesk.tui.app import run

        return run(profile=DEMO_PROFILE)


async def _login(url: str, email: str) -> tuple[str, dict[str, Any]]:
    from agentdesk.sync import connect

    return await connect.login("reference", url, email, "demo")


def _first_sync(profile: object) -> None:
    from agentdesk.cli.session import open_cache, sync_now

    with open_cache(profile) as cache:
        outcome = sync_now(profile, cache, progress=True, require_login=True)
    if not outcome.ok:
        raise UserError(f"first sync failed: {outcome.error}")
