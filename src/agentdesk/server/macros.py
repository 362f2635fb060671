"""Server rules for canned responses: create, update, delete, and usage counting.

Personal canned responses are managed by their owner only; shared ones (owner None) by leads
and admins (`domain.canned.may_manage`); anything else is `rejected`. Bodies must parse as
Liquid (the rejection names the line). Creation is idempotent on the client-made id. A
deletion leaves a tombstone so pulls drop the row. `canned_response.use` adds one to
`usage_count` of a response the caller can see.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update

from agentdesk.domain.canned import (
    canned_update_effect,
    manage_denied_reason,
    may_manage,
    normal_actions,
    validate_body,
)
from agentdesk.domain.models import CannedResponse
from agentdesk.domain.mutations import (
    CannedCreateArgs,
    CannedDeleteArgs,
    CannedUpdateArgs,
    CannedUseArgs,
)
from agentdesk.server.tables import Tombstone
from agentdesk.server.wire import table_of

CANNED = table_of(CannedResponse)
TOMBSTONES = table_of(Tombstone)


def _load(ctx: Any, canned_id: str, rejected: type[Exception]) -> dict[str, Any]:
    query = select(CANNED).where(CANNED.c.id == canned_id)
    if ctx.conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = ctx.conn.execute(query).first()
    if row is None:
        raise rejected(f"canned response {canned_id} not found")
    data = dict(row._mapping)
    owner = data.get("owner_id")
    if owner is not None and owner != ctx.caller.agent_id and not ctx.caller.is_admin:
        raise rejected(f"canned response {canned_id} not found")
    return data


def _check_may_manage(ctx: Any, owner_id: int | None, rejected: type[Exception]) -> None:
    if not may_manage(ctx.caller.role, ctx.caller.agent_id, owner_id):
        raise rejected(manage_denied_reason(owner_id))


def canned_create(ctx: Any, args: CannedCreateArgs) -> Any:
    from agentdesk.server.mutations import Applied, Rejected

    owner_id = None if args.shared else ctx.caller.agent_id
    _check_may_manage(ctx, owner_id, Rejected)
    validate_body(args.body)
    values = {
        "title": args.title,
        "body": args.body,
        "category": args.category or "General",
        "tags": list(args.tags),
        "actions": normal_actions(args.actions.model_dump(exclude_unset=True)),
        "owner_id": owner_id,
    }
    existing = ctx.conn.execute(select(CANNED).where(CANNED.c.id == args.id)).first()
    if existing is not None:
        found = dict(existing._mapping)
        if all(found.get(key) == value for key, value in values.items()):
            return Applied({"outcome": "applied"})  # a re-sent insert: already there
        raise Rejected(f"canned response id {args.id} is already used")
    version = ctx.version()
    ctx.conn.execute(
        insert(CANNED).values(
            id=args.id, usage_count=0, updated_at=ctx.now, version=version, **values
        )
    )
    return Applied({"outcome": "applied"}, version)


def canned_update(ctx: Any, args: CannedUpdateArgs) -> Any:
    from agentdesk.server.mutations import Applied, Rejected, _outcome

    row = _load(ctx, args.id, Rejected)
    _check_may_manage(ctx, row.get("owner_id"), Rejected)
    effect = canned_update_effect(row, args)
    if not effect.changes:
        return Applied(_outcome(effect.conflicts))
    version = ctx.version()
    ctx.conn.execute(
        update(CANNED)
        .where(CANNED.c.id == args.id)
        .values(**effect.changes, updated_at=ctx.now, version=version)
    )
    return Applied(_outcome(effect.conflicts), version)


def canned_delete(ctx: Any, args: CannedDeleteArgs) -> Any:
    from agentdesk.server.mutations import Applied, Rejected

    row = ctx.conn.execute(select(CANNED).where(CANNED.c.id == args.id)).first()
    if row is None:
        already = ctx.conn.execute(
            select(TOMBSTONES.c.id).where(
                TOMBSTONES.c.entity == "canned_response", TOMBSTONES.c.entity_id == args.id
            )
        ).first()
        if already is not None:
            return Applied({"outcome": "applied"})  # deleted before: the same result again
        raise Rejected(f"canned response {args.id} not found")
    row_data = _load(ctx, args.id, Rejected)
    _check_may_manage(ctx, row_data.get("owner_id"), Rejected)
    version = ctx.version()
    ctx.conn.execute(delete(CANNED).where(CANNED.c.id == args.id))
    ctx.conn.execute(
        insert(TOMBSTONES).values(entity="canned_response", entity_id=args.id, version=version)
    )
    return Applied({"outcome": "applied"}, version)


def canned_use(ctx: Any, args: CannedUseArgs) -> Any:
    from agentdesk.server.mutations import Applied, Rejected

    _load(ctx, args.id, Rejected)
    version = ctx.version()
    ctx.conn.execute(
        update(CANNED)
        .where(CANNED.c.id == args.id)
        .values(usage_count=CANNED.c.usage_count + 1, version=version)
    )
    return Applied({"outcome": "applied"}, version)


HANDLERS: dict[str, Any] = {
    "canned_response.create": canned_create,
    "canned_response.update": canned_update,
    "canned_response.delete": canned_delete,
    "canned_response.use": canned_use,
}
"""Registered into `agentdesk.server.mutations.HANDLERS`."""
