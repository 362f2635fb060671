"""Case swarms on the server: the `swarm.*` mutations and `GET /v1/swarms/{id}`.

Who may read or post: the swarm's members (the owner is one), leads of the ticket's group,
and admins (`can_use_swarm`). Anyone who can see a ticket may start a swarm on it; the owner
(or a lead/admin as above) invites more members and closes it. Closing stores the outcome and
posts it to the ticket as an internal note crediting the members.

Realtime (after commit, see `mutations.Context.notify`): `swarm.message {SwarmMessage}` to
the members; `mention {swarm_id, message_id, ticket_id, author_id, agent_id}` to each member
a message names with `@name`; `invite {swarm_id, ticket_id, owner_id, ask}` to each new
member; `swarm {Swarm}` to the members whenever the room itself changes (start, invite,
leave, close).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Connection, insert, select, update

from agentdesk.domain.enums import SwarmStatus
from agentdesk.domain.ids import uuid7
from agentdesk.domain.models import Agent, Message, Swarm, SwarmMessage, Ticket
from agentdesk.domain.mutations import (
    SwarmCloseArgs,
    SwarmInviteArgs,
    SwarmLeaveArgs,
    SwarmMessageArgs,
    SwarmStartArgs,
)
from agentdesk.domain.swarms import closing_note, mentioned_agents
from agentdesk.server.auth import CurrentCaller
from agentdesk.server.mutations import Applied, Context, Rejected, _load_ticket
from agentdesk.server.permissions import Caller
from agentdesk.server.problems import Problem, responses
from agentdesk.server.state import ServerState, server_state
from agentdesk.server.wire import json_response, plain, row_data, table_of

SWARMS = table_of(Swarm)
SWARM_MESSAGES = table_of(SwarmMessage)
TICKETS = table_of(Ticket)
MESSAGES = table_of(Message)
AGENTS = table_of(Agent)

router = APIRouter(prefix="/v1", tags=["swarms"])


def members_of(swarm: Mapping[str, Any]) -> list[int]:
    """Member ids, the owner first."""
    members = [int(swarm["owner_id"])]
    for agent_id in swarm.get("member_ids") or []:
        if int(agent_id) not in members:
            members.append(int(agent_id))
    return members


def can_use_swarm(
    caller: Caller, swarm: Mapping[str, Any], ticket: Mapping[str, Any] | None
) -> bool:
    """May the caller read and post in this swarm?"""
    if caller.is_admin or caller.agent_id in members_of(swarm):
        return True
    return caller.is_lead and ticket is not None and ticket.get("group_id") in caller.group_ids


def can_manage_swarm(
    caller: Caller, swarm: Mapping[str, Any], ticket: Mapping[str, Any] | None
) -> bool:
    """May the caller invite members to and close this swarm?"""
    if caller.is_admin or caller.agent_id == swarm["owner_id"]:
        return True
    return caller.is_lead and ticket is not None and ticket.get("group_id") in caller.group_ids


def _ticket_scope(conn: Connection, ticket_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        select(TICKETS.c.id, TICKETS.c.group_id, TICKETS.c.assignee_id).where(
            TICKETS.c.id == ticket_id
        )
    ).first()
    return None if row is None else dict(row._mapping)


def _load_swarm(ctx: Context, swarm_id: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The swarm (locked on PostgreSQL) and its ticket; rejected unless the caller may use it."""
    query = select(SWARMS).where(SWARMS.c.id == swarm_id)
    if ctx.conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = ctx.conn.execute(query).first()
    if row is None:
        raise Rejected(f"swarm {swarm_id} not found")
    swarm = dict(row._mapping)
    ticket = _ticket_scope(ctx.conn, int(swarm["ticket_id"]))
    if not can_use_swarm(ctx.caller, swarm, ticket):
        raise Rejected(f"you are not a member of swarm {swarm_id}")
    return swarm, ticket


def _active_agents(conn: Connection, agent_ids: list[int]) -> dict[int, str]:
    rows = conn.execute(
        select(AGENTS.c.id, AGENTS.c.name).where(AGENTS.c.id.in_(agent_ids), AGENTS.c.active)
    ).all()
    found = {int(row.id): str(row.name) for row in rows}
    missing = [agent_id for agent_id in agent_ids if agent_id not in found]
    if missing:
        raise Rejected(f"agent {missing[0]} not found")
    return found


def _swarm_event(ctx: Context, swarm_id: str, audience: list[int]) -> None:
    row = ctx.conn.execute(select(SWARMS).where(SWARMS.c.id == swarm_id)).first()
    if row is not None:
        ctx.notify("swarm", plain(row_data(row)), audience)


def swarm_start(ctx: Context, args: SwarmStartArgs) -> Applied:
    ticket = _load_ticket(ctx, args.ticket_id)
    owner = ctx.caller.agent_id
    existing = ctx.conn.execute(
        select(SWARMS.c.ticket_id, SWARMS.c.owner_id).where(SWARMS.c.id == args.id)
    ).first()
    if existing is not None:
        if (existing.ticket_id, existing.owner_id) == (args.ticket_id, owner):
            return Applied({"outcome": "applied"})  # a re-sent start: already there
        raise Rejected(f"swarm id {args.id} is already used")
    invitees = [agent_id for agent_id in dict.fromkeys(args.member_ids) if agent_id != owner]
    if not invitees:
        raise Rejected("invite at least one other agent")
    _active_agents(ctx.conn, invitees)
    version = ctx.version()
    ctx.conn.execute(
        insert(SWARMS).values(
            id=args.id,
            ticket_id=ticket["id"],
            owner_id=owner,
            member_ids=[owner, *invitees],
            ask=args.ask,
            status=SwarmStatus.OPEN,
            created_at=ctx.now,
            version=version,
        )
    )
    invite = {"swarm_id": args.id, "ticket_id": ticket["id"], "owner_id": owner, "ask": args.ask}
    ctx.notify("invite", invite, invitees)
    _swarm_event(ctx, args.id, [owner, *invitees])
    return Applied({"outcome": "applied"}, version)


def swarm_message(ctx: Context, args: SwarmMessageArgs) -> Applied:
    swarm, _ticket = _load_swarm(ctx, args.swarm_id)
    existing = ctx.conn.execute(
        select(SWARM_MESSAGES.c.swarm_id, SWARM_MESSAGES.c.author_id, SWARM_MESSAGES.c.body).where(
            SWARM_MESSAGES.c.id == args.id
        )
    ).first()
    if existing is not None:
        if tuple(existing) == (args.swarm_id, ctx.caller.agent_id, args.body):
            return Applied({"outcome": "applied"})  # a re-sent message: already there
        raise Rejected(f"message id {args.id} is already used")
    if swarm["status"] != SwarmStatus.OPEN:
        raise Rejected(f"swarm {args.swarm_id} is closed")
    version = ctx.version()
    values = {
        "id": args.id,
        "swarm_id": args.swarm_id,
        "author_id": ctx.caller.agent_id,
        "body": args.body,
        "created_at": ctx.now,
        "version": version,
    }
    ctx.conn.execute(insert(SWARM_MESSAGES).values(**values))
    members = members_of(swarm)
    ctx.notify("swarm.message", plain(values), members)
    agents = ctx.conn.execute(
        select(AGENTS.c.id, AGENTS.c.name, AGENTS.c.email).where(AGENTS.c.id.in_(members))
    ).all()
    for agent_id in mentioned_agents(args.body, [dict(row._mapping) for row in agents]):
        if agent_id == ctx.caller.agent_id:
            continue
        mention = {
            "swarm_id": args.swarm_id,
            "message_id": args.id,
            "ticket_id": swarm["ticket_id"],
            "author_id": ctx.caller.agent_id,
            "agent_id": agent_id,
        }
        ctx.notify("mention", mention, [agent_id])
    # Only the room sees the line: its change hint goes to the members alone (leads and
    # admins outside the room get it with their next pull).
    return Applied({"outcome": "applied"}, version, hint_agents=frozenset(members))


def _set_members(ctx: Context, swarm: dict[str, Any], members: list[int]) -> int:
    """Store new members; the room's messages are re-sent so new members pull the history."""
    version = ctx.version()
    ctx.conn.execute(
        update(SWARMS).where(SWARMS.c.id == swarm["id"]).values(member_ids=members, version=version)
    )
    ctx.conn.execute(
        update(SWARM_MESSAGES)
        .where(SWARM_MESSAGES.c.swarm_id == swarm["id"])
        .values(version=version)
    )
    return version


def swarm_invite(ctx: Context, args: SwarmInviteArgs) -> Applied:
    swarm, ticket = _load_swarm(ctx, args.swarm_id)
    if not can_manage_swarm(ctx.caller, swarm, ticket):
        raise Rejected("only the swarm's owner (or a lead of the ticket's group) may invite")
    if swarm["status"] != SwarmStatus.OPEN:
        raise Rejected(f"swarm {args.swarm_id} is closed")
    members = members_of(swarm)
    new = [agent_id for agent_id in dict.fromkeys(args.member_ids) if agent_id not in members]
    if not new:
        return Applied({"outcome": "applied"})
    _active_agents(ctx.conn, new)
    version = _set_members(ctx, swarm, [*members, *new])
    invite = {
        "swarm_id": swarm["id"],
        "ticket_id": swarm["ticket_id"],
        "owner_id": swarm["owner_id"],
        "ask": swarm["ask"],
    }
    ctx.notify("invite", invite, new)
    _swarm_event(ctx, swarm["id"], [*members, *new])
    return Applied({"outcome": "applied"}, version)


def swarm_leave(ctx: Context, args: SwarmLeaveArgs) -> Applied:
    swarm, _ticket = _load_swarm(ctx, args.swarm_id)
    if ctx.caller.agent_id == swarm["owner_id"]:
        raise Rejected("the owner cannot leave the swarm; close it instead")
    members = members_of(swarm)
    if ctx.caller.agent_id not in members:
        return Applied({"outcome": "applied"})
    remaining = [agent_id for agent_id in members if agent_id != ctx.caller.agent_id]
    version = ctx.version()
    ctx.conn.execute(
        update(SWARMS)
        .where(SWARMS.c.id == swarm["id"])
        .values(member_ids=remaining, version=version)
    )
    _swarm_event(ctx, swarm["id"], members)
    return Applied({"outcome": "applied"}, version)


def swarm_close(ctx: Context, args: SwarmCloseArgs) -> Applied:
    swarm, ticket = _load_swarm(ctx, args.swarm_id)
    if not can_manage_swarm(ctx.caller, swarm, ticket):
        raise Rejected("only the swarm's owner (or a lead of the ticket's group) may close it")
    if swarm["status"] == SwarmStatus.CLOSED:
        if swarm.get("outcome") == args.summary:
            return Applied({"outcome": "applied"})  # a re-sent close
        raise Rejected(f"swarm {args.swarm_id} is already closed")
    members = members_of(swarm)
    names = _active_agents_named(ctx.conn, members)
    version = ctx.version()
    ctx.conn.execute(
        update(SWARMS)
        .where(SWARMS.c.id == swarm["id"])
        .values(status=SwarmStatus.CLOSED, outcome=args.summary, closed_at=ctx.now, version=version)
    )
    channel = ctx.conn.execute(
        select(TICKETS.c.channel).where(TICKETS.c.id == swarm["ticket_id"])
    ).scalar()
    ctx.conn.execute(
        insert(MESSAGES).values(
            id=args.note_id or uuid7(),
            ticket_id=swarm["ticket_id"],
            public=False,
            author_kind="agent",
            author_id=ctx.caller.agent_id,
            body=closing_note(args.summary, names),
            channel=channel,
            created_at=ctx.now,
            version=version,
        )
    )
    ctx.conn.execute(
        update(TICKETS)
        .where(TICKETS.c.id == swarm["ticket_id"])
        .values(updated_at=ctx.now, version=version)
    )
    _swarm_event(ctx, swarm["id"], members)
    return Applied({"outcome": "applied"}, version)


def _active_agents_named(conn: Connection, agent_ids: list[int]) -> list[str]:
    rows = conn.execute(select(AGENTS.c.id, AGENTS.c.name).where(AGENTS.c.id.in_(agent_ids))).all()
    names = {int(row.id): str(row.name) for row in rows}
    return [names[agent_id] for agent_id in agent_ids if agent_id in names]


HANDLERS: dict[str, Any] = {
    "swarm.start": swarm_start,
    "swarm.message": swarm_message,
    "swarm.invite": swarm_invite,
    "swarm.leave": swarm_leave,
    "swarm.close": swarm_close,
}
"""Registered into `agentdesk.server.mutations.HANDLERS`."""


# -- direct read -------------------------------------------------------------------------


@router.get(
    "/swarms/{swarm_id}",
    responses=responses(403, 404),
    summary="A swarm and its messages (members, and leads/admins of the ticket's group)",
)
def read_swarm(
    swarm_id: str, caller: CurrentCaller, state: ServerState = Depends(server_state)
) -> Response:
    with state.engine.connect() as conn:
        row = conn.execute(select(SWARMS).where(SWARMS.c.id == swarm_id)).first()
        if row is None:
            raise Problem(404, f"swarm {swarm_id} not found")
        swarm = row_data(row)
        ticket = _ticket_scope(conn, int(swarm["ticket_id"]))
        if not can_use_swarm(caller, swarm, ticket):
            raise Problem(403, "only the swarm's members may read it")
        messages = conn.execute(
            select(SWARM_MESSAGES)
            .where(SWARM_MESSAGES.c.swarm_id == swarm_id)
            .order_by(SWARM_MESSAGES.c.created_at, SWARM_MESSAGES.c.id)
        ).all()
    return json_response({"swarm": swarm, "messages": [row_data(m) for m in messages]})


class SwarmPresenceRequest(BaseModel):
    state: Literal["in", "left"]


@router.post(
    "/swarms/{swarm_id}/presence",
    status_code=204,
    responses=responses(403, 404),
    summary="Announce that the caller has the swarm room open (`in`, renew within 60 s) or not",
)
def swarm_presence(
    swarm_id: str,
    body: SwarmPresenceRequest,
    caller: CurrentCaller,
    state: ServerState = Depends(server_state),
) -> Response:
    with state.engine.connect() as conn:
        row = conn.execute(select(SWARMS).where(SWARMS.c.id == swarm_id)).first()
        if row is None:
            raise Problem(404, f"swarm {swarm_id} not found")
        swarm = row_data(row)
        ticket = _ticket_scope(conn, int(swarm["ticket_id"]))
    if not can_use_swarm(caller, swarm, ticket):
        raise Problem(403, "only the swarm's members may join its room")
    data = {"swarm_id": swarm_id, "agent_id": caller.agent_id, "state": body.state}
    state.broadcaster.publish_to_agents("swarm.presence", data, members_of(swarm))
    return Response(status_code=204)
