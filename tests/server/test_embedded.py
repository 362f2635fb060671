"""Through a real socket: EmbeddedServer (uvicorn on 127.0.0.1), server-sent events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest
from httpx_sse import aconnect_sse

from agentdesk.domain.ids import uuid7
from agentdesk.server.embedded import EmbeddedServer

from .conftest import World

EVENT_TIMEOUT = 20.0


@pytest.fixture
def server(world: World) -> Iterator[EmbeddedServer]:
    with EmbeddedServer(
        engine=world.engine,
        keepalive_seconds=0.2,
        presence_ttl=timedelta(seconds=0.5),
        poll_seconds=0.2,
    ) as server:
        yield server


async def next_event(events: AsyncIterator, kind: str) -> dict:
    """The data of the next event of `kind` (others skipped), within EVENT_TIMEOUT."""

    async def find() -> dict:
        async for sse in events:
            if sse.event == kind:
                return json.loads(sse.data)
        raise AssertionError("the stream ended")

    return await asyncio.wait_for(find(), EVENT_TIMEOUT)


async def test_contract_through_uvicorn(world: World, server: EmbeddedServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        health = await client.get("/v1/health")
        assert health.json()["status"] == "ok"
        login = await client.post(
            "/v1/auth/token", json={"email": "alice@example.test", "password": "correct horse"}
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        pull = await client.get("/v1/changes", params={"limit": 2}, headers=headers)
        assert pull.status_code == 200 and pull.json()["has_more"] is True
        bad = await client.post("/v1/mutations", content=b"{", headers=headers)
        assert bad.status_code == 422
        assert bad.headers["content-type"] == "application/problem+json"


async def test_events_carry_change_hints_and_presence(world: World, server: EmbeddedServer) -> None:
    ticket_id = world.tickets["own"]
    async with (
        httpx.AsyncClient(base_url=server.url, timeout=EVENT_TIMEOUT) as client,
        aconnect_sse(client, "GET", "/v1/events", headers=world.auth("bob")) as source,
    ):
        assert source.response.status_code == 200
        assert source.response.headers["content-type"].startswith("text/event-stream")
        events = source.aiter_sse()
        push = await client.post(
            "/v1/mutations",
            json={
                "client_id": "alice-1",
                "mutations": [
                    {
                        "id": 1,
                        "name": "message.add",
                        "args": {"id": uuid7(), "ticket_id": ticket_id, "body": "hi"},
                    }
                ],
            },
            headers=world.auth("alice"),
        )
        assert push.json()["results"][0]["outcome"] == "applied"
        change = await next_event(events, "change")
        assert isinstance(change["version"], int)

        announce = await client.post(
            "/v1/presence",
            json={"ticket_id": ticket_id, "state": "replying"},
            headers=world.auth("alice"),
        )
        assert announce.status_code == 204
        presence = await next_event(events, "presence")
        assert presence == {
            "agent_id": world.agents["alice"].id,
            "ticket_id": ticket_id,
            "state": "replying",
        }
        # not refreshed: it expires and everyone is told the agent left
        left = await next_event(events, "presence")
        assert left["state"] == "left"


async def test_presence_is_only_sent_to_who_can_see_the_ticket(
    world: World, server: EmbeddedServer
) -> None:
    async with (
        httpx.AsyncClient(base_url=server.url, timeout=EVENT_TIMEOUT) as client,
        aconnect_sse(client, "GET", "/v1/events", headers=world.auth("dave")) as source,
    ):
        events = source.aiter_sse()
        for ticket in ("own", "billing"):
            response = await client.post(
                "/v1/presence",
                json={"ticket_id": world.tickets[ticket], "state": "viewing"},
                headers=world.auth("root"),
            )
            assert response.status_code == 204
        presence = await next_event(events, "presence")
        assert presence["ticket_id"] == world.tickets["billing"]


async def test_keep_alive_comments(world: World, server: EmbeddedServer) -> None:
    async with (
        httpx.AsyncClient(base_url=server.url, timeout=EVENT_TIMEOUT) as client,
        client.stream("GET", "/v1/events", headers=world.auth("alice")) as response,
    ):
        lines = response.aiter_lines()

        async def keepalive() -> None:
            async for line in lines:
                if line == ": keep-alive":
                    return

        await asyncio.wait_for(keepalive(), EVENT_TIMEOUT)


async def test_events_need_a_token(world: World, server: EmbeddedServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.get("/v1/events")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"


async def test_closed_streams_unsubscribe(world: World, server: EmbeddedServer) -> None:
    broadcaster = server.app.state.server.broadcaster
    async with httpx.AsyncClient(base_url=server.url, timeout=EVENT_TIMEOUT) as client:
        for _ in range(3):
            async with client.stream("GET", "/v1/events", headers=world.auth("alice")) as stream:
                lines = stream.aiter_lines()
                assert await asyncio.wait_for(anext(lines), EVENT_TIMEOUT) == ": connected"
                assert broadcaster.subscriber_count >= 1
    deadline = asyncio.get_running_loop().time() + EVENT_TIMEOUT
    while broadcaster.subscriber_count:
        assert asyncio.get_running_loop().time() < deadline, "a closed stream stayed subscribed"
        await asyncio.sleep(0.05)


@pytest.mark.postgres
async def test_events_cross_server_processes_on_postgres(pg_session_url: str) -> None:
    """Two servers on one PostgreSQL database (as `serve --workers 2`): a stream on one hears
    the writes and presence of the other, through LISTEN/NOTIFY alone (no polling)."""
    from agentdesk.server.db import open_database

    from .conftest import build_world, empty_postgres

    empty_postgres(pg_session_url)
    engine = open_database(pg_session_url)
    world = build_world(engine)
    options = {"keepalive_seconds": 0.2, "presence_ttl": timedelta(seconds=0.5)}
    try:
        with (
            EmbeddedServer(engine=engine, poll_seconds=3600, **options) as first,
            EmbeddedServer(engine=engine, poll_seconds=3600, **options) as second,
        ):
            async with (
                httpx.AsyncClient(base_url=second.url, timeout=EVENT_TIMEOUT) as writer,
                httpx.AsyncClient(base_url=first.url, timeout=EVENT_TIMEOUT) as reader,
                aconnect_sse(reader, "GET", "/v1/events", headers=world.auth("bob")) as source,
            ):
                events = source.aiter_sse()
                ticket_id = world.tickets["own"]
                announce = await writer.post(
                    "/v1/presence",
                    json={"ticket_id": ticket_id, "state": "viewing"},
                    headers=world.auth("alice"),
                )
                assert announce.status_code == 204
                presence = await next_event(events, "presence")
                assert presence["agent_id"] == world.agents["alice"].id
                assert (await next_event(events, "presence"))["state"] == "left"

                push = await writer.post(
                    "/v1/mutations",
                    json={
                        "client_id": "cross",
                        "mutations": [
                            {
                                "id": 1,
                                "name": "ticket.tags",
                                "args": {"ticket_id": ticket_id, "add": ["relayed"]},
                            }
                        ],
                    },
                    headers=world.auth("alice"),
                )
                assert push.json()["results"][0]["outcome"] == "applied"
                change = await next_event(events, "change")
                assert change["version"] > 0
    finally:
        engine.dispose()
