"""`agentdesk` with no command (or `agentdesk tui`): open the TUI for the active profile."""

from __future__ import annotations

import argparse

from agentdesk.cli.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("tui", help="open the terminal workstation (the default)")
    parser.set_defaults(handler=run_tui)


def run_tui(args: argparse.Namespace) -> int:
    try:
        from agentdesk.tui.app import run
    except ModuleNotFoundError as exc:
        raise UserError("the terminal UI is not available in this build") from exc
    return run(profile=args.profile)
