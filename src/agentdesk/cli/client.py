"""The scriptable client: `sync`, `tickets`, `search`, `ticket ...`, `outbox`, `conflicts`.

Every write goes through the outbox: offline it is queued and reported as
"queued (pending sync)"; online it is synced before the command returns (unless
`--no-sync`). Exit codes: 0 success, 1 user error or a refused change, 2 usage.
JSON shapes: docs/cli-json.md. Account commands live in `agentdesk.cli.account`.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from pathlib import Path
from typing import Any

from agentdesk.cli import account, render
from agentdesk.cli.errors import UserError
from agentdesk.cli.session import (
    engine_options,
    not_logged_in,
    open_cache,
    sync_now,
    token_for,
    warn,
)
from agentdesk.domain.enums import Priority, Status
from agentdesk.domain.ids import uuid7
from agentdesk.profiles import Profile

QUEUED = "queued (pending sync)"
DEFAULT_VIEW = "all-open"


def register(subparsers: argparse._SubParsersAction) -> None:
    account.register(subparsers)

    sync = subparsers.add_parser("sync", help="send queued changes and fetch new ones")
    sync.add_argument("--watch", action="store_true", help="keep syncing until interrupted")
    sync.add_argument("--json", action="store_true", help="print the final state as JSON")
    sync.set_defaults(handler=run_sync)

    tickets = subparsers.add_parser("tickets", help="list tickets of a view (from the cache)")
    tickets.add_argument("--view", default=None, help="view id or name (default: all-open)")
    tickets.add_argument("--limit", type=_positive, default=50, help="at most N tickets")
    tickets.add_argument("--json", action="store_true", help="machine-readable output")
    tickets.set_defaults(handler=run_tickets)

    search = subparsers.add_parser("search", help="full-text search with field filters")
    search.add_argument("query", help='e.g. status:open prio:urgent tag:refund "exact phrase"')
    search.add_argument("--limit", type=_positive, default=50, help="at most N tickets")
    search.add_argument("--json", action="store_true", help="machine-readable output")
    search.set_defaults(handler=run_search)

    ticket = subparsers.add_parser("ticket", help="show or change one ticket")
    actions = ticket.add_subparsers(title="actions", metavar="ACTION", required=True)

    show = actions.add_parser("show", help="a ticket with its thread")
    show.add_argument("id", type=_ticket_id)
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=run_show)

    reply = actions.add_parser("reply", help="add a public reply (or an internal note)")
    reply.add_argument("id", type=_ticket_id)
    body = reply.add_mutually_exclusive_group()
    body.add_argument("--body", help="the text")
    body.add_argument("--body-file", type=Path, help="read the text from a file ('-': stdin)")
    reply.add_argument("--internal", action="store_true", help="an internal note, not public")
    reply.add_argument("--macro", metavar="TITLE_OR_ID", help="reply with a canned response")
    reply.add_argument(
        "--allow-missing", action="store_true", help="--macro: send even if a value is missing"
    )
    _no_sync(reply)
    reply.set_defaults(handler=run_reply)

    update = actions.add_parser("update", help="change status, priority or tags")
    update.add_argument("id", type=_ticket_id)
    update.add_argument("--status", choices=[s.value for s in Status])
    update.add_argument("--priority", choices=[p.value for p in Priority])
    update.add_argument("--add-tag", action="append", default=[], metavar="TAG")
    update.add_argument("--remove-tag", action="append", default=[], metavar="TAG")
    _no_sync(update)
    update.set_defaults(handler=run_update)

    assign = actions.add_parser("assign", help="assign to an agent (by email) or to nobody")
    assign.add_argument("id", type=_ticket_id)
    assign.add_argument("--to", required=True, metavar="EMAIL|none")
    _no_sync(assign)
    assign.set_defaults(handler=run_assign)

    from agentdesk.cli import merge  # here: merge imports this module's helpers

    merge.register_action(actions)

    outbox = subparsers.add_parser("outbox", help="local changes not yet confirmed")
    outbox.add_argument("--json", action="store_true", help="machine-readable output")
    outbox.set_defaults(handler=run_outbox)
    outbox_actions = outbox.add_subparsers(title="actions", metavar="ACTION")
    dismiss = outbox_actions.add_parser("dismiss", help="forget a rejected change")
    dismiss.add_argument("mutation_id", type=_positive, metavar="ID")
    dismiss.set_defaults(handler=run_dismiss)

    conflicts = subparsers.add_parser("conflicts", help="list or resolve field conflicts")
    conflicts.add_argument("--json", action="store_true", help="machine-readable output")
    conflicts.set_defaults(handler=run_conflicts)
    conflict_actions = conflicts.add_subparsers(title="actions", metavar="ACTION")
    resolve = conflict_actions.add_parser("resolve", help="settle one conflict")
    resolve.add_argument("conflict_id", type=_positive, metavar="ID")
    resolve.add_argument("--keep", required=True, choices=["mine", "theirs"])
    _no_sync(resolve)
    resolve.set_defaults(handler=run_resolve)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return number


def _ticket_id(value: str) -> int:
    return _positive(value.lstrip("#"))


def _no_sync(parser: argparse.ArgumentParser, text: str = "only queue the change") -> None:
    parser.add_argument("--no-sync", action="store_true", help=text)


def profile_with(args: argparse.Namespace, capability: str, feature: str) -> Profile:
    """The profile, refused in one line when its backend lacks `capability` (`feature`)."""
    from agentdesk.sync import connect

    profile = account.resolve_profile(args.profile)
    try:
        supported = capability in connect.capabilities(profile.backend)
    except connect.UnknownBackendError as exc:
        raise UserError(str(exc)) from exc
    if not supported:
        raise UserError(f"{feature} are not available on the {profile.backend} backend")
    return profile


def refresh(profile: Profile, cache: Any, no_sync: bool) -> None:
    """Sync before a read when allowed; offline, say the cache is shown as it is."""
    if no_sync:
        return
    outcome = sync_now(profile, cache)
    if not outcome.ok:
        warn(f"showing the cache, not synced: {outcome.error}")


# ---- sync -----------------------------------------------------------------------------------


def run_sync(args: argparse.Namespace) -> int:
    profile = account.resolve_profile(args.profile)
    if token_for(profile) is None:
        raise UserError(not_logged_in(profile))
    with open_cache(profile) as cache:
        if args.watch:
            return _watch(profile, cache)
        first = cache.cursor is None
        outcome = sync_now(profile, cache, progress=first)
        pending = cache.pending_count()
        conflicts = cache.conflict_count()
        rejected = cache.rejected_count()
        if args.json:
            render.print_json(
                {
                    "ok": outcome.ok,
                    "error": outcome.error,
                    "pushed": outcome.report.pushed if outcome.report else 0,
                    "pulled": outcome.report.pulled if outcome.report else 0,
                    "pending": pending,
                    "conflicts": conflicts,
                    "rejected": rejected,
                }
            )
        if not outcome.ok:
            raise UserError(f"sync failed: {outcome.error}")
        if not args.json:
            report = outcome.report
            print(
                f"synced: sent {report.pushed}, received {report.pulled} change(s); "
                f"{pending} pending, {conflicts} conflict(s), {rejected} rejected"
            )
        return 0


def _watch(profile: Profile, cache: Any) -> int:
    from agentdesk.sync import connect
    from agentdesk.sync.engine import SyncEngine
    from agentdesk.sync.state import SyncState

    token = token_for(profile)
    assert token is not None
    backend = connect.open_backend(profile, token, cache.client_id)

    def show(state: SyncState) -> None:
        if state.status.value == "syncing":
            return
        reason = f": {render.short(state.reason, 300)}" if state.reason else ""
        print(
            f"{state.status.value}{reason} (pending {state.pending}, "
            f"conflicts {state.conflicts}, rejected {state.rejected})",
            flush=True,
        )

    async def run() -> None:
        engine = SyncEngine(cache, backend, **engine_options())
        engine.subscribe(show)
        try:
            await engine.run()
        finally:
            await backend.aclose()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        return 0
    return 0


# ---- reading --------------------------------------------------------------------------------


def run_tickets(args: argparse.Namespace) -> int:
    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        view = _query(lambda: cache.view(args.view or DEFAULT_VIEW))
        rows = _query(lambda: cache.page(view.query, view.sort, None, args.limit, view.descending))
        tickets = [_ticket_json(row) for row in rows]
        if args.json:
            render.print_json({"view": view.name, "tickets": tickets})
        else:
            _print_tickets(tickets, cache)
    return 0


def run_search(args: argparse.Namespace) -> int:
    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        rows = _query(lambda: cache.search(args.query, limit=args.limit))
        tickets = [_ticket_json(row) for row in rows]
        if args.json:
            render.print_json({"query": args.query, "tickets": tickets})
        else:
            _print_tickets(tickets, cache)
    return 0


def _ticket_json(row: Any) -> dict[str, Any]:
    data = dataclasses.asdict(row)
    data["tags"] = list(data.get("tags") or [])
    return data


def _print_tickets(tickets: list[dict[str, Any]], cache: Any) -> None:
    if not tickets:
        note = "" if cache.cursor is not None else " (never synced: run agentdesk sync)"
        print(f"no tickets{note}")
        return
    render.print_table(render.TICKET_HEADERS, render.ticket_rows(tickets))


def run_show(args: argparse.Namespace) -> int:
    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        ticket = _query(lambda: cache.ticket(args.id))
        if ticket is None:
            raise UserError(f"no ticket #{args.id} in the cache (run agentdesk sync?)")
        customer_id = ticket.get("customer_id")
        detail = {
            "ticket": ticket,
            "customer": cache.customer(customer_id) if customer_id is not None else None,
            "messages": [dataclasses.asdict(m) for m in cache.thread(args.id)],
            "pending": bool(ticket.get("pending")),
        }
        if args.json:
            render.print_json(detail)
        else:
            render.print_ticket(detail)
    return 0


def _outbox_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "args": row.args,
        "state": row.state,
        "reason": row.reason,
        "ticket_id": int(row.entity_id) if row.entity == "ticket" and row.entity_id else None,
        "created_at": row.created_at,
    }


def _conflict_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "mutation_id": row.mutation_id,
        "ticket_id": row.ticket_id,
        "field": row.field,
        "base": row.base,
        "mine": row.mine,
        "theirs": row.theirs,
        "created_at": row.created_at,
    }


def run_outbox(args: argparse.Namespace) -> int:
    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        rows = [_outbox_json(row) for row in cache.outbox_rows()]
        if args.json:
            render.print_json({"mutations": rows})
            return 0
        if not rows:
            print("outbox empty: everything is synced")
            return 0
        render.print_table(
            ("ID", "STATE", "NAME", "TICKET", "CREATED", "REASON"),
            [
                [
                    str(r["id"]),
                    r["state"],
                    r["name"],
                    f"#{r['ticket_id']}" if r["ticket_id"] else "-",
                    render.ts(r["created_at"]),
                    render.short(r["reason"] or "", 60),
                ]
                for r in rows
            ],
        )
    return 0


def run_dismiss(args: argparse.Namespace) -> int:
    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        _write(lambda: cache.dismiss_rejected(args.mutation_id))
    print(f"dismissed rejected change {args.mutation_id}")
    return 0


def run_conflicts(args: argparse.Namespace) -> int:
    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        rows = [_conflict_json(row) for row in cache.conflicts()]
        if args.json:
            render.print_json({"conflicts": rows})
            return 0
        if not rows:
            print("no conflicts")
            return 0
        render.print_table(
            ("ID", "TICKET", "FIELD", "BASE", "MINE", "THEIRS"),
            [
                [
                    str(r["id"]),
                    f"#{r['ticket_id']}" if r["ticket_id"] else "-",
                    r["field"],
                    render.short(r["base"], 20),
                    render.short(r["mine"], 20),
                    render.short(r["theirs"], 20),
                ]
                for r in rows
            ],
        )
        print("resolve with: agentdesk conflicts resolve ID --keep mine|theirs")
    return 0


def _query(call: Any) -> Any:
    """Run a cache read; bad input (unknown view, search syntax) becomes one line."""
    try:
        return call()
    except ValueError as exc:  # StoreError, search ParseError
        raise UserError(str(exc)) from exc


# ---- writing --------------------------------------------------------------------------------


def run_reply(args: argparse.Namespace) -> int:
    if args.macro is not None:
        from agentdesk.cli import macros

        return macros.run_macro_reply(args)
    if args.body is None and args.body_file is None:
        print("agentdesk ticket reply: give --body, --body-file or --macro", file=sys.stderr)
        return 2
    body = args.body if args.body is not None else _read_body(args.body_file)
    if not body.strip():
        raise UserError("the reply is empty")
    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        message = {"id": uuid7(), "ticket_id": args.id, "body": body, "public": not args.internal}
        mutation_id = _write(lambda: cache.record_mutation("message.add", message))
        return _finish_write(profile, cache, [mutation_id], args.no_sync)


def _read_body(path: Path) -> str:
    try:
        if str(path) == "-":
            return sys.stdin.read()
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from exc


def run_update(args: argparse.Namespace) -> int:
    if not (args.status or args.priority or args.add_tag or args.remove_tag):
        raise UserError("nothing to change: give --status, --priority, --add-tag or --remove-tag")
    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        ids: list[int] = []
        fields = {k: v for k, v in (("status", args.status), ("priority", args.priority)) if v}
        if fields:
            mutation_id = _write(lambda: cache.update_ticket(args.id, **fields))
            if mutation_id is not None:
                ids.append(mutation_id)
        if args.add_tag or args.remove_tag:
            mutation_id = _write(
                lambda: cache.tag_ticket(args.id, add=args.add_tag, remove=args.remove_tag)
            )
            if mutation_id is not None:
                ids.append(mutation_id)
        if not ids:
            print(f"#{args.id}: already so, nothing to change")
            return 0
        return _finish_write(profile, cache, ids, args.no_sync)


def run_assign(args: argparse.Namespace) -> int:
    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        target = args.to.strip()
        agent_id: int | None = None
        if target.lower() not in ("none", "nobody", "-"):
            agent = cache.agent_by_email(target)
            if agent is None:
                raise UserError(f"no agent with email {target!r} in the cache")
            agent_id = int(agent["id"])
        mutation_id = _write(lambda: cache.assign_ticket(args.id, agent_id))
        if mutation_id is None:
            print(f"#{args.id}: already so, nothing to change")
            return 0
        return _finish_write(profile, cache, [mutation_id], args.no_sync)


def run_resolve(args: argparse.Namespace) -> int:
    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        mutation_id = _write(lambda: cache.resolve_conflict(args.conflict_id, args.keep))
        if mutation_id is None:
            print(f"conflict {args.conflict_id} resolved: kept theirs")
            return 0
        print(f"conflict {args.conflict_id} resolved: keeping mine")
        return _finish_write(profile, cache, [mutation_id], args.no_sync)


def _write(call: Any) -> Any:
    """Queue a local change; an unknown ticket or invalid value becomes one line."""
    try:
        return call()
    except ValueError as exc:  # StoreError, MutationError
        raise UserError(str(exc)) from exc


def _finish_write(profile: Profile, cache: Any, mutation_ids: list[int], no_sync: bool) -> int:
    """Sync (unless told not to) and report what became of the new mutations."""
    if no_sync:
        print(QUEUED)
        return 0
    outcome = sync_now(profile, cache)
    if not outcome.ok:
        print(QUEUED)
        warn(f"not synced: {outcome.error}")
        return 0
    results = {r.id: r for r in outcome.report.results} if outcome.report else {}
    failed = False
    for mutation_id in mutation_ids:
        result = results.get(mutation_id)
        if result is None:
            print(QUEUED)
        elif result.outcome in ("applied", "duplicate"):
            print("done (synced)")
        elif result.outcome == "conflict":
            failed = True
            fields = ", ".join(sorted(result.conflicts)) or "a field"
            print(f"conflict on {fields}: see agentdesk conflicts")
        else:
            failed = True
            print(f"rejected by the server: {render.short(result.reason, 200)}")
    return 1 if failed else 0
