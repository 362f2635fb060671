"""Over a real socket (uvicorn on 127.0.0.1): realtime hints, a stopped server, a hung server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from agentdesk.store import Cache
from agentdesk.sync.engine import SyncEngine
from agentdesk.sync.reference import ReferenceBackend
from agentdesk.sync.state import SyncStatus
from synckit import Fault, LiveServer, World, build_world, eventually


@pytest.fixture
async def world(tmp_path: Path) -> World:
    return await build_world(tmp_path, tickets=2)


def live_client(
    world: World, server: LiveServer, who: str, timeout: float = 10.0, **options: object
) -> tuple[Cache, ReferenceBackend, SyncEngine]:
    cache = Cache.open(world.tmp / f"{who}-live.sqlite3")
    cache.set_agent_id(world.people[who].id)
    backend = ReferenceBackend(
        server.url, world.people[who].token, cache.client_id, timeout=httpx.Timeout(timeout)
    )
    return cache, backend, SyncEngine(cache, backend, **options)  # type: ignore[arg-type]


async def test_realtime_hint_triggers_pull(world: World) -> None:
    with LiveServer(world.app) as server:
        alice_cache, alice_backend, alice = live_client(world, server, "alice", poll_interval=3600)
        lee_cache, lee_backend, lee = live_client(world, server, "lee", realtime=False)
        task = asyncio.create_task(alice.run())
        await eventually(lambda: alice.state.current.status is SyncStatus.ONLINE)
        await lee.sync_once()
        ticket_id = world.ticket_ids[0]
        lee_cache.update_ticket(ticket_id, status="pending")
        await lee.sync_once()
        # No poll for an hour: only the `change` event can bring the edit to alice.
        await eventually(lambda: (alice_cache.ticket(ticket_id) or {}).get("status") == "pending")
        alice.stop()
        await asyncio.wait_for(task, 10)
        for backend in (alice_backend, lee_backend):
            await backend.aclose()
        alice_cache.close()
        lee_cache.close()


async def test_server_stopped_mid_session_then_back(world: World) -> None:
    server = LiveServer(world.app).start()
    cache, backend, engine = live_client(
        world, server, "alice", backoff_base=0.02, backoff_cap=0.2, realtime=False
    )
    task = asyncio.create_task(engine.run())
    try:
        await eventually(lambda: engine.state.current.status is SyncStatus.ONLINE)
        server.stop()
        cache.update_ticket(world.ticket_ids[1], priority="urgent")
        engine.nudge()
        await eventually(lambda: engine.state.current.status is SyncStatus.OFFLINE)
        assert "cannot reach the server" in (engine.state.current.reason or "")
        assert cache.pending_count() == 1
        server = LiveServer(world.app, port=server.port).start()
        await eventually(lambda: engine.state.current.pending == 0, timeout=20)
        assert world.server_ticket(world.ticket_ids[1])["priority"] == "urgent"
        assert engine.state.current.status is SyncStatus.ONLINE
    finally:
        engine.stop()
        await asyncio.wait_for(task, 10)
        await backend.aclose()
        cache.close()
        server.stop()


async def test_hung_server_times_out_and_recovers(world: World) -> None:
    with LiveServer(world.app) as server:
        cache, backend, engine = live_client(world, server, "alice", timeout=0.3, realtime=False)
        world.app.inject(Fault("/v1/changes", "hang", seconds=1.0))
        with pytest.raises(Exception) as info:
            await engine.sync_once()
        assert "did not answer in time" in str(info.value)
        assert engine.state.current.status is SyncStatus.OFFLINE
        await engine.sync_once()
        assert cache.ticket(world.ticket_ids[0]) is not None
        await backend.aclose()
        cache.close()


async def test_presence_events_reach_listeners(world: World) -> None:
    with LiveServer(world.app) as server:
        cache, backend, alice = live_client(world, server, "alice", poll_interval=3600)
        lee_cache, lee_backend, _ = live_client(world, server, "lee", realtime=False)
        events: list[object] = []
        alice.on_event(events.append)
        task = asyncio.create_task(alice.run())
        await eventually(lambda: alice.state.current.status is SyncStatus.ONLINE)
        ticket_id = world.ticket_ids[0]

        async def announce() -> bool:
            await lee_backend.announce_presence(ticket_id, "replying")
            return any(
                getattr(e, "kind", None) == "presence"
                and e.data.get("agent_id") == world.people["lee"].id  # type: ignore[attr-defined]
                for e in events
            )

        # The stream may connect a moment after the first sync: announce until it is heard.
        deadline = asyncio.get_running_loop().time() + 10
        while not await announce():
            assert asyncio.get_running_loop().time() < deadline, "no presence event"
            await asyncio.sleep(0.05)
        alice.stop()
        await asyncio.wait_for(task, 10)
        for client in (backend, lee_backend):
            await client.aclose()
        cache.close()
        lee_cache.close()
