"""`POST /v1/mutations`: idempotency, gaps, per-field conflicts, messages, batches."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from agentdesk.domain.ids import uuid7
from agentdesk.domain.models import Message, Ticket
from agentdesk.server.tables import MutationRecord
from agentdesk.server.wire import table_of

from .conftest import World
from .test_auth import assert_problem

TICKETS = table_of(Ticket)


def ticket_row(world: World, ticket_id: int) -> dict[str, Any]:
    with world.engine.connect() as conn:
        return dict(conn.execute(select(TICKETS).where(TICKETS.c.id == ticket_id)).one()._mapping)


async def push(
    client: httpx.AsyncClient,
    world: World,
    agent: str,
    mutations: list[dict[str, Any]],
    client_id: str = "client-1",
) -> dict[str, Any]:
    response = await client.post(
        "/v1/mutations",
        json={"client_id": client_id, "mutations": mutations},
        headers=world.auth(agent),
    )
    assert response.status_code == 200, response.text
    return response.json()


def update(mid: int, ticket_id: int, **fields: tuple[Any, Any]) -> dict[str, Any]:
    return {
        "id": mid,
        "name": "ticket.update",
        "args": {
            "ticket_id": ticket_id,
            "fields": {name: {"from": old, "to": new} for name, (old, new) in fields.items()},
        },
    }


def message(mid: int, ticket_id: int, body: str = "Hello", public: bool = True) -> dict[str, Any]:
    return {
        "id": mid,
        "name": "message.add",
        "args": {"id": uuid7(), "ticket_id": ticket_id, "body": body, "public": public},
    }


async def test_update_applies_and_bumps_the_version(
    world: World, client: httpx.AsyncClient
) -> None:
    ticket_id = world.tickets["own"]
    before = ticket_row(world, ticket_id)
    answer = await push(client, world, "alice", [update(1, ticket_id, status=("open", "pending"))])
    assert answer == {"last_mutation_id": 1, "results": [{"id": 1, "outcome": "applied"}]}
    after = ticket_row(world, ticket_id)
    assert after["status"] == "pending"
    assert after["version"] > before["version"]
    assert after["sla_due_at"] is None  # pending pauses the clock


async def test_same_mutation_twice_applies_once(world: World, client: httpx.AsyncClient) -> None:
    ticket_id = world.tickets["own"]
    batch = [
        message(1, ticket_id, "first reply"),
        {"id": 2, "name": "ticket.tags", "args": {"ticket_id": ticket_id, "add": ["vip"]}},
        update(3, ticket_id, status=("new", "solved")),  # stale: a conflict
    ]
    first = await push(client, world, "alice", batch)
    assert [r["outcome"] for r in first["results"]] == ["applied", "applied", "conflict"]
    version_after_first = ticket_row(world, ticket_id)["version"]
    second = await push(client, world, "alice", batch)
    assert second["last_mutation_id"] == 3
    for original, duplicate in zip(first["results"], second["results"], strict=True):
        assert duplicate["outcome"] == "duplicate"
        assert duplicate["original_outcome"] == original["outcome"]
        assert duplicate.get("conflicts") == original.get("conflicts")
    messages = table_of(Message)
    with world.engine.connect() as conn:
        bodies = conn.execute(
            select(messages.c.body).where(messages.c.ticket_id == ticket_id)
        ).scalars()
        assert list(bodies).count("first reply") == 1
        records = conn.execute(select(func.count()).select_from(table_of(MutationRecord)))
        assert records.scalar() == 3
    assert ticket_row(world, ticket_id)["tags"] == ["vip"]
    assert ticket_row(world, ticket_id)["version"] == version_after_first


async def test_a_gap_stops_the_batch(world: World, client: httpx.AsyncClient) -> None:
    ticket_id = world.tickets["own"]
    answer = await push(
        client,
        world,
        "alice",
        [
            update(1, ticket_id, priority=("normal", "high")),
            update(3, ticket_id, subject=("x", "y")),
        ],
    )
    assert answer == {"last_mutation_id": 1, "results": [{"id": 1, "outcome": "applied"}]}
    assert ticket_row(world, ticket_id)["subject"] == "Refund please"
    only_gap = await push(client, world, "alice", [update(5, ticket_id, subject=("a", "b"))])
    assert only_gap == {"last_mutation_id": 1, "results": []}


async def test_stale_from_is_a_conflict_and_other_fields_apply(
    world: World, client: httpx.AsyncClient
) -> None:
    ticket_id = world.tickets["own"]
    await push(client, world, "bob", [], client_id="bobs")  # unrelated client: no effect
    await push(client, world, "carol", [update(1, ticket_id, status=("open", "solved"))], "lead")
    answer = await push(
        client,
        world,
        "alice",
        [update(1, ticket_id, status=("open", "pending"), priority=("normal", "urgent"))],
    )
    result = answer["results"][0]
    assert result["outcome"] == "conflict"
    assert result["conflicts"] == {
        "status": {"base": "open", "mine": "pending", "theirs": "solved"}
    }
    row = ticket_row(world, ticket_id)
    assert row["status"] == "solved"
    assert row["priority"] == "urgent"
    assert (
        row["first_reply_due"] < ticket_row(world, world.tickets["unassigned"])["first_reply_due"]
    )


async def test_already_at_target_is_a_no_op(world: World, client: httpx.AsyncClient) -> None:
    ticket_id = world.tickets["own"]
    version = ticket_row(world, ticket_id)["version"]
    answer = await push(client, world, "alice", [update(1, ticket_id, status=("new", "open"))])
    assert answer["results"] == [{"id": 1, "outcome": "applied"}]
    assert ticket_row(world, ticket_id)["version"] == version


async def test_messages_never_conflict(world: World, client: httpx.AsyncClient) -> None:
    ticket_id = world.tickets["own"]
    await push(client, world, "carol", [update(1, ticket_id, status=("open", "solved"))], "lead")
    answer = await push(
        client,
        world,
        "alice",
        [message(1, ticket_id, "late reply"), message(2, ticket_id, "n", False)],
    )
    assert [r["outcome"] for r in answer["results"]] == ["applied", "applied"]
    row = ticket_row(world, ticket_id)
    assert row["first_reply_at"] is not None


async def test_resent_message_insert_is_harmless(world: World, client: httpx.AsyncClient) -> None:
    ticket_id = world.tickets["own"]
    first = message(1, ticket_id, "same")
    again = {**first, "id": 2}
    answer = await push(client, world, "alice", [first, again])
    assert [r["outcome"] for r in answer["results"]] == ["applied", "applied"]
    hijack = {**first, "id": 3, "args": {**first["args"], "body": "different"}}
    answer = await push(client, world, "alice", [hijack])
    assert answer["results"][0]["outcome"] == "rejected"


async def test_tags_never_conflict(world: World, client: httpx.AsyncClient) -> None:
    ticket_id = world.tickets["own"]
    tags = [
        {"id": 1, "name": "ticket.tags", "args": {"ticket_id": ticket_id, "add": ["a", "b"]}},
        {"id": 2, "name": "ticket.tags", "args": {"ticket_id": ticket_id, "remove": ["a"]}},
    ]
    answer = await push(client, world, "alice", tags)
    assert [r["outcome"] for r in answer["results"]] == ["applied", "applied"]
    assert ticket_row(world, ticket_id)["tags"] == ["b"]


async def test_bad_mutations_are_rejected_and_still_advance(
    world: World, client: httpx.AsyncClient
) -> None:
    ticket_id = world.tickets["own"]
    answer = await push(
        client,
        world,
        "alice",
        [
            {"id": 1, "name": "ticket.explode", "args": {}},
            {"id": 2, "name": "ticket.update", "args": {"ticket_id": "x"}},
            update(3, ticket_id, status=("open", "bogus")),
            update(4, 999_999, status=("open", "pending")),
            message(5, ticket_id, ""),
            update(6, ticket_id, subject=("Refund please", "   ")),
            update(7, ticket_id, priority=("normal", "high")),
        ],
    )
    outcomes = [(r["id"], r["outcome"]) for r in answer["results"]]
    assert outcomes == [(i, "rejected") for i in range(1, 7)] + [(7, "applied")]
    assert all("\n" not in r.get("reason", "") for r in answer["results"])
    assert answer["last_mutation_id"] == 7


async def test_batch_limits(world: World, client: httpx.AsyncClient) -> None:
    ticket_id = world.tickets["own"]
    too_many = [update(i, ticket_id, subject=("a", "b")) for i in range(1, 502)]
    response = await client.post(
        "/v1/mutations",
        json={"client_id": "big", "mutations": too_many},
        headers=world.auth("alice"),
    )
    assert_problem(response, 413)


async def test_client_id_belongs_to_its_first_agent(
    world: World, client: httpx.AsyncClient
) -> None:
    await push(client, world, "alice", [], client_id="shared")
    response = await client.post(
        "/v1/mutations",
        json={"client_id": "shared", "mutations": []},
        headers=world.auth("bob"),
    )
    assert_problem(response, 403)


async def test_availability(world: World, client: httpx.AsyncClient) -> None:
    change = {"id": 1, "name": "agent.availability", "args": {"from": "available", "to": "away"}}
    stale = {"id": 2, "name": "agent.availability", "args": {"from": "offline", "to": "available"}}
    answer = await push(client, world, "alice", [change, stale])
    assert answer["results"][0]["outcome"] == "applied"
    assert answer["results"][1]["conflicts"]["availability"]["theirs"] == "away"
    me = await client.get("/v1/me", headers=world.auth("alice"))
    assert me.json()["availability"] == "away"


async def test_pull_after_push_shows_the_effects(world: World, client: httpx.AsyncClient) -> None:
    from .test_changes import pull_pass

    headers = world.auth("alice")
    _changes, cursor, _ = await pull_pass(client, headers, 100)
    ticket_id = world.tickets["unassigned"]
    alice = world.agents["alice"].id
    take = {
        "id": 1,
        "name": "ticket.assign",
        "args": {"ticket_id": ticket_id, "from": None, "to": alice},
    }
    await push(client, world, "alice", [take, message(2, ticket_id, "on it")])
    later, _, _ = await pull_pass(client, headers, 100, cursor)
    tickets = [c for c in later if c["entity"] == "ticket"]
    assert [t["data"]["assignee_id"] for t in tickets] == [alice]
    assert any(c["entity"] == "message" and c["data"]["body"] == "on it" for c in later)


async def test_a_refusing_or_failing_handler_leaves_no_partial_write(
    world: World, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import update as sql_update

    from agentdesk.server import mutations

    ticket_id = world.tickets["own"]
    before = ticket_row(world, ticket_id)

    def write_then(outcome: Exception) -> Any:
        def handler(ctx: mutations.Context, args: Any) -> mutations.Applied:
            ctx.conn.execute(
                sql_update(TICKETS)
                .where(TICKETS.c.id == ticket_id)
                .values(subject="half-done", version=ctx.version())
            )
            ctx.notify("change", {"version": -1})
            raise outcome

        return handler

    tags = {"ticket_id": ticket_id, "add": ["x"]}
    monkeypatch.setitem(mutations.HANDLERS, "ticket.tags", write_then(mutations.Rejected("no")))
    first = await push(client, world, "alice", [{"id": 1, "name": "ticket.tags", "args": tags}])
    assert first["results"] == [{"id": 1, "outcome": "rejected", "reason": "no"}]
    monkeypatch.setitem(mutations.HANDLERS, "ticket.tags", write_then(RuntimeError("bug")))
    second = await push(client, world, "alice", [{"id": 2, "name": "ticket.tags", "args": tags}])
    assert second["results"][0]["outcome"] == "rejected"
    assert "could not apply" in second["results"][0]["reason"]
    assert second["last_mutation_id"] == 2
    assert ticket_row(world, ticket_id) == before
