"""`GET /v1/changes`: paging, ties, visibility per role, cursors, tombstones."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select, update

from agentdesk.domain.models import Agent, Message, Ticket
from agentdesk.server.db import next_version, write_transaction
from agentdesk.server.tables import Tombstone
from agentdesk.server.wire import table_of

from .conftest import World, add_ticket
from .test_auth import assert_problem


async def pull_pass(
    client: httpx.AsyncClient, headers: dict[str, str], limit: int, cursor: str = ""
) -> tuple[list[dict[str, Any]], str, list[list[dict[str, Any]]]]:
    """Every page of one pass; checks the paging invariants on the way."""
    changes: list[dict[str, Any]] = []
    pages: list[list[dict[str, Any]]] = []
    seen: set[tuple[str, Any]] = set()
    for _ in range(1000):
        params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/v1/changes", params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        page = body["changes"]
        versions = [change["version"] for change in page]
        assert versions == sorted(versions)
        if pages and pages[-1] and page:
            assert page[0]["version"] > pages[-1][-1]["version"], "a version was split"
        for change in page:
            key = (change["entity"], change["id"])
            assert key not in seen, f"{key} twice in one pass"
            seen.add(key)
        pages.append(page)
        changes.extend(page)
        cursor = body["cursor"]
        if not body["has_more"]:
            return changes, cursor, pages
    raise AssertionError("the pass never ended")


def ids(changes: list[dict[str, Any]], entity: str) -> set[Any]:
    return {change["id"] for change in changes if change["entity"] == entity}


def count_rows(world: World) -> int:
    from agentdesk.domain.models import SYNCED_MODELS

    total = 0
    with world.engine.connect() as conn:
        for model in SYNCED_MODELS.values():
            total += len(conn.execute(select(table_of(model).c.id)).all())
    return total


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 1000])
async def test_admin_pages_return_every_row_exactly_once(
    world: World, client: httpx.AsyncClient, limit: int
) -> None:
    changes, _cursor, pages = await pull_pass(client, world.auth("root"), limit)
    assert len(changes) == count_rows(world)
    # tickets are written with their messages under one version: pages grow past the
    # limit rather than split them
    if limit == 1:
        assert any(len(page) > 1 for page in pages)
    sample = next(c for c in changes if c["entity"] == "ticket")
    assert sample["data"]["id"] == sample["id"]
    assert sample["data"]["created_at"].endswith("Z")
    assert sample["data"]["status"] == "open"


async def test_ties_at_every_page_boundary(world: World, client: httpx.AsyncClient) -> None:
    """Many rows on one version (a bulk write) are delivered together, never split."""
    zoe = world.customers["zoe"]
    add_ticket(world.engine, "big thread", zoe, group_id=world.groups["support"], messages=25)
    changes, _cursor, pages = await pull_pass(client, world.auth("root"), 4)
    assert len(changes) == count_rows(world)
    big = [page for page in pages if len(page) >= 26]
    assert len(big) == 1


async def test_next_pass_returns_only_later_changes(
    world: World, client: httpx.AsyncClient
) -> None:
    headers = world.auth("root")
    _changes, cursor, _pages = await pull_pass(client, headers, 5)
    empty, same_cursor, _ = await pull_pass(client, headers, 5, cursor)
    assert empty == []
    assert same_cursor == cursor
    ticket_id = world.tickets["own"]
    with write_transaction(world.engine) as conn:
        version = next_version(conn)
        conn.execute(
            update(table_of(Ticket))
            .where(table_of(Ticket).c.id == ticket_id)
            .values(subject="changed", version=version)
        )
    later, _, _ = await pull_pass(client, headers, 5, cursor)
    assert [(c["entity"], c["id"], c["data"]["subject"]) for c in later] == [
        ("ticket", ticket_id, "changed")
    ]


async def test_tombstones_are_pulled_as_deletions(world: World, client: httpx.AsyncClient) -> None:
    headers = world.auth("root")
    _changes, cursor, _ = await pull_pass(client, headers, 100)
    with write_transaction(world.engine) as conn:
        version = next_version(conn)
        conn.execute(
            insert(table_of(Tombstone)).values(
                entity="ticket", entity_id=str(world.tickets["own"]), version=version
            )
        )
    later, _, _ = await pull_pass(client, headers, 100, cursor)
    assert later == [
        {
            "entity": "ticket",
            "id": world.tickets["own"],
            "op": "delete",
            "version": later[0]["version"],
            "data": None,
        }
    ]


async def test_agents_pull_only_what_they_may_see(world: World, client: httpx.AsyncClient) -> None:
    t = world.tickets
    alice, _, _ = await pull_pass(client, world.auth("alice"), 3)
    assert ids(alice, "ticket") == {t["own"], t["unassigned"], t["others"]}
    assert ids(alice, "customer") == {world.customers["zoe"]}
    assert ids(alice, "agent") == {agent.id for agent in world.agents.values()}
    assert ids(alice, "group") == set(world.groups.values())
    with world.engine.connect() as conn:
        messages = table_of(Message)
        visible_messages = set(
            conn.execute(
                select(messages.c.id).where(
                    messages.c.ticket_id.in_([t["own"], t["unassigned"], t["others"]])
                )
            ).scalars()
        )
    assert ids(alice, "message") == visible_messages

    # bob also sees the billing ticket assigned to him, and that ticket's customer
    bob, _, _ = await pull_pass(client, world.auth("bob"), 3)
    assert t["billing_bob"] in ids(bob, "ticket")
    assert t["billing"] not in ids(bob, "ticket")
    assert ids(bob, "customer") == {world.customers["zoe"], world.customers["yann"]}

    erin, _, _ = await pull_pass(client, world.auth("erin"), 50)
    assert ids(erin, "ticket") == {t["billing"], t["billing_bob"]}


async def test_changed_groups_make_old_cursors_refetch(
    world: World, client: httpx.AsyncClient
) -> None:
    headers = world.auth("alice")
    _changes, cursor, _ = await pull_pass(client, headers, 100)
    agents = table_of(Agent)
    with write_transaction(world.engine) as conn:
        version = next_version(conn)
        conn.execute(
            update(agents)
            .where(agents.c.id == world.agents["alice"].id)
            .values(group_ids=list(world.groups.values()), version=version)
        )
    gone = await client.get("/v1/changes", params={"cursor": cursor}, headers=headers)
    body = assert_problem(gone, 410)
    assert body["type"].endswith("/must-refetch")
    fresh, _, _ = await pull_pass(client, headers, 100)
    assert world.tickets["billing"] in ids(fresh, "ticket")


async def test_bad_cursors(world: World, client: httpx.AsyncClient) -> None:
    headers = world.auth("root")
    for cursor in ("abc", "12", "-1.x", "1.2.3x", "1.ABCDEFABCDEF"):
        response = await client.get("/v1/changes", params={"cursor": cursor}, headers=headers)
        assert_problem(response, 422)
    foreign = await client.get("/v1/changes", params={"cursor": "1.0123456789ab"}, headers=headers)
    assert_problem(foreign, 410)
    empty = await client.get("/v1/changes", params={"cursor": ""}, headers=headers)
    assert empty.status_code == 200
    _changes, cursor, _ = await pull_pass(client, headers, 1000)
    version, _, scope = cursor.partition(".")
    ahead = await client.get(
        "/v1/changes", params={"cursor": f"{int(version) + 100}.{scope}"}, headers=headers
    )
    assert_problem(ahead, 410)
    for limit in (0, 5001, "x"):
        response = await client.get("/v1/changes", params={"limit": limit}, headers=headers)
        assert_problem(response, 422)


async def test_last_mutation_id_and_client_ownership(
    world: World, client: httpx.AsyncClient
) -> None:
    params = {"client_id": "client-a"}
    first = await client.get("/v1/changes", params=params, headers=world.auth("alice"))
    assert first.json()["last_mutation_id"] is None
    push = await client.post(
        "/v1/mutations",
        json={
            "client_id": "client-a",
            "mutations": [{"id": 1, "name": "agent.availability", "args": {"to": "away"}}],
        },
        headers=world.auth("alice"),
    )
    assert push.status_code == 200, push.text
    after = await client.get("/v1/changes", params=params, headers=world.auth("alice"))
    assert after.json()["last_mutation_id"] == 1
    stolen = await client.get("/v1/changes", params=params, headers=world.auth("bob"))
    assert_problem(stolen, 403)


async def test_pulled_rows_equal_the_stored_rows(world: World, client: httpx.AsyncClient) -> None:
    """The JSON the database writes for a row is the row: every column, every type."""
    from datetime import datetime

    from agentdesk.domain.models import SYNCED_MODELS
    from agentdesk.domain.timeutil import parse_iso
    from agentdesk.server.wire import plain

    tricky = 'Quote " backslash \\ \x1b[2J [bold]x[/] \u202e snow ☃ emoji 🎉 \n tab\t'
    ticket_id = add_ticket(world.engine, tricky, world.customers["zoe"], group_id=None)
    with write_transaction(world.engine) as conn:
        version = next_version(conn)
        conn.execute(
            update(table_of(Ticket))
            .where(table_of(Ticket).c.id == ticket_id)
            .values(tags=["ünïcode", 'q"uote'], version=version)
        )
    changes, _cursor, _ = await pull_pass(client, world.auth("root"), 1000)
    by_key = {(c["entity"], c["id"]): c["data"] for c in changes}
    assert by_key[("ticket", ticket_id)]["subject"] == tricky
    assert by_key[("ticket", ticket_id)]["tags"] == ["ünïcode", 'q"uote']
    checked = 0
    with world.engine.connect() as conn:
        for entity, model in SYNCED_MODELS.items():
            table = table_of(model)
            for row in conn.execute(select(table)):
                typed = dict(row._mapping)
                pulled = by_key[(entity, typed["id"])]
                assert list(pulled) == list(typed), entity  # same keys, same order
                for name, value in typed.items():
                    if isinstance(value, datetime):
                        assert parse_iso(pulled[name]) == value, (entity, name)
                        assert pulled[name].endswith("Z")
                    else:
                        assert pulled[name] == plain(value), (entity, name)
                checked += 1
    assert checked == len(changes)


async def test_swarms_reach_members_and_leads_of_the_tickets_group(
    world: World, client: httpx.AsyncClient
) -> None:
    from agentdesk.domain.ids import uuid7
    from agentdesk.domain.models import Swarm, SwarmMessage
    from agentdesk.domain.timeutil import utcnow

    swarm_id, note_id = uuid7(), uuid7()
    with write_transaction(world.engine) as conn:
        version = next_version(conn)
        conn.execute(
            insert(table_of(Swarm)).values(
                id=swarm_id,
                ticket_id=world.tickets["billing"],
                owner_id=world.agents["erin"].id,
                member_ids=[world.agents["alice"].id],
                ask="Is this a known billing bug?",
                status="open",
                created_at=utcnow(),
                version=version,
            )
        )
        conn.execute(
            insert(table_of(SwarmMessage)).values(
                id=note_id,
                swarm_id=swarm_id,
                author_id=world.agents["erin"].id,
                body="any idea?",
                created_at=utcnow(),
                version=version,
            )
        )
    # dave sees the ticket but is neither a member nor a lead: the room is not his
    for agent, sees in {"alice": True, "dave": False, "erin": True, "bob": False}.items():
        changes, _, _ = await pull_pass(client, world.auth(agent), 100)
        assert (swarm_id in ids(changes, "swarm")) is sees, agent
        assert (note_id in ids(changes, "swarm_message")) is sees, agent
    # the member does not see the ticket itself
    alice, _, _ = await pull_pass(client, world.auth("alice"), 100)
    assert world.tickets["billing"] not in ids(alice, "ticket")


async def test_losing_sight_of_a_ticket_deletes_it_from_the_next_pull(
    world: World, client: httpx.AsyncClient
) -> None:
    t, g = world.tickets, world.groups
    bob_headers = world.auth("bob")
    _changes, bob_cursor, _ = await pull_pass(client, bob_headers, 100)
    _changes, alice_cursor, _ = await pull_pass(client, world.auth("alice"), 100)

    bob = world.agents["bob"].id

    def mutation(mid: int, name: str, args: dict[str, Any]) -> dict[str, Any]:
        return {"id": mid, "name": name, "args": args}

    moves = [
        # out of support: bob (support) loses it
        mutation(
            1,
            "ticket.update",
            {
                "ticket_id": t["unassigned"],
                "fields": {"group_id": {"from": g["support"], "to": g["billing"]}},
            },
        ),
        # bob only saw this billing ticket as its assignee
        mutation(2, "ticket.assign", {"ticket_id": t["billing_bob"], "from": bob, "to": None}),
        # alice keeps seeing her old ticket through her group
        mutation(
            3,
            "ticket.assign",
            {"ticket_id": t["own"], "from": world.agents["alice"].id, "to": bob},
        ),
    ]
    response = await client.post(
        "/v1/mutations",
        json={"client_id": "admin", "mutations": moves},
        headers=world.auth("root"),
    )
    assert [r["outcome"] for r in response.json()["results"]] == ["applied"] * 3

    later, _, _ = await pull_pass(client, bob_headers, 100, bob_cursor)
    deleted = {(c["entity"], c["id"]) for c in later if c["op"] == "delete"}
    with world.engine.connect() as conn:
        messages = table_of(Message)
        lost_messages = set(
            conn.execute(
                select(messages.c.id).where(
                    messages.c.ticket_id.in_([t["unassigned"], t["billing_bob"]])
                )
            ).scalars()
        )
    assert deleted == {("ticket", t["unassigned"]), ("ticket", t["billing_bob"])} | {
        ("message", message_id) for message_id in lost_messages
    }
    upserted = {(c["entity"], c["id"]) for c in later if c["op"] == "upsert"}
    assert ("ticket", t["own"]) in upserted  # now assigned to bob

    alice_later, _, _ = await pull_pass(client, world.auth("alice"), 100, alice_cursor)
    alice_deleted = {
        c["id"] for c in alice_later if c["op"] == "delete" and c["entity"] == "ticket"
    }
    assert alice_deleted == {t["unassigned"]}  # not "own": her group still sees it
    # dave (billing) gains the moved ticket and its thread, and is told to delete nothing
    dave, _, _ = await pull_pass(client, world.auth("dave"), 100)
    assert t["unassigned"] in ids(dave, "ticket")
