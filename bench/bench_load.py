"""Load on PostgreSQL: 200 simulated agents against `agentdesk serve --workers 2`.

Each agent logs in, runs its initial sync, then for a bounded time loops like a person at
the desk: pull (`GET /v1/changes` from its cursor), push a reply (`message.add`, an internal
note on a ticket it may write), take an unassigned ticket and give it back
(`ticket.assign` x 2), wait a moment (think time), again. Every 10th push is sent a second
time (a client retrying after a lost answer) and must come back `duplicate`.

Measured (after every agent's initial sync, which is timed apart): p50/p99 latency per
endpoint (pull, push), throughput (requests/s and mutations/s),
errors (transport failures, 5xx, unexpected statuses: goal 0), and afterwards, read from the
database: every reply answered `applied` is there exactly once and nothing else with the
run's marker is (lost or duplicated mutations: goal 0). Swarm chat is not simulated.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from agentdesk.domain.ids import uuid7
from agentdesk.server.seed import SeedReport, seed_database
from bench.bench_server import login, pg_database, served, server_troubles
from bench.harness import Result, percentile

MARKER = "load-bench"


@dataclass
class LoadStats:
    latencies: dict[str, list[float]] = field(
        default_factory=lambda: {"initial": [], "pull": [], "push": []}
    )
    mutations = 0
    errors = 0
    error_samples: list[str] = field(default_factory=list)
    applied_replies: set[str] = field(default_factory=set)
    outcomes: dict[str, int] = field(default_factory=dict)
    duplicates_expected = 0
    duplicates_seen = 0
    retries = 0

    def error(self, text: str) -> None:
        self.errors += 1
        self.error_samples.append(text[:160])


def run(quick: bool) -> list[Result]:
    agents = 40 if quick else 200
    seconds = 8.0 if quick else 30.0
    tickets = 400 if quick else 2_000
    with pg_database() as url:
        report = seed_database(url, tickets=tickets, agents=agents, seed=3)
        log = Path.cwd() / "serve.log"
        with served(url, workers=2, log=log) as base_url:
            stats, wall = asyncio.run(load(base_url, report, agents, seconds))
        lost, duplicated = check_database(url, stats)
    return results(stats, wall, agents, seconds, tickets, lost, duplicated, log)


async def load(
    base_url: str, report: SeedReport, agents: int, seconds: float
) -> tuple[LoadStats, float]:
    stats = LoadStats()
    accounts = [a for a in report.accounts if a.role != "admin"][:agents]
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
    sessions = [httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) for _ in accounts]
    try:
        gate = asyncio.Semaphore(4)
        tokens = await asyncio.gather(
            *(
                login(s, a.email, report.password, gate)
                for s, a in zip(sessions, accounts, strict=True)
            )
        )
        synced = [asyncio.Event() for _ in accounts]
        go = asyncio.Event()
        window: list[float] = []
        tasks = [
            asyncio.create_task(agent_loop(s, t, a.id, n, synced[n], go, window, stats))
            for n, (s, t, a) in enumerate(zip(sessions, tokens, accounts, strict=True))
        ]
        for event in synced:  # every initial sync done (or failed) before the clock starts
            await event.wait()
        began = time.perf_counter()
        window.append(began + seconds)
        go.set()
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - began
    finally:
        await asyncio.gather(*(s.aclose() for s in sessions))
    return stats, wall


async def request(
    session: httpx.AsyncClient, kind: str, stats: LoadStats, method: str, path: str, **kw: Any
) -> httpx.Response | None:
    """One request, timed; a GET/POST that dies on a reused keep-alive connection is sent
    again once (safe: pulls are reads, pushes are idempotent by mutation id)."""
    began = time.perf_counter()
    for attempt in range(2):
        try:
            response = await session.request(method, path, **kw)
        except (httpx.ReadError, httpx.RemoteProtocolError) as exc:
            if attempt == 0:
                stats.retries += 1
                continue
            stats.error(f"{kind}: {type(exc).__name__} twice: {exc}")
            return None
        except httpx.HTTPError as exc:
            stats.error(f"{kind}: {type(exc).__name__}: {exc}")
            return None
        stats.latencies[kind].append(time.perf_counter() - began)
        if response.status_code == 429:  # rate limited: a designed answer, not an error
            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
            return None
        if response.status_code != 200:
            stats.error(f"{kind}: HTTP {response.status_code}: {response.text}")
            return None
        return response
    return None


async def agent_loop(
    session: httpx.AsyncClient,
    token: str,
    me: int,
    number: int,
    synced: asyncio.Event,
    go: asyncio.Event,
    window: list[float],
    stats: LoadStats,
) -> None:
    """Initial sync (timed as `initial`), then, from `go` until `window[0]`, the desk loop."""
    rng = random.Random(number)
    headers = {"Authorization": f"Bearer {token}"}
    client_id = str(uuid7())
    tickets: dict[int, dict[str, Any]] = {}
    cursor = ""
    next_id = 1

    async def pull(kind: str = "pull") -> bool:
        nonlocal cursor
        while True:
            response = await request(
                session, kind, stats, "GET", "/v1/changes",
                params={"cursor": cursor, "limit": 500}, headers=headers,
            )  # fmt: skip
            if response is None:
                return False
            page = response.json()
            for change in page["changes"]:
                if change["entity"] == "ticket" and change["op"] == "upsert":
                    tickets[int(change["id"])] = change["data"]
            cursor = page["cursor"]
            if not page["has_more"]:
                return True

    async def push(mutations: list[dict[str, Any]], *, again: bool) -> None:
        body = {"client_id": client_id, "mutations": mutations}
        response = await request(session, "push", stats, "POST", "/v1/mutations",
                                 json=body, headers=headers)  # fmt: skip
        if response is None:
            return
        results = response.json()["results"]
        if not again:
            stats.mutations += len(results)
        for mutation, result in zip(mutations, results, strict=False):
            outcome = result["outcome"]
            stats.outcomes[outcome] = stats.outcomes.get(outcome, 0) + 1
            if again:
                stats.duplicates_seen += outcome == "duplicate"
            elif mutation["name"] == "message.add" and outcome == "applied":
                stats.applied_replies.add(mutation["args"]["id"])

    try:
        ok = await pull("initial")
    finally:
        synced.set()
    if not ok:
        return
    await go.wait()
    while time.perf_counter() < window[0]:
        writable = [t for t, row in tickets.items() if row.get("assignee_id") in (None, me)]
        free = [t for t, row in tickets.items() if row.get("assignee_id") is None]
        mutations: list[dict[str, Any]] = []
        if writable:
            ticket_id = rng.choice(writable)
            mutations.append({"id": next_id, "name": "message.add", "args": {
                "id": str(uuid7()), "ticket_id": ticket_id, "public": False,
                "body": f"{MARKER} {client_id} {next_id}"}})  # fmt: skip
            next_id += 1
        if free:
            ticket_id = rng.choice(free)
            for frm, to in ((None, me), (me, None)):
                args = {"ticket_id": ticket_id, "from": frm, "to": to}
                mutations.append({"id": next_id, "name": "ticket.assign", "args": args})
                next_id += 1
        if mutations:
            await push(mutations, again=False)
            if number % 10 == 0 and next_id % 10 < 3:  # a retried batch: all duplicates
                stats.duplicates_expected += len(mutations)
                await push(mutations, again=True)
        if not await pull():
            return
        await asyncio.sleep(rng.uniform(0.2, 0.6))  # think time of a person


def check_database(url: str, stats: LoadStats) -> tuple[int, int]:
    """Lost: replies answered `applied` that are not in the database. Duplicated: replies in
    the database more than once (by body, which is unique per mutation), or not answered."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, body FROM messages WHERE body LIKE :marker"),
                {"marker": f"{MARKER} %"},
            ).all()
    finally:
        engine.dispose()
    ids = [str(row.id) for row in rows]
    bodies = [row.body for row in rows]
    lost = len(stats.applied_replies - set(ids))
    duplicated = (len(bodies) - len(set(bodies))) + len(set(ids) - stats.applied_replies)
    return lost, duplicated


def results(
    stats: LoadStats,
    wall: float,
    agents: int,
    seconds: float,
    tickets: int,
    lost: int,
    duplicated: int,
    log: Path,
) -> list[Result]:
    label = f"{agents} agents for {seconds:.0f} s (PostgreSQL, 2 workers)"
    requests = len(stats.latencies["pull"]) + len(stats.latencies["push"])
    out: list[Result] = []
    initial = stats.latencies["initial"]
    if initial:
        out.append(Result(f"{agents} agents' initial syncs at once: p50 per page",
                          percentile(initial, 50) * 1000, "ms", higher_is_better=False,
                          notes=f"{len(initial):,} pages, before the timed window"))  # fmt: skip
    for kind, endpoint in (("pull", "GET /v1/changes"), ("push", "POST /v1/mutations")):
        samples = stats.latencies[kind]
        if not samples:
            continue
        out.append(Result(f"{label}: {endpoint} p50", percentile(samples, 50) * 1000, "ms",
                          higher_is_better=False,
                          notes=f"{len(samples):,} requests"))  # fmt: skip
        out.append(Result(f"{label}: {endpoint} p99", percentile(samples, 99) * 1000, "ms",
                          higher_is_better=False))  # fmt: skip
    outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(stats.outcomes.items()))
    out += [
        Result(
            f"{label}: throughput",
            requests / wall,
            "requests/s",
            notes=f"{stats.mutations / wall:,.0f} mutations/s; {tickets:,}-ticket desk; "
            f"outcomes: {outcomes}; {stats.retries} keep-alive re-sends",
        ),
        Result(
            f"{label}: errors",
            stats.errors,
            "errors",
            goal="0",
            passed=stats.errors == 0 and requests > 0,
            higher_is_better=False,
            notes="; ".join([*sorted(set(stats.error_samples))[:2], *server_troubles(log)]),
        ),
        Result(
            f"{label}: lost or duplicated replies (checked in the database)",
            lost + duplicated,
            "mutations",
            goal="0",
            passed=lost == 0
            and duplicated == 0
            and stats.duplicates_seen == stats.duplicates_expected,
            higher_is_better=False,
            notes=f"{len(stats.applied_replies):,} replies applied; lost {lost}, duplicated "
            f"{duplicated}; retried batches answered duplicate {stats.duplicates_seen:,}"
            f"/{stats.duplicates_expected:,}",
        ),
    ]
    return out


if __name__ == "__main__":
    for result in run(quick=True):
        print(result)
