"""`agentdesk ticket merge SOURCE... --into TARGET [--force]` and
`agentdesk ticket unmerge SOURCE... --from TARGET [--status STATUS]`."""

from __future__ import annotations

import argparse

from agentdesk.cli import account
from agentdesk.cli.client import _finish_write, _no_sync, _ticket_id, _write
from agentdesk.cli.session import open_cache
from agentdesk.domain.enums import Status
from agentdesk.store.merge import queue_merge, queue_unmerge


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
    unmerge = actions.add_parser(
        "unmerge", help="take merged tickets out of their target again (reopened)"
    )
    unmerge.add_argument("sources", nargs="+", type=_ticket_id, metavar="SOURCE")
    unmerge.add_argument("--from", dest="target", required=True, type=_ticket_id, metavar="TARGET")
    unmerge.add_argument(
        "--status",
        default=Status.OPEN.value,
        choices=[s.value for s in Status],
        help="the status the sources get back (default: open)",
    )
    _no_sync(unmerge)
    unmerge.set_defaults(handler=run_unmerge)


def run_merge(args: argparse.Namespace) -> int:
    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        mutation_id = _write(lambda: queue_merge(cache, args.sources, args.into, force=args.force))
        sources = ", ".join(f"#{s}" for s in args.sources)
        print(f"merging {sources} into #{args.into}")
        return _finish_write(profile, cache, [mutation_id], args.no_sync)


def run_unmerge(args: argparse.Namespace) -> int:
    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        mutation_ids = _write(
            lambda: queue_unmerge(cache, args.sources, args.target, status=args.status)
        )
        sources = ", ".join(f"#{s}" for s in args.sources)
        print(f"unmerging {sources} from #{args.target}")
        return _finish_write(profile, cache, mutation_ids, args.no_sync)
