"""`agentdesk seed`: fill a server database with realistic demo data (see `server.seed`)."""

from __future__ import annotations

import argparse
import json
import sys

from agentdesk.cli.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "seed",
        help="fill a server database with realistic, deterministic demo data",
        description=(
            "Create groups, SLA policies, agents (with logins), organisations, customers, "
            "canned responses, saved views and tickets with their threads. The same --seed "
            "gives the same data. Refuses a database that already holds data unless --append."
        ),
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="sqlite:///FILE or postgresql+psycopg://... (default: the server's database)",
    )
    parser.add_argument(
        "--tickets", type=_count, default=1000, metavar="N", help="tickets (default 1000)"
    )
    parser.add_argument(
        "--agents",
        type=_count,
        default=None,
        metavar="M",
        help="agent accounts (default: 12 to 60, by ticket count)",
    )
    parser.add_argument("--seed", type=int, default=42, metavar="S", help="random seed (42)")
    parser.add_argument(
        "--password",
        default="demo",
        help="password of every seeded account (default: demo)",
    )
    parser.add_argument(
        "--append", action="store_true", help="add to a database that already holds data"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run_seed)


def _count(value: str) -> int:
    try:
        number = int(value.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more: {value}")
    return number


def run_seed(args: argparse.Namespace) -> int:
    from agentdesk.server.seed import SeedError, seed_database

    show_progress = not args.json and sys.stderr.isatty() and args.tickets >= 50_000

    def progress(done: int, total: int) -> None:
        print(f"\rseeding tickets: {done:,} / {total:,}", end="", file=sys.stderr, flush=True)

    try:
        report = seed_database(
            args.db,
            tickets=args.tickets,
            agents=args.agents,
            seed=args.seed,
            password=args.password,
            append=args.append,
            progress=progress if show_progress else None,
        )
    except SeedError as exc:
        raise UserError(str(exc)) from exc
    finally:
        if show_progress:
            print(file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
        return 0
    print(
        f"Seeded {report.database} in {report.seconds:.1f} s: "
        f"{report.rows:,} rows (seed {report.seed})"
    )
    for table, count in report.counts.items():
        print(f"  {table:<22}{count:>12,}")
    print("\nGroups:")
    for group in report.groups:
        print(f"  {group['name']}")
    print("\nAccounts:")
    width = max((len(a.email) for a in report.accounts), default=10)
    for account in report.accounts:
        print(f"  {account.email:<{width}}  {account.role:<6} {', '.join(account.groups)}")
    print(f"\nPassword for every seeded account: {report.password}")
    return 0
