"""`POST /v1/tickets`: the inbound channel (web form, mail gateway, an agent on the phone).

Authenticated by `X-Intake-Key` or an agent's bearer token. Finds the customer by email (or
creates them, and their organisation by name), picks the SLA policy of the customer's tier,
computes the due times with `domain.sla`, and writes ticket + first customer message in one
transaction with one version. Agents and leads may file tickets only into their own groups.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import Connection, func, insert, select

from agentdesk.domain.enums import AuthorKind, Channel, Priority, Status, Tier
from agentdesk.domain.ids import uuid7
from agentdesk.domain.models import Customer, Group, Message, Organisation, SlaPolicy, Ticket
from agentdesk.domain.mutations import MAX_BODY_CHARS
from agentdesk.domain.sla import due_times, next_due
from agentdesk.domain.timeutil import utcnow
from agentdesk.server.auth import bearer_token, caller_for_token, unauthenticated
from agentdesk.server.db import next_version, write_transaction
from agentdesk.server.inputs import Email, ShortText, Subject, Tag
from agentdesk.server.passwords import token_digest
from agentdesk.server.permissions import Caller
from agentdesk.server.problems import Problem, responses
from agentdesk.server.state import ServerState, server_state
from agentdesk.server.tables import IntakeKey
from agentdesk.server.wire import json_response, table_of

TICKETS = table_of(Ticket)
MESSAGES = table_of(Message)
CUSTOMERS = table_of(Customer)
ORGANISATIONS = table_of(Organisation)
GROUPS = table_of(Group)
POLICIES = table_of(SlaPolicy)
INTAKE_KEYS = table_of(IntakeKey)


router = APIRouter(prefix="/v1", tags=["intake"])


class IntakeCustomer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    name: ShortText | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None
    organisation: ShortText | None = None


class IntakeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: Subject
    body: Annotated[str, StringConstraints(min_length=1, max_length=MAX_BODY_CHARS)]
    channel: Channel
    priority: Priority = Priority.NORMAL
    group: ShortText | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    customer: IntakeCustomer


def _intake_caller(request: Request, state: ServerState, intake_key: str | None) -> Caller | None:
    """None for a valid intake key, the agent for a valid token; 401 otherwise."""
    if intake_key:
        digest = token_digest(intake_key)
        with state.engine.connect() as conn:
            found = conn.execute(
                select(INTAKE_KEYS.c.id).where(INTAKE_KEYS.c.key_hash == digest)
            ).first()
        if found is None:
            raise unauthenticated("unknown intake key")
        state.limiter.check("intake:" + digest)
        return None
    token = bearer_token(request)
    if token is None:
        raise unauthenticated("send an X-Intake-Key header or an agent bearer token")
    with state.engine.connect() as conn:
        caller = caller_for_token(conn, token)
    state.limiter.check("token:" + (caller.token_hash or ""))
    return caller


def _customer(conn: Connection, data: IntakeCustomer, version: int) -> dict[str, object]:
    email = data.email.lower()  # stored lower-case, so the unique index finds it
    row = conn.execute(select(CUSTOMERS).where(CUSTOMERS.c.email == email)).first()
    if row is not None:
        return dict(row._mapping)
    organisation_id = None
    tier = Tier.STANDARD
    if data.organisation:
        org = conn.execute(
            select(ORGANISATIONS.c.id, ORGANISATIONS.c.tier).where(
                func.lower(ORGANISATIONS.c.name) == data.organisation.lower()
            )
        ).first()
        if org is None:
            organisation_id = conn.execute(
                insert(ORGANISATIONS).values(
                    name=data.organisation, domain=None, tier=tier, notes="", version=version
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        else:
            organisation_id, tier = org.id, Tier(org.tier)
    values = {
        "name": data.name or email.split("@")[0],
        "email": email,
        "phone": data.phone,
        "organisation_id": organisation_id,
        "tier": tier,
        "notes": "",
        "created_at": utcnow(),
        "version": version,
    }
    values["id"] = conn.execute(insert(CUSTOMERS).values(**values)).inserted_primary_key[0]  # type: ignore[index]
    return values


def _policy(conn: Connection, tier: Tier) -> tuple[int | None, dict[str, dict[str, int]] | None]:
    rows = conn.execute(
        select(POLICIES.c.id, POLICIES.c.tier, POLICIES.c.targets).order_by(POLICIES.c.id)
    ).all()
    for row in rows:
        if row.tier is not None and Tier(row.tier) is tier:
            return row.id, row.targets
    for row in rows:
        if row.tier is None:
            return row.id, row.targets
    return None, None


@router.post(
    "/tickets",
    status_code=201,
    response_model=Ticket,
    responses=responses(),
    summary="Create a ticket with its first customer message (intake key or agent token)",
)
def create_ticket(
    body: IntakeRequest,
    request: Request,
    state: ServerState = Depends(server_state),
    x_intake_key: str | None = Header(default=None, max_length=200),
) -> Response:
    caller = _intake_caller(request, state, x_intake_key)
    now = utcnow()
    with write_transaction(state.engine) as conn:
        # An unknown group name never loses the customer's message: the ticket is filed
        # without a group (an agent's: into their first group), for a person to route.
        group_id = None
        if body.group is not None:
            group_id = conn.execute(select(GROUPS.c.id).where(GROUPS.c.name == body.group)).scalar()
        if caller is not None and not caller.is_admin:
            if group_id is None and caller.group_ids:
                group_id = min(caller.group_ids)
            if group_id not in caller.group_ids:
                raise Problem(403, "you may only file tickets into your own groups")
        version = next_version(conn)
        customer = _customer(conn, body.customer, version)
        policy_id, targets = _policy(conn, Tier(customer["tier"]))
        due = due_times(now, body.priority, targets)
        tags: list[str] = []
        for tag in body.tags:
            if tag not in tags:
                tags.append(tag)
        ticket = {
            "subject": body.subject,
            "status": Status.NEW,
            "priority": body.priority,
            "channel": body.channel,
            "customer_id": customer["id"],
            "assignee_id": None,
            "group_id": group_id,
            "tags": tags,
            "sla_policy_id": policy_id,
            "created_at": now,
            "updated_at": now,
            "first_reply_at": None,
            "solved_at": None,
            "first_reply_due": due.first_reply_due,
            "resolution_due": due.resolution_due,
            "sla_due_at": next_due(Status.NEW, None, due.first_reply_due, due.resolution_due),
            "merged_into_id": None,
            "version": version,
        }
        ticket_id = conn.execute(insert(TICKETS).values(**ticket)).inserted_primary_key[0]  # type: ignore[index]
        conn.execute(
            insert(MESSAGES).values(
                id=uuid7(),
                ticket_id=ticket_id,
                public=True,
                author_kind=AuthorKind.CUSTOMER,
                author_id=customer["id"],
                body=body.body,
                channel=body.channel,
                created_at=now,
                version=version,
            )
        )
    state.broadcaster.publish_change(version)
    return json_response({"id": ticket_id, **ticket}, status_code=201)
