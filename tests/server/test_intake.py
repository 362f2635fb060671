"""`POST /v1/tickets`: intake keys, customers found or created, SLA due times, next pull."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import insert, select

from agentdesk.domain.models import Customer, Message, SlaPolicy
from agentdesk.domain.timeutil import parse_iso
from agentdesk.server.accounts import create_intake_key
from agentdesk.server.db import next_version, write_transaction
from agentdesk.server.wire import table_of

from .conftest import World
from .test_auth import assert_problem
from .test_changes import pull_pass

FORM = {
    "subject": "Where is my parcel?",
    "body": "Ordered two weeks ago, nothing yet. [bold red]x[/] \x1b[2J",
    "channel": "web",
    "priority": "high",
    "group": "support",
    "tags": ["delivery", "delivery"],
    "customer": {"email": "New.Person@Mail.test", "name": "New Person", "organisation": "Acme"},
}


async def test_intake_key_creates_customer_ticket_and_message(
    world: World, client: httpx.AsyncClient
) -> None:
    key = create_intake_key(world.engine, name="web form")
    headers = world.auth("alice")
    _changes, cursor, _ = await pull_pass(client, headers, 100)

    response = await client.post("/v1/tickets", json=FORM, headers={"X-Intake-Key": key})
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert ticket["status"] == "new"
    assert ticket["tags"] == ["delivery"]
    assert ticket["group_id"] == world.groups["support"]
    created = parse_iso(ticket["created_at"])
    assert parse_iso(ticket["first_reply_due"]) == created + timedelta(hours=4)  # high
    assert ticket["sla_due_at"] == ticket["first_reply_due"]

    later, _, _ = await pull_pass(client, headers, 100, cursor)
    entities = sorted(change["entity"] for change in later)
    assert entities == ["customer", "message", "organisation", "ticket"]
    message = next(c for c in later if c["entity"] == "message")["data"]
    assert message["body"] == FORM["body"]  # stored as is; clients render it inert
    assert message["author_kind"] == "customer"
    customer = next(c for c in later if c["entity"] == "customer")["data"]
    assert customer["email"] == "new.person@mail.test"

    # the same customer writes again: found by email, not duplicated
    again = await client.post("/v1/tickets", json=FORM, headers={"X-Intake-Key": key})
    assert again.status_code == 201
    assert again.json()["customer_id"] == ticket["customer_id"]
    with world.engine.connect() as conn:
        customers = table_of(Customer)
        found = conn.execute(
            select(customers.c.id).where(customers.c.email == "new.person@mail.test")
        ).all()
        assert len(found) == 1
        messages = table_of(Message)
        thread = conn.execute(
            select(messages.c.id).where(messages.c.ticket_id == again.json()["id"])
        ).all()
        assert len(thread) == 1


async def test_intake_uses_the_tier_policy(world: World, client: httpx.AsyncClient) -> None:
    with write_transaction(world.engine) as conn:
        version = next_version(conn)
        conn.execute(
            insert(table_of(SlaPolicy)).values(
                name="Standard",
                tier="standard",
                targets={"high": {"first_reply": 30, "resolution": 120}},
                version=version,
            )
        )
    key = create_intake_key(world.engine, name="mail")
    response = await client.post("/v1/tickets", json=FORM, headers={"X-Intake-Key": key})
    ticket = response.json()
    created = parse_iso(ticket["created_at"])
    assert parse_iso(ticket["first_reply_due"]) == created + timedelta(minutes=30)
    assert parse_iso(ticket["resolution_due"]) == created + timedelta(minutes=120)
    assert ticket["sla_policy_id"] is not None


async def test_intake_needs_a_key_or_token(world: World, client: httpx.AsyncClient) -> None:
    assert_problem(await client.post("/v1/tickets", json=FORM), 401)
    bad_key = await client.post("/v1/tickets", json=FORM, headers={"X-Intake-Key": "nope"})
    assert_problem(bad_key, 401)
    key = create_intake_key(world.engine, name="web")
    unknown_group = {**FORM, "group": "nowhere"}
    response = await client.post("/v1/tickets", json=unknown_group, headers={"X-Intake-Key": key})
    assert response.status_code == 201, response.text  # the customer's message is never lost
    assert response.json()["group_id"] is None
    bad_email = {**FORM, "customer": {"email": "not-an-email"}}
    response = await client.post("/v1/tickets", json=bad_email, headers={"X-Intake-Key": key})
    assert_problem(response, 422)


async def test_moving_a_ticket_resends_its_thread_to_the_new_group(
    world: World, client: httpx.AsyncClient
) -> None:
    """A ticket moved into dave's group brings its messages and customer to dave's pull."""
    headers = world.auth("dave")
    before, cursor, _ = await pull_pass(client, headers, 100)
    ticket_id = world.tickets["unassigned"]
    assert ticket_id not in {c["id"] for c in before if c["entity"] == "ticket"}
    move = {
        "id": 1,
        "name": "ticket.update",
        "args": {
            "ticket_id": ticket_id,
            "fields": {
                "group_id": {"from": world.groups["support"], "to": world.groups["billing"]}
            },
        },
    }
    response = await client.post(
        "/v1/mutations",
        json={"client_id": "admin-1", "mutations": [move]},
        headers=world.auth("root"),
    )
    assert response.json()["results"][0]["outcome"] == "applied"
    later, _, _ = await pull_pass(client, headers, 100, cursor)
    entities = {(c["entity"], c["data"].get("ticket_id", c["id"])) for c in later}
    assert ("ticket", ticket_id) in entities
    assert ("message", ticket_id) in entities
    assert ("customer", world.customers["zoe"]) in entities
