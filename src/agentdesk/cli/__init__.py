"""The `agentdesk` command line.

Each subcommand lives in its own module under `agentdesk.cli` and exposes
`register(subparsers)`; the parser calls `args.handler(args)` which returns an exit code.
Exit codes: 0 success, 1 user error (one clear line on stderr), 2 usage.
Heavy imports (textual, fastapi, sqlalchemy) happen inside handlers, never at parse time.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from agentdesk import __version__
from agentdesk.cli.errors import UserError

# Modules that contribute subcommands, in the order `--help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "agentdesk.cli.tui",
    "agentdesk.cli.demo",
    "agentdesk.cli.client",
    "agentdesk.cli.macros",
    "agentdesk.cli.serve",
    "agentdesk.cli.seed",
    "agentdesk.cli.admin",
    "agentdesk.cli.report",
    "agentdesk.cli.swarm",
    "agentdesk.cli.drafts",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agentdesk",
        description="A keyboard-driven terminal workstation for customer support.",
    )
    parser.add_argument("--version", action="version", version=f"agentdesk {__version__}")
    parser.add_argument(
        "--profile",
        default=None,
        help="profile to use (default: the active profile, or 'default')",
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # not written yet
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        # No subcommand: open the TUI for the active profile.
        from agentdesk.cli import tui

        handler = tui.run_tui
    try:
        return int(handler(args) or 0)
    except UserError as exc:
        from agentdesk.domain.text import one_line  # messages may quote remote text

        print(f"agentdesk: {one_line(str(exc), 2000)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("agentdesk: interrupted", file=sys.stderr)
        return 130
