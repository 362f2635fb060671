"""`agentdesk admin`: manage the reference server's accounts straight in its database.

create-agent, reset-password (revokes the agent's tokens) and create-intake-key (prints the
key once). Passwords come on stdin (`--password-stdin`), never on the command line.
"""

from __future__ import annotations

import argparse
import sys

from agentdesk.cli.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("admin", help="manage server accounts (agents, intake keys)")
    commands = parser.add_subparsers(title="admin commands", metavar="ACTION")
    parser.set_defaults(handler=lambda _args: _usage(parser))

    create = commands.add_parser("create-agent", help="create an agent with a password")
    _db_option(create)
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=["agent", "lead", "admin"])
    create.add_argument(
        "--group", action="append", default=[], help="a group (created if missing); repeatable"
    )
    create.add_argument("--skill", action="append", default=[], help="a skill; repeatable")
    _password_option(create)
    create.set_defaults(handler=create_agent)

    reset = commands.add_parser("reset-password", help="set a new password (revokes tokens)")
    _db_option(reset)
    reset.add_argument("--email", required=True)
    _password_option(reset)
    reset.set_defaults(handler=reset_password)

    intake = commands.add_parser(
        "create-intake-key", help="create a key for POST /v1/tickets (printed once)"
    )
    _db_option(intake)
    intake.add_argument("--name", required=True, help="what uses it, e.g. 'web form'")
    intake.set_defaults(handler=create_intake_key)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=None,
        metavar="URL",
        help="server database (sqlite:///FILE or postgresql+psycopg://...); "
        "default: the SQLite file of `agentdesk serve`",
    )


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the password from the first line of stdin",
    )


def _read_password() -> str:
    line = sys.stdin.readline()
    password = line.rstrip("\r\n")
    if not password:
        raise UserError("no password on stdin")
    return password


def _engine(url: str | None):  # type: ignore[no-untyped-def]
    from agentdesk.paths import server_db_url
    from agentdesk.server.db import DatabaseError, open_database

    try:
        return open_database(url or server_db_url())
    except DatabaseError as exc:
        raise UserError(str(exc)) from None


def create_agent(args: argparse.Namespace) -> int:
    from agentdesk.server.accounts import AccountError
    from agentdesk.server.accounts import create_agent as create

    password = _read_password()
    engine = _engine(args.db)
    try:
        agent = create(
            engine,
            email=args.email,
            name=args.name,
            role=args.role,
            password=password,
            groups=args.group,
            skills=args.skill,
        )
    except AccountError as exc:
        raise UserError(str(exc)) from None
    finally:
        engine.dispose()
    groups = f" in groups {', '.join(args.group)}" if args.group else ""
    print(f"created {agent.role.value} {agent.email} (id {agent.id}){groups}")
    return 0


def reset_password(args: argparse.Namespace) -> int:
    from agentdesk.server.accounts import AccountError
    from agentdesk.server.accounts import reset_password as reset

    password = _read_password()
    engine = _engine(args.db)
    try:
        reset(engine, email=args.email, password=password)
    except AccountError as exc:
        raise UserError(str(exc)) from None
    finally:
        engine.dispose()
    print(f"password of {args.email.strip().lower()} changed; its tokens were revoked")
    return 0


def create_intake_key(args: argparse.Namespace) -> int:
    from agentdesk.server.accounts import AccountError
    from agentdesk.server.accounts import create_intake_key as create

    engine = _engine(args.db)
    try:
        key = create(engine, name=args.name)
    except AccountError as exc:
        raise UserError(str(exc)) from None
    finally:
        engine.dispose()
    print(key)
    print(f"intake key {args.name!r} created; it is shown only once", file=sys.stderr)
    return 0
