"""Case-swarm chat: message latency from send to display on another client.

`agentdesk serve` (its own process, SQLite) on loopback; 50 concurrent swarms (quick: 10),
each between its own sender and receiver agent, every client a real `SyncEngine` with its own
cache and event stream (`poll_interval` an hour: only realtime moves things). A sender writes
a message into its cache (the outbox) and nudges its engine; the latency ends when the
receiver's event listener has stored the row and the room's query (`swarm_queries.messages`,
what the swarm room shows) returns it. Every sender posts 10 messages (quick: 5), spaced by
a random 2-4 s (a busy room: ~17 messages/s over 50 swarms). Baseline, same run: one swarm
alone (one sender, one receiver). Goal: p95 under 200 ms with 50 swarms. Also recorded: the
same 50 swarms each posting every 0.5-1.5 s (a burst; ~50 messages/s), where the shared
2 cores saturate. `AGENTDESK_BENCH_SWARM_DB=postgres` serves from PostgreSQL instead.

Run alone: `python -m bench.bench_swarm [--quick]`.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from agentdesk.domain.enums import Channel, Priority, Role, Status
from agentdesk.domain.ids import uuid7
from agentdesk.domain.models import Agent, Customer, Group, Ticket
from agentdesk.domain.timeutil import utcnow
from agentdesk.server.accounts import issue_token
from agentdesk.server.db import next_version, open_database, write_transaction
from agentdesk.server.wire import table_of
from agentdesk.store import Cache, swarm_queries
from agentdesk.sync.engine import SyncEngine
from agentdesk.sync.reference import ReferenceBackend
from bench.bench_server import pg_database
from bench.bench_sync import served
from bench.harness import Result, at_most, percentile

GOAL_MS = 200.0
PACE_MIN, PACE_MAX = 2.0, 4.0  # seconds between two messages of one swarm (~17 msg/s at 50)
BURST_PACE = (0.5, 1.5)


def _world(url: str, pairs: int) -> tuple[list[tuple[str, str, int, int]], int]:
    """Agents (a sender and a receiver per swarm) and one ticket per swarm; returns
    [(sender token, receiver token, receiver id, ticket id)] and the group id."""
    engine = open_database(url)
    now = utcnow()
    with write_transaction(engine) as conn:
        version = next_version(conn)
        group = conn.execute(
            insert(table_of(Group)).values(name="support", description="", version=version)
        ).inserted_primary_key[0]  # type: ignore[index]
        customer = conn.execute(
            insert(table_of(Customer)).values(
                name="Customer",
                email="c@example.org",
                tier="standard",
                notes="",
                created_at=now,
                version=version,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        agent_ids: list[int] = []
        for n in range(2 * pairs):
            agent_ids.append(
                conn.execute(
                    insert(table_of(Agent)).values(
                        name=f"Agent {n}",
                        email=f"agent{n}@example.com",
                        role=Role.AGENT,
                        group_ids=[group],
                        skills=[],
                        availability="available",
                        capacity=20,
                        signature="",
                        active=True,
                        version=version,
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            )
        tickets = [
            conn.execute(
                insert(table_of(Ticket)).values(
                    subject=f"Hard case {n}",
                    status=Status.OPEN,
                    priority=Priority.HIGH,
                    channel=Channel.EMAIL,
                    customer_id=customer,
                    group_id=group,
                    tags=[],
                    created_at=now,
                    updated_at=now,
                    version=version,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            for n in range(pairs)
        ]
    pairs_out = []
    for n in range(pairs):
        sender, receiver = agent_ids[2 * n], agent_ids[2 * n + 1]
        pairs_out.append(
            (issue_token(engine, sender), issue_token(engine, receiver), receiver, tickets[n])
        )
    engine.dispose()
    return pairs_out, int(group)


PUSHED: dict[str, tuple[float, float]] = {}  # message id -> (push sent, push answered)


class TimedPush(ReferenceBackend):
    """The reference backend, noting when each message's push request went and came back."""

    async def push(self, mutations: Any) -> Any:
        started = time.perf_counter()
        results = await super().push(mutations)
        answered = time.perf_counter()
        for mutation in mutations:
            message_id = (mutation.args or {}).get("id")
            if mutation.name == "swarm.message" and message_id:
                PUSHED[message_id] = (started, answered)
        return results


class Client:
    def __init__(self, base_url: str, token: str, name: str) -> None:
        self.cache = Cache.open(Path.cwd() / f"{name}.sqlite3")
        self.backend = TimedPush(base_url, token, self.cache.client_id, timeout=httpx.Timeout(30))
        self.engine = SyncEngine(self.cache, self.backend, poll_interval=3600)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.engine.sync_once()
        me = await self.backend.me()
        self.cache.set_agent_id(int(me["id"]))
        self.task = asyncio.create_task(self.engine.run())

    async def stop(self) -> None:
        self.engine.stop()
        if self.task is not None:
            await asyncio.wait_for(self.task, 30)
        await self.backend.aclose()
        self.cache.close()


async def _wait(check: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the swarms were not delivered in time")
        await asyncio.sleep(0.01)


async def _measure(
    base_url: str,
    pairs: list[tuple[str, str, int, int]],
    messages: int,
    tag: str,
    pace: tuple[float, float] = (PACE_MIN, PACE_MAX),
) -> list[float]:
    """Latencies (ms) of every message of `pairs` swarms, all running at once."""
    sent: dict[str, float] = {}
    shown: dict[str, float] = {}
    senders: list[Client] = []
    receivers: list[Client] = []
    for n, (sender_token, receiver_token, _receiver, _ticket) in enumerate(pairs):
        senders.append(Client(base_url, sender_token, f"{tag}-s{n}"))
        receivers.append(Client(base_url, receiver_token, f"{tag}-r{n}"))
    clients = senders + receivers
    await asyncio.gather(*(c.start() for c in clients))

    def listener_for(receiver: Client) -> Any:
        def heard(event: Any) -> None:
            if event.kind != "swarm.message":
                return
            data = event.data
            swarm_queries.remember_event_row(receiver.cache, "swarm_message", data)
            shown_ids = {m.id for m in swarm_queries.messages(receiver.cache, data["swarm_id"])}
            if data["id"] in shown_ids and data["id"] not in shown:
                shown[data["id"]] = time.perf_counter()

        return heard

    for receiver in receivers:
        receiver.engine.on_event(listener_for(receiver))
    swarm_ids = []
    for sender, (_s, _r, receiver_id, ticket_id) in zip(senders, pairs, strict=True):
        swarm_id = uuid7()
        swarm_ids.append(swarm_id)
        sender.cache.record_mutation(
            "swarm.start",
            {"id": swarm_id, "ticket_id": ticket_id, "member_ids": [receiver_id], "ask": "help"},
        )
        sender.engine.nudge()
    await _wait(
        lambda: all(
            swarm_queries.swarm(r.cache, s) for r, s in zip(receivers, swarm_ids, strict=True)
        )
    )
    rng = random.Random(7)

    async def talk(sender: Client, swarm_id: str) -> None:
        await asyncio.sleep(rng.uniform(0, pace[1]))
        for n in range(messages):
            message_id = uuid7()
            sent[message_id] = time.perf_counter()
            sender.cache.record_mutation(
                "swarm.message", {"id": message_id, "swarm_id": swarm_id, "body": f"line {n}"}
            )
            sender.engine.nudge()
            await asyncio.sleep(rng.uniform(*pace))

    await asyncio.gather(*(talk(s, i) for s, i in zip(senders, swarm_ids, strict=True)))
    await _wait(lambda: len(shown) >= len(sent))
    await asyncio.gather(*(c.stop() for c in clients))
    queued = [(PUSHED[m][0] - sent[m]) * 1000 for m in sent if m in PUSHED]
    pushing = [(PUSHED[m][1] - PUSHED[m][0]) * 1000 for m in sent if m in PUSHED]
    print(
        f"bench_swarm {tag}: outbox to push p50 {percentile(queued, 50):.0f} ms "
        f"p95 {percentile(queued, 95):.0f} ms; push request p50 {percentile(pushing, 50):.0f} ms "
        f"p95 {percentile(pushing, 95):.0f} ms"
    )
    return [(shown[m] - sent[m]) * 1000 for m in sent]


def _latencies(
    url: str, swarms: int, messages: int
) -> tuple[list[float], list[float], list[float]]:
    """Latencies in ms, served from `url`: one swarm alone, `swarms` at once, and `swarms`
    at once posting every second (a burst well past a human pace)."""
    pairs, _group = _world(url, 2 * swarms + 1)
    with served(url) as base_url:
        alone = asyncio.run(_measure(base_url, pairs[:1], messages, "alone"))
        many = asyncio.run(_measure(base_url, pairs[1 : swarms + 1], messages, "many"))
        burst = asyncio.run(
            _measure(base_url, pairs[swarms + 1 :], messages, "burst", pace=BURST_PACE)
        )
    return alone, many, burst


def run(quick: bool) -> list[Result]:
    swarms = 10 if quick else 50
    messages = 5 if quick else 10
    database = os.environ.get("AGENTDESK_BENCH_SWARM_DB", "sqlite")
    if database == "postgres":
        with pg_database() as url:
            alone, many, burst = _latencies(url, swarms, messages)
    else:
        sqlite_url = f"sqlite:///{Path.cwd() / 'server.sqlite3'}"
        alone, many, burst = _latencies(sqlite_url, swarms, messages)
    notes = (
        f"{swarms} swarms x {messages} messages, one sender and one receiver per swarm, "
        f"{2 * swarms} sync engines with event streams; agentdesk serve on {database}"
    )
    p50, p95 = percentile(many, 50), percentile(many, 95)
    return [
        Result(
            f"message latency p50, {swarms} concurrent swarms",
            p50,
            "ms",
            baseline=percentile(alone, 50),
            baseline_name="one swarm alone, p50",
            higher_is_better=False,
            notes=notes,
        ),
        Result(
            f"message latency p95, {swarms} concurrent swarms",
            p95,
            "ms",
            baseline=percentile(alone, 95),
            baseline_name="one swarm alone, p95",
            goal=f"p95 < {GOAL_MS:.0f} ms",
            passed=at_most(p95, GOAL_MS),
            higher_is_better=False,
        ),
        Result(
            f"message latency p95, {swarms} swarms each posting every ~1 s (burst)",
            percentile(burst, 95),
            "ms",
            baseline=percentile(alone, 95),
            baseline_name="one swarm alone, p95",
            higher_is_better=False,
            notes=(
                f"burst: ~{swarms} messages/s on 2 shared cores with {2 * swarms} clients in "
                "one process; recorded for information (the server saturates)"
            ),
        ),
    ]


if __name__ == "__main__":
    for result in run("--quick" in sys.argv):
        print(result)
