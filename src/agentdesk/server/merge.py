"""`ticket.merge`: fold duplicate tickets into one.

Each source is closed with `merged_into_id` set to the target and an internal note pointing
to it; the target gets a note per source. Messages stay on their own ticket (so each exists
exactly once and keeps its origin): clients show a target's thread with the messages of
every ticket merged into it (`store.thread`), and count merged tickets once.

Refused: merging a ticket into itself or into a ticket that was itself merged, a source
already merged elsewhere, tickets the caller may not change, and tickets of different
customers unless `force` by a lead or admin. Re-merging a source already in the target is
a no-op, so a re-sent merge changes nothing.

`ticket.unmerge` undoes a merge (undo, `u`): each source leaves the target, gets back the
status it had (if still closed), and both tickets get a note. A source no longer merged is
a no-op; one merged into another ticket since, or reopened to another status by someone
else, is a per-field conflict: nothing is undone blindly.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, update

from agentdesk.domain.enums import Status
from agentdesk.domain.ids import uuid7
from agentdesk.domain.models import Message, Ticket
from agentdesk.domain.mutations import (
    FieldConflict,
    FieldRule,
    TicketMergeArgs,
    TicketUnmergeArgs,
    field_outcome,
    follow_up_changes,
)
from agentdesk.server.mutations import (
    Applied,
    Context,
    Rejected,
    _load_ticket,
    _outcome,
    _policy_targets,
)
from agentdesk.server.permissions import can_change_ticket, change_denied_reason
from agentdesk.server.wire import table_of

TICKETS = table_of(Ticket)
MESSAGES = table_of(Message)
SUBJECT_CHARS = 80


def _subject(ticket: dict[str, Any]) -> str:
    subject = " ".join(str(ticket.get("subject") or "").split())
    return subject if len(subject) <= SUBJECT_CHARS else subject[: SUBJECT_CHARS - 1] + "…"


def _note(ctx: Context, ticket: dict[str, Any], body: str, version: int) -> None:
    ctx.conn.execute(
        insert(MESSAGES).values(
            id=uuid7(),
            ticket_id=ticket["id"],
            public=False,
            author_kind="system",
            author_id=None,
            body=body,
            channel=ticket["channel"],
            created_at=ctx.now,
            version=version,
        )
    )


def ticket_merge(ctx: Context, args: TicketMergeArgs) -> Applied:
    source_ids = list(dict.fromkeys(args.source_ids))
    if args.target_id in source_ids:
        raise Rejected(f"ticket {args.target_id} cannot be merged into itself")
    target = _load_ticket(ctx, args.target_id)
    if target.get("merged_into_id") is not None:
        raise Rejected(
            f"ticket {target['id']} was merged into {target['merged_into_id']}: merge into that"
        )
    caller = ctx.caller
    sources = [_load_ticket(ctx, ticket_id) for ticket_id in source_ids]
    todo = []
    for source in sources:
        merged_into = source.get("merged_into_id")
        if merged_into == target["id"]:
            continue  # already done (a re-sent or repeated merge)
        if merged_into is not None:
            raise Rejected(f"ticket {source['id']} was already merged into {merged_into}")
        todo.append(source)
    for ticket in (target, *todo):
        if not can_change_ticket(caller, ticket):
            raise Rejected(change_denied_reason(caller))
    others = sorted({s["id"] for s in todo if s.get("customer_id") != target.get("customer_id")})
    if others:
        listed = ", ".join(str(i) for i in others)
        if not args.force:
            raise Rejected(
                f"ticket {listed} belongs to another customer than {target['id']}"
                " (a lead may force the merge)"
            )
        if not (caller.is_lead or caller.is_admin):
            raise Rejected("only a lead may merge tickets of different customers")
    if not todo:
        return Applied({"outcome": "applied"})
    version = ctx.version()
    for source in todo:
        changes = follow_up_changes(
            source,
            {"status": Status.CLOSED, "merged_into_id": target["id"]},
            ctx.now,
            _policy_targets(ctx, source),
        )
        ctx.conn.execute(
            update(TICKETS).where(TICKETS.c.id == source["id"]).values(**changes, version=version)
        )
        _note(ctx, source, f"Merged into #{target['id']} “{_subject(target)}”", version)
        _note(ctx, target, f"Merged #{source['id']} “{_subject(source)}” into this ticket", version)
    ctx.conn.execute(
        update(TICKETS)
        .where(TICKETS.c.id == target["id"])
        .values(updated_at=ctx.now, version=version)
    )
    return Applied({"outcome": "applied"}, version)


def ticket_unmerge(ctx: Context, args: TicketUnmergeArgs) -> Applied:
    source = _load_ticket(ctx, args.ticket_id)
    merged_into = source.get("merged_into_id")
    if merged_into is None:
        return Applied({"outcome": "applied"})  # not merged (any more): a repeated unmerge
    if merged_into != args.target_id:
        conflict = FieldConflict("merged_into_id", args.target_id, None, merged_into)
        return Applied(_outcome([conflict]))
    target = _load_ticket(ctx, args.target_id)
    for ticket in (source, target):
        if not can_change_ticket(ctx.caller, ticket):
            raise Rejected(change_denied_reason(ctx.caller))
    conflicts: list[FieldConflict] = []
    changes: dict[str, Any] = {"merged_into_id": None}
    if args.status is not None:
        rule = field_outcome(source.get("status"), Status.CLOSED, args.status)
        if rule is FieldRule.APPLY:
            changes["status"] = args.status
        elif rule is FieldRule.CONFLICT:
            conflicts.append(FieldConflict("status", Status.CLOSED, args.status, source["status"]))
    version = ctx.version()
    values = follow_up_changes(source, changes, ctx.now, _policy_targets(ctx, source))
    ctx.conn.execute(
        update(TICKETS).where(TICKETS.c.id == source["id"]).values(**values, version=version)
    )
    _note(ctx, source, f"Unmerged from #{target['id']} “{_subject(target)}”", version)
    note = f"Unmerged #{source['id']} “{_subject(source)}” from this ticket"
    _note(ctx, target, note, version)
    ctx.conn.execute(
        update(TICKETS)
        .where(TICKETS.c.id == target["id"])
        .values(updated_at=ctx.now, version=version)
    )
    return Applied(_outcome(conflicts), version)


HANDLERS = {"ticket.merge": ticket_merge, "ticket.unmerge": ticket_unmerge}
