"""Swarm events over `/v1/events` through real sockets: invites, messages, mentions, and the
fan-out between two server processes sharing one PostgreSQL database (LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import aconnect_sse

from agentdesk.domain.ids import uuid7
from agentdesk.server.embedded import EmbeddedServer
from synckit import World, build_world

EVENT_TIMEOUT = 20.0


async def next_event(events: AsyncIterator[Any], kind: str) -> dict[str, Any]:
    """The data of the next event of `kind` (others skipped), within EVENT_TIMEOUT."""

    async def find() -> dict[str, Any]:
        async for sse in events:
            if sse.event == kind:
                data: dict[str, Any] = json.loads(sse.data)
                return data
        raise AssertionError("the stream ended")

    return await asyncio.wait_for(find(), EVENT_TIMEOUT)


async def push(
    http: httpx.AsyncClient, world: World, who: str, mid: int, name: str, args: dict[str, Any]
) -> None:
    response = await http.post(
        "/v1/mutations",
        json={"client_id": f"{who}-sse", "mutations": [{"id": mid, "name": name, "args": args}]},
        headers={"Authorization": f"Bearer {world.people[who].token}"},
    )
    assert response.json()["results"][0]["outcome"] == "applied", response.text


def auth(world: World, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.people[who].token}"}


async def test_invite_message_and_mention_reach_members_only(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=1)
    people = world.people
    with EmbeddedServer(engine=world.engine, keepalive_seconds=0.5) as server:
        async with (
            httpx.AsyncClient(base_url=server.url, timeout=EVENT_TIMEOUT) as http,
            aconnect_sse(http, "GET", "/v1/events", headers=auth(world, "bob")) as bob_source,
            aconnect_sse(http, "GET", "/v1/events", headers=auth(world, "lee")) as lee_source,
        ):
            bob_events, lee_events = bob_source.aiter_sse(), lee_source.aiter_sse()
            first = uuid7()
            start = {"ticket_id": world.ticket_ids[0], "ask": "Ideas?"}
            await push(
                http, world, "alice", 1, "swarm.start",
                {**start, "id": first, "member_ids": [people["bob"].id]},
            )  # fmt: skip
            invite = await next_event(bob_events, "invite")
            assert invite == {
                "swarm_id": first,
                "ticket_id": world.ticket_ids[0],
                "owner_id": people["alice"].id,
                "ask": "Ideas?",
            }
            message_id = uuid7()
            await push(
                http, world, "alice", 2, "swarm.message",
                {"id": message_id, "swarm_id": first, "body": "@bob can you look?"},
            )  # fmt: skip
            message = await next_event(bob_events, "swarm.message")
            assert message["id"] == message_id and message["author_id"] == people["alice"].id
            mention = await next_event(bob_events, "mention")
            assert mention["message_id"] == message_id
            assert mention["agent_id"] == people["bob"].id

            # lee (a lead, not a member) hears nothing of the first room: the first message
            # lee gets is the one in a room lee was invited to.
            second = uuid7()
            await push(
                http, world, "alice", 3, "swarm.start",
                {**start, "id": second, "member_ids": [people["lee"].id]},
            )  # fmt: skip
            await push(
                http, world, "alice", 4, "swarm.message",
                {"id": uuid7(), "swarm_id": second, "body": "for lee"},
            )  # fmt: skip
            heard = await next_event(lee_events, "swarm.message")
            assert heard["swarm_id"] == second and heard["body"] == "for lee"


@pytest.mark.postgres
async def test_message_posted_to_one_process_reaches_a_stream_on_another(
    tmp_path: Path, postgres_url: str
) -> None:
    world = await build_world(tmp_path, db_url=postgres_url, tickets=1)
    people = world.people
    with (
        EmbeddedServer(postgres_url, keepalive_seconds=0.5) as one,
        EmbeddedServer(postgres_url, keepalive_seconds=0.5) as two,
    ):
        async with (
            httpx.AsyncClient(base_url=one.url, timeout=EVENT_TIMEOUT) as via_one,
            httpx.AsyncClient(base_url=two.url, timeout=EVENT_TIMEOUT) as via_two,
            aconnect_sse(via_two, "GET", "/v1/events", headers=auth(world, "bob")) as source,
        ):
            events = source.aiter_sse()
            swarm_id = uuid7()
            await push(
                via_one, world, "alice", 1, "swarm.start",
                {"id": swarm_id, "ticket_id": world.ticket_ids[0],
                 "member_ids": [people["bob"].id], "ask": "Across processes?"},
            )  # fmt: skip
            assert (await next_event(events, "invite"))["swarm_id"] == swarm_id
            for n in range(3):
                await push(
                    via_one, world, "alice", 2 + n, "swarm.message",
                    {"id": uuid7(), "swarm_id": swarm_id, "body": f"line {n}"},
                )  # fmt: skip
            bodies = [(await next_event(events, "swarm.message"))["body"] for _ in range(3)]
            assert bodies == ["line 0", "line 1", "line 2"]
    world.engine.dispose()
