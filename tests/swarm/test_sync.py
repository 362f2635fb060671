"""Swarms through the cache and the sync engine (real server, in-process ASGI): optimistic
rows, offline members catching up in order, offline writes delivered once, rejections."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentdesk.domain.ids import uuid7
from agentdesk.domain.swarms import mentioned_agents
from agentdesk.store import StoreError, swarm_queries
from synckit import Fault, World, build_world


@pytest.fixture
async def world(tmp_path: Path) -> World:
    return await build_world(tmp_path, tickets=2)


async def test_offline_member_gets_every_message_in_order(world: World) -> None:
    alice, bob = world.client("alice"), world.client("bob")
    try:
        await alice.sync()
        await bob.sync()
        swarm_id = uuid7()
        alice.cache.record_mutation(
            "swarm.start",
            {
                "id": swarm_id,
                "ticket_id": world.ticket_ids[0],
                "member_ids": [world.people["bob"].id],
                "ask": "Ideas?",
            },
        )
        # shown at once, unconfirmed
        row = swarm_queries.swarm(alice.cache, swarm_id)
        assert row is not None and not row.confirmed
        await alice.sync()
        await bob.sync()
        assert swarm_queries.unread_total(bob.cache) == 1  # a new invitation
        assert swarm_queries.unread_total(alice.cache) == 0  # her own swarm
        # bob goes offline; alice talks
        for n in range(12):
            alice.cache.record_mutation(
                "swarm.message", {"id": uuid7(), "swarm_id": swarm_id, "body": f"line {n}"}
            )
            if n % 4 == 3:
                await alice.sync()
        await alice.sync()
        assert swarm_queries.swarms(bob.cache)[0].message_count == 0
        await bob.sync()  # back online: pull is the truth
        bodies = [m.body for m in swarm_queries.messages(bob.cache, swarm_id)]
        assert bodies == [f"line {n}" for n in range(12)]
        assert swarm_queries.swarms(bob.cache)[0].unread == 13  # the ask and 12 lines
        swarm_queries.mark_read(bob.cache, swarm_id)
        assert swarm_queries.unread_total(bob.cache) == 0
    finally:
        await alice.close()
        await bob.close()


async def test_message_written_offline_is_delivered_once(world: World) -> None:
    alice, bob = world.client("alice"), world.client("bob")
    try:
        await alice.sync()
        swarm_id = uuid7()
        alice.cache.record_mutation(
            "swarm.start",
            {
                "id": swarm_id,
                "ticket_id": world.ticket_ids[0],
                "member_ids": [world.people["bob"].id],
                "ask": "?",
            },
        )
        await alice.sync()
        await bob.sync()
        message_id = uuid7()
        bob.cache.record_mutation(
            "swarm.message", {"id": message_id, "swarm_id": swarm_id, "body": "written offline"}
        )
        shown = swarm_queries.messages(bob.cache, swarm_id)
        assert [(m.body, m.confirmed) for m in shown] == [("written offline", False)]
        # the server stores it but the answer is lost: the engine sends it again
        world.app.inject(Fault("/v1/mutations", "drop_after"))
        with pytest.raises(Exception):  # noqa: B017 - a transient error of any backend kind
            await bob.sync()
        await bob.sync()
        await alice.sync()
        for cache in (alice.cache, bob.cache):
            messages = swarm_queries.messages(cache, swarm_id)
            assert [(m.id, m.confirmed) for m in messages] == [(message_id, True)]
        assert bob.cache.pending_count() == 0
    finally:
        await alice.close()
        await bob.close()


async def test_rejected_message_is_undone_and_reported(world: World) -> None:
    alice, bob = world.client("alice"), world.client("bob")
    try:
        await alice.sync()
        await bob.sync()
        swarm_id = uuid7()
        alice.cache.record_mutation(
            "swarm.start",
            {
                "id": swarm_id,
                "ticket_id": world.ticket_ids[0],
                "member_ids": [world.people["lee"].id],
                "ask": "?",
            },
        )
        await alice.sync()
        # bob is not a member; fake the row into his cache as if he had it
        swarm_queries.remember_event_row(
            bob.cache,
            "swarm",
            {
                "id": swarm_id,
                "ticket_id": world.ticket_ids[0],
                "owner_id": world.people["alice"].id,
                "member_ids": [world.people["alice"].id, world.people["lee"].id],
                "ask": "?",
                "status": "open",
                "created_at": "2026-01-01T00:00:00.000000Z",
                "version": 1,
            },
        )
        bob.cache.record_mutation(
            "swarm.message", {"id": uuid7(), "swarm_id": swarm_id, "body": "let me in"}
        )
        report = await bob.sync()
        assert [r.outcome for r in report.results] == ["rejected"]
        assert swarm_queries.messages(bob.cache, swarm_id) == []
        assert bob.cache.rejected_count() == 1
        with pytest.raises(StoreError):
            bob.cache.record_mutation(
                "swarm.message", {"id": uuid7(), "swarm_id": "missing", "body": "x"}
            )
    finally:
        await alice.close()
        await bob.close()


def test_mentions_name_agents_by_first_name_full_name_or_email() -> None:
    agents = [
        {"id": 1, "name": "Alice Martin", "email": "alice@example.com"},
        {"id": 2, "name": "Bob Stone", "email": "b.stone@example.com"},
    ]
    assert mentioned_agents("@bob @AliceMartin ping", agents) == [2, 1]
    assert mentioned_agents("mail b.stone@example.com, not a mention", agents) == []
    assert mentioned_agents("@b.stone.", agents) == [2]
    assert mentioned_agents("@carol", agents) == []
