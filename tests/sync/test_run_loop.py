"""The background loop: backoff with jitter, Retry-After, nudges, stop, login expiry."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agentdesk.sync.engine import LOGIN_EXPIRED, backoff_delay
from agentdesk.sync.state import SyncState, SyncStatus
from synckit import Fault, World, build_world, eventually


@pytest.fixture
async def world(tmp_path: Path) -> World:
    return await build_world(tmp_path, tickets=2)


def test_backoff_is_full_jitter_capped() -> None:
    assert backoff_delay(1, base=1.0, cap=60.0, rng=lambda: 1.0) == 2.0
    assert backoff_delay(3, base=1.0, cap=60.0, rng=lambda: 1.0) == 8.0
    assert backoff_delay(10, base=1.0, cap=60.0, rng=lambda: 1.0) == 60.0
    assert backoff_delay(10, base=1.0, cap=60.0, rng=lambda: 0.0) == 0.0
    assert backoff_delay(500, base=1.0, cap=60.0, rng=lambda: 0.5) == 30.0


async def test_loop_backs_off_honours_retry_after_and_recovers(world: World) -> None:
    alice = world.client(
        "alice", backoff_base=0.01, backoff_cap=0.5, rng=lambda: 1.0, realtime=False
    )
    states: list[SyncState] = []
    alice.engine.subscribe(states.append)
    world.app.inject(
        Fault("/v1/changes", "status", status=500),
        Fault("/v1/changes", "status", status=502),
        Fault("/v1/changes", "status", status=429, headers={"Retry-After": "0.2"}),
    )
    task = asyncio.create_task(alice.engine.run())
    await eventually(lambda: alice.engine.state.current.status is SyncStatus.ONLINE)
    retries = [s.retry_in for s in states if s.retry_in is not None]
    assert retries[:3] == [0.02, 0.04, 0.2]  # exponential, then Retry-After wins
    assert alice.cache.ticket(world.ticket_ids[0]) is not None
    alice.engine.stop()
    await asyncio.wait_for(task, 5)
    await alice.close()


async def test_nudge_pushes_a_local_write_promptly(world: World) -> None:
    alice = world.client("alice", poll_interval=3600, realtime=False)
    task = asyncio.create_task(alice.engine.run())
    await eventually(lambda: alice.engine.state.current.status is SyncStatus.ONLINE)
    alice.cache.update_ticket(world.ticket_ids[1], priority="urgent")
    alice.engine.nudge()
    await eventually(lambda: world.server_ticket(world.ticket_ids[1])["priority"] == "urgent")
    await eventually(lambda: alice.engine.state.current.pending == 0)
    alice.engine.stop()
    await asyncio.wait_for(task, 5)
    await alice.close()


async def test_auth_error_parks_the_loop_with_login_message(world: World) -> None:
    alice = world.client("alice", poll_interval=0.01, realtime=False)
    world.app.inject(Fault("/v1/changes", "status", status=401))
    task = asyncio.create_task(alice.engine.run())
    await eventually(lambda: alice.engine.state.current.status is SyncStatus.ERROR)
    assert alice.engine.state.current.reason == LOGIN_EXPIRED
    requests = len(world.app.requests)
    alice.engine.nudge()  # after a new login: try again
    await eventually(lambda: alice.engine.state.current.status is SyncStatus.ONLINE)
    assert len(world.app.requests) > requests
    alice.engine.stop()
    await asyncio.wait_for(task, 5)
    await alice.close()


async def test_listener_errors_do_not_stop_sync(world: World) -> None:
    alice = world.client("alice", realtime=False)

    def broken(state: SyncState) -> None:
        if state.status is SyncStatus.SYNCING:
            raise RuntimeError("observer bug")

    alice.engine.subscribe(broken)
    await alice.sync()
    assert alice.engine.state.current.status is SyncStatus.ONLINE
    await alice.close()
