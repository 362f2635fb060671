"""Concurrent pushes against the real database: nothing applies twice, versions stay ordered."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select

from agentdesk.domain.ids import uuid7
from agentdesk.domain.models import Message
from agentdesk.server.wire import table_of

from .conftest import World
from .test_changes import pull_pass


async def test_the_same_batch_sent_concurrently_applies_once(
    world: World, client: httpx.AsyncClient
) -> None:
    ticket_id = world.tickets["own"]
    batch = [
        {
            "id": number,
            "name": "message.add",
            "args": {"id": uuid7(), "ticket_id": ticket_id, "body": f"reply {number}"},
        }
        for number in range(1, 6)
    ]

    async def send() -> httpx.Response:
        return await client.post(
            "/v1/mutations",
            json={"client_id": "racer", "mutations": batch},
            headers=world.auth("alice"),
        )

    responses = await asyncio.gather(*(send() for _ in range(6)))
    for response in responses:
        assert response.status_code == 200, response.text
        assert response.json()["last_mutation_id"] == 5
    outcomes = [r["outcome"] for response in responses for r in response.json()["results"]]
    assert outcomes.count("applied") == 5
    assert set(outcomes) == {"applied", "duplicate"}
    messages = table_of(Message)
    with world.engine.connect() as conn:
        count = conn.execute(
            select(func.count()).where(
                messages.c.ticket_id == ticket_id, messages.c.body.like("reply %")
            )
        ).scalar()
    assert count == 5


async def test_racing_edits_of_one_field_apply_once(
    world: World, client: httpx.AsyncClient
) -> None:
    ticket_id = world.tickets["unassigned"]
    agents = ["alice", "carol", "root"]
    targets = {"alice": "pending", "carol": "on-hold", "root": "solved"}
    headers = world.auth("root")
    _changes, cursor, _ = await pull_pass(client, headers, 1000)

    async def edit(agent: str) -> dict:
        response = await client.post(
            "/v1/mutations",
            json={
                "client_id": f"edit-{agent}",
                "mutations": [
                    {
                        "id": 1,
                        "name": "ticket.update",
                        "args": {
                            "ticket_id": ticket_id,
                            "fields": {"status": {"from": "open", "to": targets[agent]}},
                        },
                    }
                ],
            },
            headers=world.auth(agent),
        )
        assert response.status_code == 200, response.text
        return response.json()["results"][0]

    results = await asyncio.gather(*(edit(agent) for agent in agents))
    winners = [agent for agent, r in zip(agents, results, strict=True) if r["outcome"] == "applied"]
    assert len(winners) == 1
    for agent, result in zip(agents, results, strict=True):
        if agent not in winners:
            assert result["conflicts"]["status"]["theirs"] == targets[winners[0]]
    later, _, _pages = await pull_pass(client, headers, 1000, cursor)
    tickets = [c for c in later if c["entity"] == "ticket"]
    assert [t["data"]["status"] for t in tickets] == [targets[winners[0]]]
