"""`agentdesk ticket merge SOURCE... --into TARGET [--force]`."""

from __future__ import annotations

import argparse

from agentdesk.cli import account
from agentdesk.cli.client import _finish_write, _no_sync, _ticket_id, _write
from agentdesk.cli.session import open_cache
from agentdesk.store.merge import queue_merge


def register_action(actions: argparse._SubParsersAction) -> None:
    """Adds `merge` to the `ticket` command's actions."""
    merge = actions.add_parser(
        "merge", help="merge duplicate tickets into one (the sources are closed)"
    )
    merge.add_argument("sources", nargs="+", type=_ticket_id, metavar="SOURCE")
    merge.add_argument("--into", required=True, type=_ticket_id, metavar="TARGET")
    merge.add_argument("--force", action="store_true", help="different customers (leads only)")
    _no_sync(merge)
    merge.set_defaults(handler=run_merge)


def run_merge(args: argparse.Namespace) -> int:
    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        mutation_id = _write(lambda: queue_merge(cache, args.sources, args.into, force=args.force))
        sources = ", ".join(f"#{s}" for s in args.sources)
        print(f"merging {sources} into #{args.into}")
        return _finish_write(profile, cache, [mutation_id], args.no_sync)
