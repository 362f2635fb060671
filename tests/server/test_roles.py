"""The role matrix: agent / lead / admin x every mutation x own / unassigned / other agent's /
other group's tickets, and the endpoints a role may not call at all (403)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from agentdesk.domain.ids import uuid7
from agentdesk.domain.models import Ticket
from agentdesk.server.wire import table_of

from .conftest import World
from .test_auth import assert_problem

TICKETS = table_of(Ticket)
KINDS = ("update", "group", "take", "assign_other", "give_back", "tags", "message")
TICKET_NAMES = ("own", "unassigned", "others", "billing", "billing_bob")

# A = applied, R = rejected, per mutation kind in KINDS order.
EXPECTED: dict[str, dict[str, str]] = {
    "alice": {  # agent in support
        "own": "ARARAAA",
        "unassigned": "ARARAAA",
        "others": "RRRRRRR",
        "billing": "RRRRRRR",
        "billing_bob": "RRRRRRR",
    },
    "carol": {  # lead of support
        "own": "ARAAAAA",
        "unassigned": "ARAAAAA",
        "others": "ARAAAAA",
        "billing": "RRRRRRR",
        "billing_bob": "RRRRRRR",
    },
    "dave": {  # agent in billing
        "own": "RRRRRRR",
        "unassigned": "RRRRRRR",
        "others": "RRRRRRR",
        "billing": "ARARAAA",
        "billing_bob": "RRRRRRR",
    },
    "erin": {  # lead of billing
        "own": "RRRRRRR",
        "unassigned": "RRRRRRR",
        "others": "RRRRRRR",
        "billing": "ARAAAAA",
        "billing_bob": "ARAAAAA",
    },
    "root": {name: "AAAAAAA" for name in TICKET_NAMES},  # admin
}


def ticket_row(world: World, ticket_id: int) -> dict[str, Any]:
    with world.engine.connect() as conn:
        return dict(conn.execute(select(TICKETS).where(TICKETS.c.id == ticket_id)).one()._mapping)


def build(kind: str, world: World, actor: str, ticket: dict[str, Any]) -> tuple[str, dict]:
    ticket_id = ticket["id"]
    me = world.agents[actor].id
    other = world.agents["erin" if actor != "erin" else "carol"].id
    assignee = ticket["assignee_id"]
    if kind == "update":
        return "ticket.update", {
            "ticket_id": ticket_id,
            "fields": {"status": {"from": "open", "to": "pending"}},
        }
    if kind == "group":
        support, billing = world.groups["support"], world.groups["billing"]
        target = billing if ticket["group_id"] == support else support
        return "ticket.update", {
            "ticket_id": ticket_id,
            "fields": {"group_id": {"from": ticket["group_id"], "to": target}},
        }
    if kind == "take":
        return "ticket.assign", {"ticket_id": ticket_id, "from": assignee, "to": me}
    if kind == "assign_other":
        return "ticket.assign", {"ticket_id": ticket_id, "from": assignee, "to": other}
    if kind == "give_back":
        return "ticket.assign", {"ticket_id": ticket_id, "from": assignee, "to": None}
    if kind == "tags":
        return "ticket.tags", {"ticket_id": ticket_id, "add": ["matrix"]}
    return "message.add", {"id": uuid7(), "ticket_id": ticket_id, "body": "matrix note"}


@pytest.mark.parametrize("actor", sorted(EXPECTED))
async def test_mutation_role_matrix(world: World, client: httpx.AsyncClient, actor: str) -> None:
    mutation_id = 0
    failures = []
    for ticket_name in TICKET_NAMES:
        ticket_id = world.tickets[ticket_name]
        original = ticket_row(world, ticket_id)
        for kind, expected in zip(KINDS, EXPECTED[actor][ticket_name], strict=True):
            mutation_id += 1
            name, args = build(kind, world, actor, original)
            response = await client.post(
                "/v1/mutations",
                json={
                    "client_id": f"matrix-{actor}",
                    "mutations": [{"id": mutation_id, "name": name, "args": args}],
                },
                headers=world.auth(actor),
            )
            assert response.status_code == 200, response.text
            result = response.json()["results"][0]
            got = {"applied": "A", "rejected": "R"}.get(result["outcome"], result["outcome"])
            if got != expected:
                failures.append((ticket_name, kind, result))
            changed = ticket_row(world, ticket_id)
            if got == "R":
                assert changed == original, (ticket_name, kind)
            with world.engine.begin() as conn:  # back to the start for the next case
                conn.execute(update(TICKETS).where(TICKETS.c.id == ticket_id).values(**original))
    assert failures == []


def intake(group: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": "Phone call",
        "body": "Customer called about a refund.",
        "channel": "phone",
        "customer": {"email": "caller@customer.test", "name": "Cal Ler"},
    }
    if group is not None:
        body["group"] = group
    return body


async def test_endpoint_role_matrix(world: World, client: httpx.AsyncClient) -> None:
    new_agent = {"email": "x@example.test", "name": "X", "password": "secret1"}
    expected = {"alice": 403, "carol": 403, "dave": 403, "erin": 403, "root": 201}
    for actor, status in expected.items():
        agent = {**new_agent, "email": f"{actor}-new@example.test"}
        response = await client.post("/v1/agents", json=agent, headers=world.auth(actor))
        assert response.status_code == status, (actor, response.text)

    # filing a ticket into another group
    for actor, status in {"alice": 403, "carol": 403, "erin": 201, "root": 201}.items():
        response = await client.post(
            "/v1/tickets", json=intake("billing"), headers=world.auth(actor)
        )
        assert response.status_code == status, (actor, response.text)
    own_group = await client.post("/v1/tickets", json=intake(None), headers=world.auth("alice"))
    assert own_group.status_code == 201
    assert own_group.json()["group_id"] == world.groups["support"]

    # presence on tickets one cannot see is 404, on visible ones 204
    for actor, ticket, status in (
        ("alice", "own", 204),
        ("alice", "billing", 404),
        ("erin", "billing_bob", 204),
        ("root", "billing", 204),
    ):
        response = await client.post(
            "/v1/presence",
            json={"ticket_id": world.tickets[ticket], "state": "viewing"},
            headers=world.auth(actor),
        )
        assert response.status_code == status, (actor, ticket)
        if status >= 400:
            assert_problem(response, status)
