"""The sync engine end to end: first sync over HTTP into the cache, and a large push.

1. Initial sync: a server seeded with 100,000 tickets (quick: 5,000) and their messages,
   customers and agents, served by `EmbeddedServer` (uvicorn, loopback); an admin's first
   `SyncEngine.initial_sync` into a fresh cache (HTTP + JSON + validation + `apply_changes` +
   index and search rebuild), in rows/s. Baseline, same run: a bare `sqlite3.executemany` of
   the very same rows (read back from the synced cache) into bare tables, in pages of the
   same size. Goal: at least half the bare rate.
2. Push: 10,000 mutations (quick: 2,000) queued offline by the admin (priority changes, tag
   changes and replies on distinct tickets), then one `sync_once`: the push phase (20
   requests of 500) and the pull that acknowledges them. Goal: push under 10 s.

Run alone: `python -m bench.bench_sync [--quick]`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx

from agentdesk.server.seed import seed_database
from agentdesk.store import Cache
from agentdesk.store.schema import ENTITY_TABLES
from agentdesk.sync.backend import MutationResult, OutgoingMutation, PullPage
from agentdesk.sync.engine import SyncEngine
from agentdesk.sync.reference import ReferenceBackend
from bench.harness import Result, at_least, at_most, free_port, wait_until_serving

PAGE = 5000  # the protocol's maximum page
PUSH_GOAL_SECONDS = 10.0
_SERVER_PID: list[int] = []  # the `agentdesk serve` child of `served`, for its CPU time


def cpu_seconds() -> tuple[float, float]:
    """(this process, the server process) CPU seconds so far: on a shared machine the wall
    time depends on the load, the CPU time much less."""
    server = 0.0
    if _SERVER_PID:
        try:
            fields = Path(f"/proc/{_SERVER_PID[0]}/stat").read_text().rpartition(")")[2].split()
            server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            server = float("nan")
    return time.process_time(), server


class TimedBackend:
    """Delegates to a backend and adds up the time spent in pull and push."""

    def __init__(self, inner: ReferenceBackend) -> None:
        self.inner = inner
        self.kind = inner.kind
        self.capabilities = inner.capabilities
        self.pull_seconds = 0.0
        self.push_seconds = 0.0
        self.pushed = 0

    async def pull(self, cursor: str | None, limit: int) -> PullPage:
        started = time.perf_counter()
        try:
            return await self.inner.pull(cursor, limit)
        finally:
            self.pull_seconds += time.perf_counter() - started

    async def push(self, mutations: Sequence[OutgoingMutation]) -> list[MutationResult]:
        started = time.perf_counter()
        try:
            results = await self.inner.push(mutations)
            self.pushed += len(results)
            return results
        finally:
            self.push_seconds += time.perf_counter() - started

    def events(self) -> Any:
        return self.inner.events()

    async def aclose(self) -> None:
        await self.inner.aclose()


def run(quick: bool) -> list[Result]:
    tickets = 5_000 if quick else 100_000
    mutations = 2_000 if quick else 10_000
    path = Path.cwd() / "server.sqlite3"
    url = f"sqlite:///{path}"
    started = time.perf_counter()
    report = seed_database(url, tickets=tickets, seed=5)
    print(f"bench_sync: seeded {tickets:,} tickets in {time.perf_counter() - started:.1f} s")
    admin = next(a for a in report.accounts if a.role == "admin")
    # `agentdesk serve` in its own process, as in production: the server's CPU work (SQL,
    # JSON) runs next to the client's instead of sharing one interpreter lock with it.
    with served(url) as base_url:
        token = _login(base_url, admin.email, report.password)
        return asyncio.run(_measure(base_url, token, tickets, mutations))


@contextlib.contextmanager
def served(url: str) -> Iterator[str]:
    """`agentdesk serve --db URL` on a free loopback port, as a child process."""
    port = free_port()
    log = Path.cwd() / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "agentdesk", "serve", "--db", url, "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    _SERVER_PID[:] = [process.pid]
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_serving(base_url)
        yield base_url
    finally:
        _SERVER_PID.clear()
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _login(base_url: str, email: str, password: str) -> str:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        response = client.post("/v1/auth/token", json={"email": email, "password": password})
        response.raise_for_status()
        return str(response.json()["access_token"])


async def _measure(base_url: str, token: str, tickets: int, mutations: int) -> list[Result]:
    cache_path = Path.cwd() / "cache.sqlite3"
    cache = Cache.open(cache_path)
    inner = ReferenceBackend(base_url, token, cache.client_id, timeout=httpx.Timeout(300))
    backend = TimedBackend(inner)
    engine = SyncEngine(cache, backend, page_size=PAGE, realtime=False)  # type: ignore[arg-type]
    try:
        cpu_before = cpu_seconds()
        started = time.perf_counter()
        first = await engine.initial_sync()
        sync_seconds = time.perf_counter() - started
        client_cpu, server_cpu = (a - b for a, b in zip(cpu_seconds(), cpu_before, strict=True))
        rows = first.pulled
        raw_seconds = _bare_executemany(cache_path, Path.cwd() / "bare.sqlite3")
        sync_rate, raw_rate = rows / sync_seconds, rows / raw_seconds
        results = [
            Result(
                f"sync: first sync over HTTP, {tickets:,} tickets ({rows:,} rows)",
                round(sync_rate),
                "rows/s",
                round(raw_rate),
                ">= 0.5 x bare executemany",
                at_least(sync_rate / raw_rate, 0.5),
                baseline_name="bare sqlite3.executemany of the same rows",
                notes=(
                    f"{sync_seconds:.1f} s end to end ({backend.pull_seconds:.1f} s waiting on "
                    f"HTTP + JSON + validation), pages of {PAGE}, indexes and FTS rebuilt; "
                    f"CPU: client {client_cpu:.1f} s, server {server_cpu:.1f} s"
                ),
            )
        ]
        results.append(await _measure_push(cache, engine, backend, mutations))
        return results
    finally:
        await backend.aclose()
        cache.close()


def _bare_executemany(source: Path, target: Path) -> float:
    """Seconds to insert the cache's synced rows into bare tables (no index, no FTS)."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target, isolation_level=None)
    dst.execute("PRAGMA journal_mode = WAL")
    dst.execute("PRAGMA synchronous = NORMAL")  # as the cache commits pulled pages
    elapsed = 0.0
    for info in ENTITY_TABLES.values():
        columns = ", ".join(info.columns)
        dst.execute(
            f"CREATE TABLE {info.table} "
            f"({', '.join(c + ' PRIMARY KEY' if c == 'id' else c for c in info.columns)})"
        )
        insert = f"INSERT INTO {info.table} VALUES ({', '.join('?' for _ in info.columns)})"
        cursor = src.execute(f"SELECT {columns} FROM {info.table}")
        while batch := cursor.fetchmany(PAGE):
            started = time.perf_counter()
            dst.execute("BEGIN")
            dst.executemany(insert, batch)
            dst.execute("COMMIT")
            elapsed += time.perf_counter() - started
    src.close()
    dst.close()
    return elapsed


async def _measure_push(
    cache: Cache, engine: SyncEngine, backend: TimedBackend, count: int
) -> Result:
    ids = [
        row[0] for row in cache.conn.execute("SELECT id FROM tickets ORDER BY id LIMIT ?", (count,))
    ]
    started = time.perf_counter()
    with cache.write():  # queue in one transaction (setup, not measured)
        for n in range(count):
            ticket_id = ids[n % len(ids)]
            kind = n % 3
            if kind == 0:
                current = cache.ticket(ticket_id)["priority"]
                wanted = "urgent" if current != "urgent" else "low"
                cache.update_ticket(ticket_id, priority=wanted)
            elif kind == 1:
                cache.tag_ticket(ticket_id, add=[f"bench-{n % 7}"])
            else:
                cache.add_message(ticket_id, f"bench reply {n}", public=n % 2 == 0)
    queued = cache.pending_count()
    queue_seconds = time.perf_counter() - started
    backend.push_seconds = backend.pull_seconds = 0.0
    backend.pushed = 0
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    report = await engine.sync_once()
    total = time.perf_counter() - started
    client_cpu, server_cpu = (a - b for a, b in zip(cpu_seconds(), cpu_before, strict=True))
    left = cache.pending_count()
    push_phase = total - backend.pull_seconds
    ok = left == 0 and report.pushed == queued
    return Result(
        f"sync: push of {queued:,} queued mutations",
        round(push_phase, 2),
        "s",
        goal=f"< {PUSH_GOAL_SECONDS:.0f} s",
        passed=ok and at_most(push_phase, PUSH_GOAL_SECONDS),
        higher_is_better=False,
        notes=(
            f"{report.pushed:,} results in requests of 500 ({backend.push_seconds:.1f} s on the "
            f"wire, the rest recording results and applying the acknowledging page); fetching "
            f"that page took {backend.pull_seconds:.1f} s more; {left} left pending; queueing "
            f"them offline took {queue_seconds:.1f} s; CPU (push and pull): client "
            f"{client_cpu:.1f} s, "
            f"server {server_cpu:.1f} s"
        ),
    )


if __name__ == "__main__":
    import tempfile

    quick = "--quick" in sys.argv
    with tempfile.TemporaryDirectory(prefix="agentdesk-bench-sync-") as folder:
        os.chdir(folder)
        os.environ["AGENTDESK_HOME"] = str(Path(folder) / "home")
        for result in run(quick):
            print(f"{result.name}: {result.value:,} {result.unit} (baseline {result.baseline})")
            print(f"  {result.notes} -> {result.verdict}")
