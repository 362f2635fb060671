"""`agentdesk swarm ...`: case swarms from the command line.

`start TICKET --invite EMAIL... --message TEXT`, `list [--all] [--search TEXT] [--json]`,
`say SWARM TEXT`,
`show SWARM [--json]`, `close SWARM --summary TEXT`, `experts TICKET [--json]`. SWARM is a
swarm id or an unambiguous prefix of one (as `swarm list` shows). Writes go through the
outbox like every other write (queued offline); `list` and `show` sync first when they can
and read the cache otherwise. Backends without case swarms (RT) are refused in one line.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from agentdesk.cli import render
from agentdesk.cli.client import (
    QUEUED,
    _finish_write,
    _no_sync,
    _ticket_id,
    _write,
    profile_with,
    refresh,
)
from agentdesk.cli.errors import UserError
from agentdesk.cli.session import open_cache
from agentdesk.domain.ids import uuid7
from agentdesk.domain.text import visible
from agentdesk.profiles import Profile


def register(subparsers: argparse._SubParsersAction) -> None:
    swarm = subparsers.add_parser("swarm", help="case swarms: pull experts onto a hard ticket")
    actions = swarm.add_subparsers(title="actions", metavar="ACTION", required=True)

    start = actions.add_parser("start", help="open a swarm on a ticket and invite experts")
    start.add_argument("ticket", type=_ticket_id, metavar="TICKET")
    start.add_argument(
        "--invite", action="append", required=True, metavar="EMAIL", help="repeat per expert"
    )
    start.add_argument("--message", required=True, metavar="TEXT", help="the ask")
    _no_sync(start)
    start.set_defaults(handler=run_start)

    listing = actions.add_parser("list", help="open swarms you own or belong to")
    listing.add_argument("--all", action="store_true", help="closed swarms too")
    listing.add_argument("--search", default="", metavar="TEXT", help="ask, outcome or messages")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    _no_sync(listing, "read the cache without syncing first")
    listing.set_defaults(handler=run_list)

    say = actions.add_parser("say", help="post a message in a swarm")
    say.add_argument("swarm", metavar="SWARM")
    say.add_argument("text", metavar="TEXT")
    _no_sync(say)
    say.set_defaults(handler=run_say)

    show = actions.add_parser("show", help="a swarm with its messages")
    show.add_argument("swarm", metavar="SWARM")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    _no_sync(show, "read the cache without syncing first")
    show.set_defaults(handler=run_show)

    close = actions.add_parser("close", help="close a swarm with its outcome")
    close.add_argument("swarm", metavar="SWARM")
    close.add_argument("--summary", required=True, metavar="TEXT", help="the resolution")
    _no_sync(close)
    close.set_defaults(handler=run_close)

    experts = actions.add_parser("experts", help="suggested experts for a ticket")
    experts.add_argument("ticket", type=_ticket_id, metavar="TICKET")
    experts.add_argument("--json", action="store_true", help="machine-readable output")
    experts.set_defaults(handler=run_experts)


def _profile(args: argparse.Namespace) -> Profile:
    from agentdesk.sync.backend import Capability

    return profile_with(args, Capability.SWARMS, "case swarms")


def _find(cache: Any, prefix: str) -> Any:
    from agentdesk.store import swarm_queries

    try:
        return swarm_queries.find_swarm(cache, prefix)
    except ValueError as exc:
        raise UserError(str(exc)) from exc


def run_start(args: argparse.Namespace) -> int:
    if not args.message.strip():
        raise UserError("the ask is empty: give --message TEXT")
    profile = _profile(args)
    with open_cache(profile) as cache:
        member_ids: list[int] = []
        for email in args.invite:
            agent = cache.agent_by_email(email.strip())
            if agent is None:
                raise UserError(f"no agent with email {email!r} in the cache")
            member_ids.append(int(agent["id"]))
        swarm_id = uuid7()
        start = {
            "id": swarm_id,
            "ticket_id": args.ticket,
            "member_ids": member_ids,
            "ask": args.message,
        }
        mutation_id = _write(lambda: cache.record_mutation("swarm.start", start))
        print(f"swarm {swarm_id}")
        return _finish_write(profile, cache, [mutation_id], args.no_sync)


def run_say(args: argparse.Namespace) -> int:
    if not args.text.strip():
        raise UserError("the message is empty")
    profile = _profile(args)
    with open_cache(profile) as cache:
        swarm = _find(cache, args.swarm)
        if not swarm.is_open:
            raise UserError(f"swarm {swarm.id} is closed")
        message = {"id": uuid7(), "swarm_id": swarm.id, "body": args.text}
        mutation_id = _write(lambda: cache.record_mutation("swarm.message", message))
        return _finish_write(profile, cache, [mutation_id], args.no_sync)


def run_close(args: argparse.Namespace) -> int:
    if not args.summary.strip():
        raise UserError("the summary is empty: give --summary TEXT")
    profile = _profile(args)
    with open_cache(profile) as cache:
        swarm = _find(cache, args.swarm)
        if not swarm.is_open:
            print(f"swarm {swarm.id} is already closed")
            return 0
        close = {"swarm_id": swarm.id, "summary": args.summary, "note_id": uuid7()}
        mutation_id = _write(lambda: cache.record_mutation("swarm.close", close))
        return _finish_write(profile, cache, [mutation_id], args.no_sync)


def _swarm_json(swarm: Any, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": swarm.id,
        "ticket_id": swarm.ticket_id,
        "ticket_subject": swarm.ticket_subject,
        "owner": {"id": swarm.owner_id, "name": names.get(swarm.owner_id, "")},
        "members": [{"id": m, "name": names.get(m, "")} for m in swarm.member_ids],
        "ask": swarm.ask,
        "status": swarm.status,
        "outcome": swarm.outcome,
        "created_at": swarm.created_at,
        "closed_at": swarm.closed_at,
        "unread": swarm.unread,
        "messages": swarm.message_count,
        "last_at": swarm.last_at,
        "pending": not swarm.confirmed,
    }


def run_list(args: argparse.Namespace) -> int:
    from agentdesk.store import swarm_queries

    profile = _profile(args)
    with open_cache(profile) as cache:
        refresh(profile, cache, args.no_sync)
        names = swarm_queries.agent_names(cache)
        found = swarm_queries.swarms(cache, include_closed=args.all, search=args.search)
        if args.json:
            render.print_json({"swarms": [_swarm_json(s, names) for s in found]})
            return 0
        if not found:
            print("no swarms")
            return 0
        rows = [
            [
                s.id[:13],
                f"#{s.ticket_id}",
                render.short(s.ticket_subject, 30),
                s.status,
                str(s.unread) if s.unread else "",
                str(s.message_count),
                render.short(s.ask, 40),
            ]
            for s in found
        ]
        render.print_table(("SWARM", "TICKET", "SUBJECT", "STATUS", "UNREAD", "MSGS", "ASK"), rows)
    return 0


def run_show(args: argparse.Namespace) -> int:
    from agentdesk.store import swarm_queries

    profile = _profile(args)
    with open_cache(profile) as cache:
        refresh(profile, cache, args.no_sync)
        swarm = _find(cache, args.swarm)
        names = swarm_queries.agent_names(cache)
        messages = swarm_queries.messages(cache, swarm.id)
        swarm_queries.mark_read(cache, swarm.id)
        if args.json:
            payload = _swarm_json(swarm, names)
            payload["messages"] = [
                {
                    "id": m.id,
                    "author": {"id": m.author_id, "name": m.author_name},
                    "body": m.body,
                    "created_at": m.created_at,
                    "pending": not m.confirmed,
                }
                for m in messages
            ]
            render.print_json(payload)
            return 0
        out = sys.stdout
        subject = render.short(swarm.ticket_subject, 60)
        out.write(f"swarm {swarm.id} on #{swarm.ticket_id} {subject} ({swarm.status})\n")
        members = ", ".join(render.short(names.get(m, f"agent {m}"), 40) for m in swarm.member_ids)
        out.write(f"members: {members}\n")
        out.write(f"ask: {visible(swarm.ask, multiline=True, max_chars=10_000)}\n")
        for m in messages:
            mark = " (pending)" if not m.confirmed else ""
            author = render.short(m.author_name, 40)
            body = visible(m.body, multiline=True, max_chars=10_000)
            out.write(f"[{render.ts(m.created_at)}] {author}{mark}: {body}\n")
        if swarm.outcome:
            out.write(f"outcome: {visible(swarm.outcome, multiline=True, max_chars=10_000)}\n")
    return 0


def run_experts(args: argparse.Namespace) -> int:
    from agentdesk.store import swarm_queries

    profile = _profile(args)
    with open_cache(profile) as cache:
        try:
            experts = swarm_queries.suggest_experts(cache, args.ticket)
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        emails = {int(a["id"]): a.get("email", "") for a in cache.agents()}
        if args.json:
            render.print_json(
                {
                    "experts": [
                        {
                            "id": e.agent_id,
                            "name": e.name,
                            "email": emails.get(e.agent_id, ""),
                            "score": e.score,
                            "skills": list(e.matched_skills),
                            "in_group": e.in_group,
                            "availability": e.availability,
                            "load": e.load,
                        }
                        for e in experts
                    ]
                }
            )
            return 0
        rows = [
            [
                render.short(e.name, 30),
                render.short(emails.get(e.agent_id, ""), 40),
                f"{e.score:.1f}",
                render.short(", ".join(e.matched_skills), 30),
                e.availability,
                f"{e.load}/{e.capacity}",
            ]
            for e in experts
        ]
        render.print_table(("NAME", "EMAIL", "SCORE", "SKILLS", "AVAILABILITY", "LOAD"), rows)
    return 0


__all__ = ["QUEUED", "register"]
