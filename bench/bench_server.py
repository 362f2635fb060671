"""The reference server: seeding rate, initial sync over HTTP, 100 concurrent pulls on PostgreSQL.

1. Seeding (SQLite): `seed_database` at 100,000 tickets (quick: 5,000) in tickets/s and rows/s,
   next to a bare `executemany` of the very same rows (already generated) through the same
   bulk writer: the ratio is the price of generating realistic data. Full runs also seed
   1,000,000 tickets and record the time (goal: under 3 minutes), and 100,000 tickets on
   PostgreSQL (`COPY`).
2. `/v1/changes` over HTTP on loopback: an admin's full initial sync of that database through
   `EmbeddedServer` (uvicorn, real sockets, JSON decoded by the client), in rows/s, next to a
   raw `sqlite3` read of the same rows in the same run.
3. 100 concurrent clients on PostgreSQL: `agentdesk serve --workers 2` on a freshly seeded
   database; 100 agents log in and each runs a full initial sync at once. Per-request
   latency p50/p99 against one client alone in the same run; errors: none allowed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx

from agentdesk.domain.models import SYNCED_MODELS
from agentdesk.server.seed import SeedReport, seed_database
from agentdesk.server.seed_data.writers import SqliteWriter
from bench.harness import Result, free_port, percentile, stopwatch, wait_until_serving

PG_ADMIN_URL = os.environ.get("AGENTDESK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
PAGE_LIMIT = 5000
T = TypeVar("T")


def run(quick: bool) -> list[Result]:
    """Every part runs even when an earlier one fails (a failure is a MISS row)."""
    tickets = 5_000 if quick else 100_000
    path = Path.cwd() / "seeded.sqlite3"
    seeding = guarded("seeding", lambda: bench_seeding(path, tickets))
    results = seeding if isinstance(seeding, list) else seeding[1]
    if not quick:
        results += guarded("seed 1,000,000 tickets", bench_million)
    if isinstance(seeding, tuple):
        report = seeding[0]
        results += guarded("/v1/changes over HTTP", lambda: [bench_http_pull(path, report)])
    if not quick:
        results += guarded("seeding (PostgreSQL)", bench_pg_seeding)
    results += guarded("concurrent pulls (PostgreSQL)", lambda: bench_concurrent_pulls(quick))
    return results


def guarded(part: str, measure: Callable[[], T]) -> T | list[Result]:
    """`measure()`, or a failed row naming the error (the traceback goes to stderr)."""
    try:
        return measure()
    except Exception as exc:
        traceback.print_exc()
        line = (str(exc).strip().splitlines() or [""])[0]
        return [
            Result(
                f"{part}: failed",
                0,
                "",
                goal="runs",
                passed=False,
                notes=f"{type(exc).__name__}: {line}",
            )
        ]


# -- 1. seeding ---------------------------------------------------------------------------


def bench_seeding(path: Path, tickets: int) -> tuple[SeedReport, list[Result]]:
    """Seed `tickets`: the rate, and the rows/s next to writing the same rows bare."""
    url = f"sqlite:///{path}"
    cpu_before = time.process_time()
    report = seed_database(url, tickets=tickets, seed=1)
    cpu = time.process_time() - cpu_before
    # `report.seconds` covers everything: schema, pools, hashing, generation, writes, indexes.
    seconds = report.seconds
    baseline = bare_insert_rate(path)
    return report, [
        Result(
            f"seed {tickets:,} tickets (SQLite)",
            tickets / seconds,
            "tickets/s",
            notes=f"{report.rows:,} rows in {seconds:.1f} s ({cpu:.1f} s of CPU), schema, "
            "pools, password hashes and indexes included (the goal is judged on 1M tickets)",
        ),
        Result(
            f"seed {tickets:,} tickets: rows written",
            report.rows / seconds,
            "rows/s",
            baseline=baseline,
            baseline_name="bare executemany of the same rows",
        ),
    ]


def bare_insert_rate(seeded: Path) -> float:
    """Rows/s of writing the seeded rows again, already generated, with the same writer."""
    from agentdesk.server.db import open_database

    source = sqlite3.connect(seeded)
    tables: list[tuple[str, list[str], list[tuple[Any, ...]]]] = []
    for model in SYNCED_MODELS.values():
        name = model.__table__.name  # type: ignore[attr-defined]
        cursor = source.execute(f'SELECT * FROM "{name}"')
        columns = [d[0] for d in cursor.description]
        tables.append((name, columns, cursor.fetchall()))
    source.close()
    target = seeded.with_name("bare.sqlite3")
    open_database(f"sqlite:///{target}").dispose()
    rows = sum(len(r) for _, _, r in tables)
    with stopwatch() as elapsed:
        writer = SqliteWriter(str(target), fresh=True)
        for name, columns, table_rows in tables:
            writer.insert(name, columns, table_rows)
        writer.finish()
    target.unlink()
    return rows / elapsed[0]


def bench_million() -> list[Result]:
    """The million-ticket seed: wall time (the goal) and CPU time (what a busy shared
    machine cannot inflate)."""
    path = Path.cwd() / "million.sqlite3"
    cpu_before = time.process_time()
    report = seed_database(f"sqlite:///{path}", tickets=1_000_000, seed=1)
    cpu = time.process_time() - cpu_before
    size_gib = path.stat().st_size / 2**30
    path.unlink()
    return [
        Result(
            "seed 1,000,000 tickets (SQLite): wall time",
            report.seconds,
            "s",
            goal="< 180 s",
            passed=report.seconds < 180,
            higher_is_better=False,
            notes=f"{report.rows:,} rows ({report.rows / report.seconds:,.0f} rows/s), "
            f"{size_gib:.1f} GiB file",
        ),
        Result(
            "seed 1,000,000 tickets (SQLite): CPU time",
            cpu,
            "s",
            goal="< 180 s",
            passed=cpu < 180,
            higher_is_better=False,
            notes="the seed is one process: on an idle machine wall time is CPU time plus "
            "a little I/O; the gap to wall time is waiting for a core",
        ),
    ]


# -- 2. initial sync over HTTP ------------------------------------------------------------


def raw_read_rate(path: Path) -> tuple[int, float]:
    """(rows, rows/s) of reading every synced row with plain sqlite3, ordered by version."""
    conn = sqlite3.connect(path)
    rows = 0
    with stopwatch() as elapsed:
        for model in SYNCED_MODELS.values():
            name = model.__table__.name  # type: ignore[attr-defined]
            cursor = conn.execute(f'SELECT * FROM "{name}" ORDER BY version')
            while batch := cursor.fetchmany(PAGE_LIMIT):
                rows += len(batch)
    conn.close()
    return rows, rows / elapsed[0]


def full_sync(client: httpx.Client, token: str, limit: int = PAGE_LIMIT) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    cursor = ""
    rows = 0
    while True:
        response = client.get(
            "/v1/changes", params={"cursor": cursor, "limit": limit}, headers=headers
        )
        response.raise_for_status()
        page = response.json()
        rows += len(page["changes"])
        cursor = page["cursor"]
        if not page["has_more"]:
            return rows


def bench_http_pull(path: Path, report: SeedReport) -> Result:
    from agentdesk.server.embedded import EmbeddedServer
    from agentdesk.server.ratelimit import RateLimit

    admin = next(a for a in report.accounts if a.role == "admin")
    raw_rows, raw_rate = raw_read_rate(path)
    with (
        EmbeddedServer(f"sqlite:///{path}", rate_limit=RateLimit(rate=1000, burst=1000)) as server,
        httpx.Client(base_url=server.url, timeout=120) as client,
    ):
        login = client.post(
            "/v1/auth/token", json={"email": admin.email, "password": report.password}
        )
        login.raise_for_status()
        token = login.json()["access_token"]
        with stopwatch() as elapsed:
            rows = full_sync(client, token)
    if rows != raw_rows:
        raise RuntimeError(f"the sync returned {rows:,} rows, the database holds {raw_rows:,}")
    rate = rows / elapsed[0]
    goal = max(10_000.0, rows / 60)
    return Result(
        f"/v1/changes full sync over HTTP ({rows:,} rows, {PAGE_LIMIT}/page)",
        rate,
        "rows/s",
        baseline=raw_rate,
        baseline_name="raw sqlite3 read",
        goal=f"≥ {goal:,.0f} rows/s (first sync < 1 min)",
        passed=rate >= goal,
        notes=f"{elapsed[0]:.1f} s for the admin's initial sync (client JSON decoding included)",
    )


# -- 3. 100 concurrent clients on PostgreSQL ----------------------------------------------


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """A throw-away PostgreSQL database (`postgresql+psycopg://` URL), dropped afterwards."""
    import psycopg

    name = f"agentdesk_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_pg_seeding(tickets: int = 100_000) -> list[Result]:
    with pg_database() as url:
        report = seed_database(url, tickets=tickets, seed=1)
    return [
        Result(
            f"seed {tickets:,} tickets (PostgreSQL, COPY)",
            report.rows / report.seconds,
            "rows/s",
            notes=f"{tickets / report.seconds:,.0f} tickets/s; {report.rows:,} rows in "
            f"{report.seconds:.1f} s, indexes and foreign keys restored at the end",
        )
    ]


def bench_concurrent_pulls(quick: bool, clients: int = 100) -> list[Result]:
    tickets = 300 if quick else 3_000
    with pg_database() as url:
        report = seed_database(url, tickets=tickets, agents=clients, seed=1)
        log = Path.cwd() / "serve.log"
        with served(url, workers=2, log=log) as base_url:
            solo = asyncio.run(pull_all(base_url, report, 1))
            crowd = asyncio.run(pull_all(base_url, report, clients))

    label = f"{clients} clients' initial syncs at once (PostgreSQL, 2 workers)"
    return [
        Result(
            f"{label}: p50 per page",
            percentile(crowd.latencies, 50) * 1000,
            "ms",
            baseline=percentile(solo.latencies, 50) * 1000,
            baseline_name="one client alone",
            higher_is_better=False,
            notes=f"{tickets:,}-ticket desk, {crowd.requests:,} requests of ≤ 500 rows, "
            f"{crowd.rows / crowd.seconds:,.0f} rows/s in total over {crowd.seconds:.1f} s; "
            f"{crowd.retries} GETs sent again on a fresh connection after a reused keep-alive "
            "one was dropped as they were sent (as a sync client must)",
        ),
        Result(
            f"{label}: p99 per page",
            percentile(crowd.latencies, 99) * 1000,
            "ms",
            baseline=percentile(solo.latencies, 99) * 1000,
            baseline_name="one client alone",
            higher_is_better=False,
        ),
        Result(
            f"{label}: errors",
            crowd.errors,
            "errors",
            goal="0",
            passed=crowd.errors == 0 and crowd.rows > 0,
            higher_is_better=False,
            notes="; ".join([*sorted(set(crowd.error_samples))[:2], *server_troubles(log)]),
        ),
    ]


@contextlib.contextmanager
def served(url: str, workers: int, log: Path) -> Iterator[str]:
    """`agentdesk serve --db URL --workers N` on a free loopback port, as a child process
    (its output goes to `log`)."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "agentdesk", "serve", "--db", url, "--port", str(port),
             "--workers", str(workers)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_serving(base_url)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def server_troubles(log: Path) -> list[str]:
    """Lines of the server's log that explain errors (workers killed or failing)."""
    if not log.exists():
        return []
    lines = log.read_text(errors="replace").splitlines()
    wanted = ("died", "Error", "error", "Traceback", "killed", "Killed")
    hits = [line.strip() for line in lines if any(w in line for w in wanted)]
    return [f"server log: {line[:160]}" for line in dict.fromkeys(hits)][:3]


class PullStats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.rows = 0
        self.requests = 0
        self.errors = 0
        self.retries = 0  # GETs sent again after a keep-alive race (not errors)
        self.error_samples: list[str] = []
        self.seconds = 0.0


async def pull_all(base_url: str, report: SeedReport, clients: int) -> PullStats:
    """`clients` agents log in, then all start a full initial sync at the same moment."""
    stats = PullStats()
    accounts = report.accounts[:clients]
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
        start = asyncio.Event()
        tasks = [
            asyncio.create_task(sync_one(s, t, start, stats))
            for s, t in zip(sessions, tokens, strict=True)
        ]
        began = time.perf_counter()
        start.set()
        await asyncio.gather(*tasks)
        stats.seconds = time.perf_counter() - began
    finally:
        await asyncio.gather(*(s.aclose() for s in sessions))
    return stats


async def login(
    session: httpx.AsyncClient, email: str, password: str, gate: asyncio.Semaphore
) -> str:
    """Log in (not measured): a few at a time, since each login is a deliberately slow hash."""
    async with gate:
        for attempt in range(6):
            try:
                response = await session.post(
                    "/v1/auth/token", json={"email": email, "password": password}
                )
            except httpx.TransportError:
                await asyncio.sleep(0.2 * 2**attempt)
                continue
            if response.status_code == 429:  # login rate limit: wait as told, then retry
                await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                continue
            response.raise_for_status()
            return str(response.json()["access_token"])
    raise RuntimeError(f"could not log in as {email}")


async def sync_one(
    session: httpx.AsyncClient, token: str, start: asyncio.Event, stats: PullStats
) -> None:
    """A full initial sync, page by page, the way a client does it: a GET that dies on a
    reused keep-alive connection (the server closed it while idle) is sent again once;
    any other failure, or a second one, counts as an error."""
    await start.wait()
    headers = {"Authorization": f"Bearer {token}"}
    cursor = ""
    while True:
        began = time.perf_counter()
        for attempt in range(2):
            try:
                response = await session.get(
                    "/v1/changes", params={"cursor": cursor, "limit": 500}, headers=headers
                )
                page = response.json() if response.status_code == 200 else None
                break
            except (httpx.ReadError, httpx.RemoteProtocolError) as exc:
                if attempt == 0:
                    stats.retries += 1
                    continue
                stats.errors += 1
                stats.error_samples.append(f"{type(exc).__name__} twice: {exc}")
                return
            except (httpx.HTTPError, ValueError) as exc:
                stats.errors += 1
                stats.error_samples.append(f"{type(exc).__name__}: {exc}")
                return
        stats.latencies.append(time.perf_counter() - began)
        stats.requests += 1
        if page is None:
            stats.errors += 1
            stats.error_samples.append(f"HTTP {response.status_code}: {response.text[:120]}")
            return
        stats.rows += len(page["changes"])
        cursor = page["cursor"]
        if not page["has_more"]:
            return
