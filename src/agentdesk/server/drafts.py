"""Shared drafts on the server: the `draft.*` mutations (issue 9, review before sending).

Who may read a shared draft: its owner, its reviewers, leads of the ticket's group and admins
(`can_see_draft`, the same rule as `visibility.visible_drafts`). Those may edit an open
draft (the last edit wins) and comment on it; only the owner sends it, which adds its text as
a message on the ticket (the rules of `message.add`) and marks the draft `sent`.

Realtime (after commit): `draft {SharedDraft}` to the owner and reviewers on every change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select, update

from agentdesk.domain.models import Agent, SharedDraft, Ticket
from agentdesk.domain.mutations import (
    DraftCommentArgs,
    DraftEditArgs,
    DraftSendArgs,
    DraftShareArgs,
    MessageAddArgs,
)
from agentdesk.server.mutations import Applied, Context, Rejected, _load_ticket, message_add
from agentdesk.server.permissions import Caller
from agentdesk.server.wire import plain, row_data, table_of

DRAFTS = table_of(SharedDraft)
TICKETS = table_of(Ticket)
AGENTS = table_of(Agent)

OPEN, SENT = "open", "sent"


def people_of(draft: Mapping[str, Any]) -> list[int]:
    """The owner first, then the reviewers."""
    people = [int(draft["owner_id"])]
    for agent_id in draft.get("reviewer_ids") or []:
        if int(agent_id) not in people:
            people.append(int(agent_id))
    return people


def can_see_draft(
    caller: Caller, draft: Mapping[str, Any], ticket: Mapping[str, Any] | None
) -> bool:
    if caller.is_admin or caller.agent_id in people_of(draft):
        return True
    return caller.is_lead and ticket is not None and ticket.get("group_id") in caller.group_ids


def _load_draft(ctx: Context, draft_id: str) -> dict[str, Any]:
    """The draft (locked on PostgreSQL); rejected unless the caller may see it."""
    query = select(DRAFTS).where(DRAFTS.c.id == draft_id)
    if ctx.conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = ctx.conn.execute(query).first()
    if row is None:
        raise Rejected(f"shared draft {draft_id} not found")
    draft = dict(row._mapping)
    ticket = ctx.conn.execute(
        select(TICKETS.c.id, TICKETS.c.group_id).where(TICKETS.c.id == draft["ticket_id"])
    ).first()
    if not can_see_draft(ctx.caller, draft, None if ticket is None else dict(ticket._mapping)):
        raise Rejected(f"shared draft {draft_id} is not shared with you")
    return draft


def _check_agents(ctx: Context, agent_ids: list[int]) -> None:
    found = set(
        ctx.conn.execute(
            select(AGENTS.c.id).where(AGENTS.c.id.in_(agent_ids), AGENTS.c.active)
        ).scalars()
    )
    missing = [agent_id for agent_id in agent_ids if agent_id not in found]
    if missing:
        raise Rejected(f"agent {missing[0]} not found")


def _store(ctx: Context, draft_id: str, values: dict[str, Any]) -> Applied:
    version = ctx.version()
    ctx.conn.execute(
        update(DRAFTS).where(DRAFTS.c.id == draft_id).values(**values, version=version)
    )
    _notify(ctx, draft_id)
    return Applied({"outcome": "applied"}, version)


def _notify(ctx: Context, draft_id: str) -> None:
    row = ctx.conn.execute(select(DRAFTS).where(DRAFTS.c.id == draft_id)).first()
    if row is not None:
        data = plain(row_data(row))
        ctx.notify("draft", data, people_of(data))


def draft_share(ctx: Context, args: DraftShareArgs) -> Applied:
    owner = ctx.caller.agent_id
    reviewers = [agent_id for agent_id in dict.fromkeys(args.reviewer_ids) if agent_id != owner]
    if not reviewers:
        raise Rejected("share the draft with at least one other agent")
    existing = ctx.conn.execute(select(DRAFTS).where(DRAFTS.c.id == args.id)).first()
    if existing is not None:
        draft = dict(existing._mapping)
        if (draft["ticket_id"], draft["owner_id"]) != (args.ticket_id, owner):
            raise Rejected(f"draft id {args.id} is already used")
        if draft["status"] != OPEN:
            raise Rejected("this draft was already sent")
        _check_agents(ctx, reviewers)
        merged = [*people_of(draft)[1:], *reviewers]
        values = {"reviewer_ids": list(dict.fromkeys(merged)), "body": args.body}
        return _store(ctx, args.id, {**values, "edited_by": owner, "updated_at": ctx.now})
    _load_ticket(ctx, args.ticket_id)
    _check_agents(ctx, reviewers)
    version = ctx.version()
    ctx.conn.execute(
        insert(DRAFTS).values(
            id=args.id,
            ticket_id=args.ticket_id,
            owner_id=owner,
            reviewer_ids=reviewers,
            body=args.body,
            public=args.public,
            comments=[],
            status=OPEN,
            edited_by=owner,
            created_at=ctx.now,
            updated_at=ctx.now,
            version=version,
        )
    )
    _notify(ctx, args.id)
    return Applied({"outcome": "applied"}, version)


def draft_edit(ctx: Context, args: DraftEditArgs) -> Applied:
    draft = _load_draft(ctx, args.draft_id)
    if draft["status"] != OPEN:
        raise Rejected("this draft was already sent")
    if draft["body"] == args.body:
        return Applied({"outcome": "applied"})
    values = {"body": args.body, "edited_by": ctx.caller.agent_id, "updated_at": ctx.now}
    return _store(ctx, args.draft_id, values)


def draft_comment(ctx: Context, args: DraftCommentArgs) -> Applied:
    draft = _load_draft(ctx, args.draft_id)
    comments = list(draft.get("comments") or [])
    if any(comment.get("id") == args.id for comment in comments):
        return Applied({"outcome": "applied"})  # a re-sent comment: already there
    comment = {
        "id": args.id,
        "author_id": ctx.caller.agent_id,
        "body": args.body,
        "created_at": ctx.now.isoformat(),
    }
    return _store(ctx, args.draft_id, {"comments": [*comments, comment]})


def draft_send(ctx: Context, args: DraftSendArgs) -> Applied:
    draft = _load_draft(ctx, args.draft_id)
    if draft["owner_id"] != ctx.caller.agent_id:
        raise Rejected("only the draft's owner sends it")
    if draft["status"] == SENT:
        if draft["message_id"] == args.message_id:
            return Applied({"outcome": "applied"})  # a re-sent send: already there
        raise Rejected("this draft was already sent")
    message = MessageAddArgs(
        id=args.message_id, ticket_id=draft["ticket_id"], body=draft["body"], public=draft["public"]
    )
    message_add(ctx, message)
    values = {"status": SENT, "message_id": args.message_id, "updated_at": ctx.now}
    return _store(ctx, args.draft_id, values)


HANDLERS: dict[str, Any] = {
    "draft.share": draft_share,
    "draft.edit": draft_edit,
    "draft.comment": draft_comment,
    "draft.send": draft_send,
}
