"""Which rows a caller may pull, as SQL conditions per synced table (None: every row).

Mirrors `permissions.can_see_ticket`: agents and leads see the tickets of their groups and
every ticket assigned to them, with those tickets' messages, ratings and customers; swarms
they own or belong to (leads: also swarms on their groups' tickets); all agents, groups,
organisations and SLA policies; shared canned responses and saved views plus their own.
Admins see everything.
"""

from __future__ import annotations

import json

from sqlalchemy import ColumnElement, Select, exists, or_, select, text

from agentdesk.domain.models import (
    CannedResponse,
    Customer,
    Message,
    SatisfactionRating,
    SavedView,
    SharedDraft,
    Swarm,
    SwarmMessage,
    Ticket,
)
from agentdesk.server.permissions import Caller
from agentdesk.server.wire import table_of

TICKETS = table_of(Ticket)
SWARMS = table_of(Swarm)
DRAFTS = table_of(SharedDraft)


def visible_tickets(caller: Caller) -> ColumnElement[bool] | None:
    if caller.is_admin:
        return None
    conditions: list[ColumnElement[bool]] = [TICKETS.c.assignee_id == caller.agent_id]
    if caller.group_ids:
        conditions.append(TICKETS.c.group_id.in_(sorted(caller.group_ids)))
    return or_(*conditions)


def visible_ticket_ids(caller: Caller) -> Select[tuple[int]]:
    query = select(TICKETS.c.id)
    clause = visible_tickets(caller)
    return query if clause is None else query.where(clause)


def _swarm_member(caller: Caller, dialect: str) -> ColumnElement[bool]:
    if dialect == "sqlite":
        return text(
            "EXISTS (SELECT 1 FROM json_each(swarms.member_ids) WHERE json_each.value = :me)"
        ).bindparams(me=caller.agent_id)  # type: ignore[return-value]
    return text("CAST(swarms.member_ids AS jsonb) @> CAST(:me AS jsonb)").bindparams(
        me=json.dumps([caller.agent_id])
    )  # type: ignore[return-value]


def visible_swarms(caller: Caller, dialect: str) -> ColumnElement[bool] | None:
    """Members (the owner too), leads of the ticket's group, admins (`swarms.can_use_swarm`)."""
    if caller.is_admin:
        return None
    conditions = [SWARMS.c.owner_id == caller.agent_id, _swarm_member(caller, dialect)]
    if caller.is_lead and caller.group_ids:
        link = TICKETS.c.id == SWARMS.c.ticket_id
        conditions.append(exists().where(link, TICKETS.c.group_id.in_(sorted(caller.group_ids))))
    return or_(*conditions)


def visible_drafts(caller: Caller, dialect: str) -> ColumnElement[bool] | None:
    """Owner, reviewers, leads of the ticket's group, admins (`drafts.can_see_draft`)."""
    if caller.is_admin:
        return None
    if dialect == "sqlite":
        reviewer = text(
            "EXISTS (SELECT 1 FROM json_each(shared_drafts.reviewer_ids) "
            "WHERE json_each.value = :me)"
        ).bindparams(me=caller.agent_id)
    else:
        reviewer = text(
            "CAST(shared_drafts.reviewer_ids AS jsonb) @> CAST(:me AS jsonb)"
        ).bindparams(me=json.dumps([caller.agent_id]))
    conditions = [DRAFTS.c.owner_id == caller.agent_id, reviewer]
    if caller.is_lead and caller.group_ids:
        link = TICKETS.c.id == DRAFTS.c.ticket_id
        conditions.append(exists().where(link, TICKETS.c.group_id.in_(sorted(caller.group_ids))))
    return or_(*conditions)  # type: ignore[arg-type]


def row_filter(entity: str, caller: Caller, dialect: str) -> ColumnElement[bool] | None:
    """The condition on `entity`'s table limiting a pull to what `caller` may see."""
    if caller.is_admin:
        return None
    if entity == "ticket":
        return visible_tickets(caller)
    if entity in ("message", "satisfaction_rating"):
        # EXISTS (a primary-key probe per row) keeps the planners walking the version index;
        # `IN (visible ids)` made SQLite sort every visible message for each page.
        table = table_of(Message if entity == "message" else SatisfactionRating)
        return _ticket_visible_where(caller, TICKETS.c.id == table.c.ticket_id)
    if entity == "customer":
        customers = table_of(Customer)
        return _ticket_visible_where(caller, TICKETS.c.customer_id == customers.c.id)
    if entity == "swarm":
        return visible_swarms(caller, dialect)
    if entity == "shared_draft":
        return visible_drafts(caller, dialect)
    if entity == "swarm_message":
        link = SWARMS.c.id == table_of(SwarmMessage).c.swarm_id
        clause = visible_swarms(caller, dialect)
        return exists().where(link) if clause is None else exists().where(link, clause)
    if entity in ("canned_response", "saved_view"):
        table = table_of(CannedResponse if entity == "canned_response" else SavedView)
        return or_(table.c.owner_id.is_(None), table.c.owner_id == caller.agent_id)
    return None


def _ticket_visible_where(caller: Caller, link: ColumnElement[bool]) -> ColumnElement[bool]:
    """EXISTS a ticket matching `link` that the caller can see."""
    clause = visible_tickets(caller)
    if clause is None:
        return exists().where(link)
    return exists().where(link, clause)
