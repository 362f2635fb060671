"""`agentdesk draft ...`: shared drafts (a reply handed to a colleague for review) from the CLI.

`list [--all] [--json]`, `show DRAFT [--json]`,
`share TICKET --to AGENT[,AGENT] [--note] (--body TEXT | --body-file F | stdin)`,
`edit DRAFT (--body TEXT | --body-file F | stdin)`, `comment DRAFT TEXT`, `send DRAFT`.
DRAFT is a draft id or an unambiguous prefix of one (as `draft list` shows); AGENT an agent
id, e-mail, name or `@` handle. Sharing again on a ticket where the agent already has an
open draft re-shares that draft (new text, more reviewers), as the TUI's `ctrl+r` does.
Writes go through the outbox like every other write (queued offline); `list` and `show`
sync first when they can and read the cache otherwise; a write naming a draft not cached
yet syncs once to find it. Only the owner sends a draft.
Backends without shared drafts (RT) are refused in one line. JSON shapes: docs/cli-json.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from agentdesk.cli import render
from agentdesk.cli.client import (
    _finish_write,
    _no_sync,
    _read_body,
    _ticket_id,
    _write,
    profile_with,
    refresh,
)
from agentdesk.cli.errors import UserError
from agentdesk.cli.session import open_cache, sync_now
from agentdesk.domain.ids import uuid7
from agentdesk.domain.text import visible
from agentdesk.profiles import Profile
from agentdesk.store.db import StoreError

SHORT_ID = 13  # characters of a draft id that `list` shows (a uuid7's time part and more)


def register(subparsers: argparse._SubParsersAction) -> None:
    draft = subparsers.add_parser("draft", help="shared drafts: replies reviewed before sending")
    actions = draft.add_subparsers(title="actions", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="open drafts shared with you or by you")
    listing.add_argument("--all", action="store_true", help="sent drafts too")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    _no_sync(listing, "read the cache without syncing first")
    listing.set_defaults(handler=run_list)

    show = actions.add_parser("show", help="a draft with its text, reviewers and comments")
    show.add_argument("draft", metavar="DRAFT")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    _no_sync(show, "read the cache without syncing first")
    show.set_defaults(handler=run_show)

    share = actions.add_parser("share", help="share a draft reply on a ticket for review")
    share.add_argument("ticket", type=_ticket_id, metavar="TICKET")
    share.add_argument(
        "--to", required=True, metavar="AGENT[,AGENT]", help="reviewers: id, e-mail or name"
    )
    share.add_argument("--note", action="store_true", help="an internal note, not a reply")
    _body_options(share)
    _no_sync(share)
    share.set_defaults(handler=run_share)

    edit = actions.add_parser("edit", help="replace the text of an open draft")
    edit.add_argument("draft", metavar="DRAFT")
    _body_options(edit)
    _no_sync(edit)
    edit.set_defaults(handler=run_edit)

    comment = actions.add_parser("comment", help="comment on a draft")
    comment.add_argument("draft", metavar="DRAFT")
    comment.add_argument("text", metavar="TEXT")
    _no_sync(comment)
    comment.set_defaults(handler=run_comment)

    send = actions.add_parser("send", help="send your draft to the ticket (owner only)")
    send.add_argument("draft", metavar="DRAFT")
    _no_sync(send)
    send.set_defaults(handler=run_send)


def _body_options(parser: argparse.ArgumentParser) -> None:
    body = parser.add_mutually_exclusive_group()
    body.add_argument("--body", metavar="TEXT", help="the text (default: read standard input)")
    body.add_argument("--body-file", type=Path, help="read the text from a file ('-': stdin)")


def _body(args: argparse.Namespace) -> str:
    """The text from --body, --body-file or standard input; one line if empty."""
    if args.body is not None:
        body = str(args.body)
    elif args.body_file is not None:
        body = _read_body(args.body_file)
    elif sys.stdin is None or sys.stdin.isatty():
        raise UserError("no text: give --body TEXT, --body-file F or pipe it on stdin")
    else:
        body = _read_body(Path("-"))
    if not body.strip():
        raise UserError("the draft is empty: give --body TEXT, --body-file F or text on stdin")
    return body


def _profile(args: argparse.Namespace) -> Profile:
    from agentdesk.sync.backend import Capability

    return profile_with(args, Capability.SHARED_DRAFTS, "shared drafts")


def _find(cache: Any, prefix: str) -> dict[str, Any]:
    from agentdesk.store import draft_queries
    from agentdesk.store.id_prefix import by_id_prefix

    drafts = draft_queries.shared_drafts(cache, include_sent=True)
    return by_id_prefix(drafts, lambda d: str(d["id"]), prefix, "shared draft")


def find_draft(
    cache: Any, prefix: str, *, profile: Profile | None = None, no_sync: bool = True
) -> dict[str, Any]:
    """The cached draft whose id is `prefix` or starts with it (one line if none or several).

    With a `profile` and not `no_sync`, a draft not in the cache yet (just shared with the
    agent) is looked for again after one sync."""
    if not prefix.strip():
        raise UserError("give a draft id (agentdesk draft list shows them)")
    try:
        return _find(cache, prefix)
    except StoreError as exc:
        if profile is None or no_sync or not sync_now(profile, cache).ok:
            raise UserError(str(exc)) from exc
    try:
        return _find(cache, prefix)
    except StoreError as exc:
        raise UserError(str(exc)) from exc


def resolve_agents(cache: Any, spec: str) -> list[int]:
    """Agent ids from `A[,B...]`: each an id, an e-mail, a full name or an `@` handle."""
    from agentdesk.domain.swarms import mentioned_agents

    agents = [a for a in cache.agents() if a.get("active", True)]
    by_id = {int(a["id"]): a for a in agents}
    found: list[int] = []
    for raw in spec.split(","):
        word = raw.strip()
        if not word:
            continue
        if word.lstrip("#").isdigit():
            agent_id = int(word.lstrip("#"))
            if agent_id not in by_id:
                raise UserError(f"no agent {agent_id} in the local cache")
            matches = [agent_id]
        elif "@" in word.strip("@"):
            agent = cache.agent_by_email(word)
            if agent is None or int(agent["id"]) not in by_id:
                raise UserError(f"no agent with email {word!r} in the local cache")
            matches = [int(agent["id"])]
        else:
            name = word.casefold()
            matches = [i for i, a in by_id.items() if str(a.get("name", "")).casefold() == name]
            if not matches:
                matches = mentioned_agents("@" + word.lstrip("@"), agents)
            if not matches:
                raise UserError(f"no agent named {word!r} in the local cache")
            if len(matches) > 1:
                raise UserError(f"agent {word!r} is ambiguous: give an e-mail or id")
        found += [m for m in matches if m not in found]
    if not found:
        raise UserError("give at least one reviewer: --to AGENT[,AGENT]")
    return found


def _names(cache: Any) -> dict[int, str]:
    return {int(a["id"]): str(a.get("name") or "") for a in cache.agents()}


def _person(agent_id: Any, names: dict[int, str]) -> dict[str, Any] | None:
    if agent_id is None:
        return None
    return {"id": int(agent_id), "name": names.get(int(agent_id), "")}


def _pending_ids(cache: Any) -> set[str]:
    """Drafts with a local change not yet confirmed by the server."""
    rows = cache.outbox_rows(["pending", "sent"])
    return {str(r.entity_id) for r in rows if r.entity == "shared_draft"}


def _draft_json(
    cache: Any, draft: dict[str, Any], names: dict[int, str], pending: set[str]
) -> dict[str, Any]:
    ticket = cache.ticket(int(draft["ticket_id"]))
    status = draft["status"]
    return {
        "id": draft["id"],
        "ticket_id": int(draft["ticket_id"]),
        "ticket_subject": (ticket or {}).get("subject", ""),
        "owner": _person(draft["owner_id"], names),
        "reviewers": [_person(r, names) for r in draft.get("reviewer_ids") or []],
        "public": bool(draft.get("public", True)),
        "status": str(getattr(status, "value", status)),
        "body": draft.get("body") or "",
        "edited_by": _person(draft.get("edited_by"), names),
        "comments": len(draft.get("comments") or []),
        "message_id": draft.get("message_id"),
        "created_at": draft.get("created_at"),
        "updated_at": draft.get("updated_at"),
        "pending": int(draft.get("version") or 0) == 0 or str(draft["id"]) in pending,
    }


def _mine_or_shared_with_me(draft: dict[str, Any], me: int | None) -> bool:
    reviewers = [int(r) for r in draft.get("reviewer_ids") or []]
    return me is None or int(draft["owner_id"]) == me or me in reviewers


def run_list(args: argparse.Namespace) -> int:
    from agentdesk.store import draft_queries

    profile = _profile(args)
    with open_cache(profile) as cache:
        refresh(profile, cache, args.no_sync)
        me = cache.agent_id
        found = [
            d
            for d in draft_queries.shared_drafts(cache, include_sent=args.all)
            if _mine_or_shared_with_me(d, me)
        ]
        names, pending = _names(cache), _pending_ids(cache)
        drafts = [_draft_json(cache, d, names, pending) for d in found]
        if args.json:
            render.print_json({"drafts": drafts})
            return 0
        if not drafts:
            print("no shared drafts")
            return 0
        rows = [
            [
                d["id"][:SHORT_ID] + ("*" if d["pending"] else ""),
                f"#{d['ticket_id']}",
                render.short(d["ticket_subject"], 30),
                render.short(d["owner"]["name"], 18),
                render.short(", ".join(r["name"] for r in d["reviewers"]), 30),
                d["status"],
                str(d["comments"]),
                render.short(d["body"], 40),
            ]
            for d in drafts
        ]
        headers = ("DRAFT", "TICKET", "SUBJECT", "OWNER", "REVIEWERS", "STATUS", "COMMENTS", "TEXT")
        render.print_table(headers, rows)
    return 0


def run_show(args: argparse.Namespace) -> int:
    profile = _profile(args)
    with open_cache(profile) as cache:
        refresh(profile, cache, args.no_sync)
        draft = find_draft(cache, args.draft)
        names = _names(cache)
        payload = _draft_json(cache, draft, names, _pending_ids(cache))
        comments = [
            {
                "id": c.get("id"),
                "author": _person(c.get("author_id"), names),
                "body": c.get("body") or "",
                "created_at": c.get("created_at"),
            }
            for c in draft.get("comments") or []
        ]
        if args.json:
            render.print_json({**payload, "comments": comments})
            return 0
        out = sys.stdout
        kind = "reply" if payload["public"] else "internal note"
        subject = render.short(payload["ticket_subject"], 60)
        mark = " (pending sync)" if payload["pending"] else ""
        out.write(f"draft {payload['id']} on #{payload['ticket_id']} {subject}\n")
        out.write(f"status: {payload['status']} ({kind}){mark}\n")
        out.write(f"owner: {render.short(payload['owner']['name'], 40)}\n")
        reviewers = ", ".join(render.short(r["name"], 40) for r in payload["reviewers"])
        out.write(f"reviewers: {reviewers or '-'}\n")
        if payload["edited_by"] is not None:
            editor = render.short(payload["edited_by"]["name"], 40)
            out.write(f"last edit: {editor} at {render.ts(payload['updated_at'])}\n")
        out.write("\n" + visible(payload["body"], multiline=True, max_chars=20_000) + "\n")
        for c in comments:
            author = render.short((c["author"] or {}).get("name", ""), 40)
            body = visible(c["body"], multiline=True, max_chars=10_000)
            out.write(f"\n[{render.ts(c['created_at'])}] {author}: {body}\n")
    return 0


def run_share(args: argparse.Namespace) -> int:
    from agentdesk.store import draft_queries

    body = _body(args)
    profile = _profile(args)
    with open_cache(profile) as cache:
        reviewers = resolve_agents(cache, args.to)
        me = cache.agent_id
        if me is not None and reviewers == [me]:
            raise UserError("share the draft with another agent, not yourself")
        existing = draft_queries.open_draft_on(cache, args.ticket, me)
        draft_id = existing["id"] if existing else uuid7()
        share = {
            "id": draft_id,
            "ticket_id": args.ticket,
            "body": body,
            "public": not args.note,
            "reviewer_ids": reviewers,
        }
        mutation_id = _write(lambda: cache.record_mutation("draft.share", share))
        print(f"draft {draft_id}" + (" (re-shared)" if existing else ""))
        return _finish_write(profile, cache, [mutation_id], args.no_sync)


def _open_draft(profile: Profile, cache: Any, args: argparse.Namespace) -> dict[str, Any]:
    draft = find_draft(cache, args.draft, profile=profile, no_sync=args.no_sync)
    if draft["status"] != "open":
        raise UserError(f"draft {draft['id']} was already sent")
    return draft


def run_edit(args: argparse.Namespace) -> int:
    body = _body(args)
    profile = _profile(args)
    with open_cache(profile) as cache:
        draft = _open_draft(profile, cache, args)
        if draft.get("body") == body:
            print(f"draft {draft['id']}: already so, nothing to change")
            return 0
        edit = {"draft_id": draft["id"], "body": body}
        mutation_id = _write(lambda: cache.record_mutation("draft.edit", edit))
        return _finish_write(profile, cache, [mutation_id], args.no_sync)


def run_comment(args: argparse.Namespace) -> int:
    if not args.text.strip():
        raise UserError("the comment is empty")
    profile = _profile(args)
    with open_cache(profile) as cache:
        draft = find_draft(cache, args.draft, profile=profile, no_sync=args.no_sync)
        comment = {"id": uuid7(), "draft_id": draft["id"], "body": args.text}
        mutation_id = _write(lambda: cache.record_mutation("draft.comment", comment))
        return _finish_write(profile, cache, [mutation_id], args.no_sync)


def run_send(args: argparse.Namespace) -> int:
    profile = _profile(args)
    with open_cache(profile) as cache:
        draft = _open_draft(profile, cache, args)
        if cache.agent_id is not None and int(draft["owner_id"]) != cache.agent_id:
            owner = _names(cache).get(int(draft["owner_id"])) or f"agent {draft['owner_id']}"
            raise UserError(
                f"only the draft's owner ({render.short(owner, 40)}) sends it: "
                "comment or edit instead"
            )
        send = {"draft_id": draft["id"], "message_id": uuid7()}
        mutation_id = _write(lambda: cache.record_mutation("draft.send", send))
        print(f"sending draft {draft['id']} to #{draft['ticket_id']}")
        return _finish_write(profile, cache, [mutation_id], args.no_sync)
