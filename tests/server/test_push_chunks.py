"""`POST /v1/mutations` handled in chunks (one transaction, results written together at the
end, versions handed out from memory): what a chunk must still guarantee, on SQLite and
PostgreSQL."""

from __future__ import annotations

import httpx
from sqlalchemy import select, text

from agentdesk.domain.models import Message
from agentdesk.server.tables import MutationRecord
from agentdesk.server.wire import table_of

from .conftest import World
from .test_mutations import message, push, ticket_row, update

MESSAGES = table_of(Message)
RECORDS = table_of(MutationRecord)


def sequence_value(world: World) -> int:
    with world.engine.connect() as conn:
        return int(
            conn.execute(text("SELECT value FROM change_sequence WHERE id = 1")).scalar_one()
        )


async def test_an_id_repeated_in_one_request_answers_duplicate(
    world: World, client: httpx.AsyncClient
) -> None:
    """The second copy is found among the results not yet written (same transaction)."""
    ticket_id = world.tickets["own"]
    reply = message(1, ticket_id, "only once")
    answer = await push(
        client, world, "alice", [reply, reply, update(2, ticket_id, status=("open", "pending"))]
    )
    assert answer["last_mutation_id"] == 2
    assert answer["results"] == [
        {"id": 1, "outcome": "applied"},
        {"id": 1, "outcome": "duplicate", "original_outcome": "applied"},
        {"id": 2, "outcome": "applied"},
    ]
    with world.engine.connect() as conn:
        bodies = conn.execute(
            select(MESSAGES.c.body).where(MESSAGES.c.ticket_id == ticket_id)
        ).scalars()
        assert list(bodies).count("only once") == 1
        stored = conn.execute(
            select(RECORDS.c.mutation_id).where(RECORDS.c.client_id == "client-1")
        ).scalars()
        assert sorted(stored) == [1, 2]
    again = await push(client, world, "alice", [reply])  # a later request: from the database
    assert again["results"] == [{"id": 1, "outcome": "duplicate", "original_outcome": "applied"}]


async def test_versions_of_one_request_are_distinct_and_the_sequence_moves_past_them(
    world: World, client: httpx.AsyncClient
) -> None:
    own, unassigned = world.tickets["own"], world.tickets["unassigned"]
    before = sequence_value(world)
    answer = await push(
        client,
        world,
        "alice",
        [
            update(1, own, status=("open", "pending")),
            update(2, 999_999, status=("open", "pending")),  # unknown ticket: rejected
            {"id": 3, "name": "ticket.tags", "args": {"ticket_id": unassigned, "add": ["x"]}},
            message(4, own, "after the tags"),
        ],
    )
    outcomes = [r["outcome"] for r in answer["results"]]
    assert outcomes == ["applied", "rejected", "applied", "applied"]
    tagged = ticket_row(world, unassigned)["version"]
    replied = ticket_row(world, own)["version"]  # mutation 4 wrote it last
    assert before < tagged < replied
    with world.engine.connect() as conn:
        reply_version = conn.execute(
            select(MESSAGES.c.version).where(MESSAGES.c.body == "after the tags")
        ).scalar_one()
    assert reply_version == replied  # one version per mutation, on every row it wrote
    assert sequence_value(world) >= replied
    # The next request (a new transaction) continues above every version handed out.
    await push(client, world, "alice", [update(5, own, status=("pending", "open"))])
    assert ticket_row(world, own)["version"] > replied
    assert sequence_value(world) == ticket_row(world, own)["version"]


async def test_a_pull_after_a_push_sees_every_row_it_wrote(
    world: World, client: httpx.AsyncClient
) -> None:
    """Versions from memory are still committed with their rows: a pull from the cursor
    taken before the push returns all of them, and then nothing more."""
    own, unassigned = world.tickets["own"], world.tickets["unassigned"]
    auth = world.auth("alice")
    first = (await client.get("/v1/changes", params={"limit": 5000}, headers=auth)).json()
    cursor = first["cursor"]
    await push(
        client,
        world,
        "alice",
        [
            message(1, own, "a"),
            message(2, unassigned, "b"),
            update(3, own, priority=("normal", "high")),
        ],
    )
    page = (
        await client.get("/v1/changes", params={"limit": 5000, "cursor": cursor}, headers=auth)
    ).json()
    seen = {(c["entity"], c["id"]) for c in page["changes"]}
    assert {("ticket", own), ("ticket", unassigned)} <= seen
    assert sum(1 for entity, _ in seen if entity == "message") == 2
    rest = (
        await client.get(
            "/v1/changes", params={"limit": 5000, "cursor": page["cursor"]}, headers=auth
        )
    ).json()
    assert rest["changes"] == []
