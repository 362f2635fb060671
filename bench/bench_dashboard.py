"""Benchmarks of the team-lead dashboards on a cache of 1,000,000 tickets.

The cache is written straight into its tables (then indexed the way a bulk first sync
finishes) with the shape of the reference server's seed at that size: three years of
history (about 900 tickets a day, replied, solved, 12 % rated) and a backlog of about
41,000 unsolved tickets of the last ten days, 60 agents in 4 groups. The signed-in lead
watches every group (the largest scope).

Figures (milliseconds, p95 of repeated runs unless said otherwise):
- KPI dashboard data: `kpi_inputs` of the last 14 days + the overall summary + the per-agent
  breakdown, i.e. everything `K` draws. Goal: under 500 ms.
- workload board data: `workload()`, everything `W` draws. Goal: under 500 ms.
- `K` in the app: from the key press to the KPI screen drawn (headless Textual), with the
  figures precomputed (as a lead's app does in the background after each sync, and reuses
  while the cache is unchanged). Goal: under 500 ms. The first `K`, reading the cache, is
  in the notes.
Baselines: a bare `sqlite3` read of the same 14 days' rows through the same index; the `?`
help screen opened the same way (what any screen costs in Textual on this machine).

`run(quick)`: quick uses 100,000 tickets. Run alone: `python -m bench.bench_dashboard [--quick]`.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from agentdesk.domain.sla import DEFAULT_TARGETS
from agentdesk.domain.timeutil import utcnow
from agentdesk.store import Cache
from agentdesk.store.codec import ts_text
from agentdesk.store.reports import default_range, kpi_inputs, workload
from agentdesk.store.schema import ENTITY_TABLES
from bench.harness import Result, at_most, percentile

GROUPS = ("Billing", "Technical", "Logistics", "Accounts")
CHANNELS = ("email", "email", "email", "chat", "chat", "web", "phone", "social")
PRIORITIES = ("low", "normal", "normal", "normal", "high", "urgent")
BACKLOG_STATUSES = ("new", "open", "open", "open", "pending", "on-hold")
N_AGENTS = 60
LEAD_ID = N_AGENTS + 1
REPEAT = 10


def _insert(conn: Any, entity: str, rows: list[tuple[Any, ...]]) -> None:
    info = ENTITY_TABLES[entity]
    marks = ", ".join("?" for _ in info.columns)
    conn.executemany(f"INSERT INTO {info.table} ({', '.join(info.columns)}) VALUES ({marks})", rows)


def _people() -> Iterator[tuple[str, tuple[Any, ...]]]:
    for group_id, name in enumerate(GROUPS, start=1):
        yield "group", (group_id, name, "", 1)
    for agent_id in range(1, N_AGENTS + 1):
        group = (agent_id - 1) % len(GROUPS) + 1
        yield (
            "agent",
            (
                agent_id,
                f"Agent {agent_id:02d}",
                f"agent{agent_id}@desk.test",
                "agent",
                json.dumps([group]),
                json.dumps(["refunds"] if agent_id % 3 == 0 else ["api"]),
                "available" if agent_id % 4 else "away",
                20,
                "",
                1,
                1,
            ),
        )
    groups = json.dumps(list(range(1, len(GROUPS) + 1)))
    yield (
        "agent",
        (LEAD_ID, "Lena Lead", "lena@desk.test", "lead", groups, "[]", "available", 10, "", 1, 1),
    )
    for customer_id in range(1, 1001):
        yield (
            "customer",
            (
                customer_id,
                f"Customer {customer_id}",
                f"c{customer_id}@example.com",
                None,
                None,
                "standard",
                "",
                "2023-01-01T00:00:00.000000Z",
                1,
            ),
        )


def _tickets(n_tickets: int, now: datetime, seed: int = 5) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """History (solved, closed) and backlog tickets, in creation order, with ratings."""
    rng = random.Random(seed)
    backlog = int(min(0.25 * n_tickets, 1250 + 0.04 * n_tickets))
    history_days = max(30, min(1100, n_tickets // 600))
    start = now - timedelta(days=history_days)
    span = (now - timedelta(hours=2) - start).total_seconds()
    created = sorted(
        [
            (start + timedelta(seconds=rng.random() * span), False)
            for _ in range(n_tickets - backlog)
        ]
        + [(now - timedelta(seconds=rng.random() * 10 * 86400), True) for _ in range(backlog)]
    )
    rating_id = 0
    for ticket_id, (when, in_backlog) in enumerate(created, start=1):
        group = rng.randint(1, len(GROUPS))
        members = [a for a in range(1, N_AGENTS + 1) if (a - 1) % len(GROUPS) + 1 == group]
        priority = rng.choice(PRIORITIES)
        target = DEFAULT_TARGETS[priority]  # type: ignore[index]
        first_due = when + timedelta(minutes=target["first_reply"])
        resolution_due = when + timedelta(minutes=target["resolution"])
        first_reply = solved = sla_due = None
        assignee: int | None = rng.choice(members)
        if in_backlog:
            status = rng.choice(BACKLOG_STATUSES)
            if status == "new":
                assignee = rng.choice([None, assignee])
            if status != "new" and rng.random() < 0.7:
                first_reply = when + timedelta(minutes=rng.expovariate(1 / 90))
            if status in ("new", "open"):
                sla_due = resolution_due if first_reply else min(first_due, resolution_due)
        else:
            status = "closed" if rng.random() < 0.8 else "solved"
            first_reply = when + timedelta(minutes=rng.expovariate(1 / 120))
            solved = first_reply + timedelta(minutes=rng.expovariate(1 / 1200))
        yield (
            "ticket",
            (
                ticket_id,
                f"Ticket {ticket_id}",
                status,
                priority,
                rng.choice(CHANNELS),
                rng.randint(1, 1000),
                assignee,
                group,
                "[]",
                None,
                ts_text(when),
                ts_text(solved or first_reply or when),
                ts_text(first_reply),
                ts_text(solved),
                ts_text(first_due),
                ts_text(resolution_due),
                ts_text(sla_due),
                None,
                ticket_id,
            ),
        )
        if solved is not None and rng.random() < 0.12:
            rating_id += 1
            score = rng.choices((1, 2, 3, 4, 5), (5, 5, 10, 30, 50))[0]
            rated = ts_text(min(solved + timedelta(hours=1), now))
            yield "satisfaction_rating", (rating_id, ticket_id, 1, score, "", rated, ticket_id)


def build_dashboard_cache(path: Path, n_tickets: int, now: datetime) -> Cache:
    cache = Cache.open(path)
    with cache.write() as conn:
        cache._begin_bulk(conn)
        batch: dict[str, list[tuple[Any, ...]]] = {}
        for count, (entity, row) in enumerate(_all(n_tickets, now)):
            batch.setdefault(entity, []).append(row)
            if count % 50_000 == 0:
                for name, rows in batch.items():
                    _insert(conn, name, rows)
                batch.clear()
        for name, rows in batch.items():
            _insert(conn, name, rows)
        cache._finish_bulk(conn)
        cache._set_meta(conn, "cursor", "bench")
    cache.set_agent_id(LEAD_ID)
    return cache


def _all(n_tickets: int, now: datetime) -> Iterator[tuple[str, tuple[Any, ...]]]:
    yield from _people()
    yield from _tickets(n_tickets, now)


def _timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Milliseconds per call."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _dashboard(cache: Cache, now: datetime) -> None:
    start, end = default_range(now)
    inputs = kpi_inputs(cache, start, end, group_ids=None, now=now)
    inputs.overall_and_by("agent")  # what K draws: overall figures and the per-agent table


def _bare_read(cache: Cache, now: datetime) -> None:
    start, end = default_range(now)
    cache.conn.execute(
        "SELECT group_id, assignee_id, channel, created_at, first_reply_at, solved_at "
        "FROM tickets WHERE created_at >= ? AND created_at < ?",
        (ts_text(start), ts_text(end)),
    ).fetchall()


@dataclass
class AppTimes:
    """Milliseconds from a key press to the screen drawn."""

    first_k: float = 0.0  # figures read from the cache
    again_k: list[float] = field(default_factory=list)  # figures precomputed (reused)
    help_screen: list[float] = field(default_factory=list)  # `?`: Textual's own cost


async def _open_in_app(cache: Cache, now: datetime, repeat: int) -> AppTimes:
    from agentdesk.config import Config
    from agentdesk.tui.app import AgentDeskApp
    from agentdesk.tui.screens.help import HelpScreen
    from agentdesk.tui.screens.kpi import KpiScreen
    from agentdesk.tui.screens.queue import QueueScreen

    config = Config(path=cache.path.with_suffix(".toml"))
    app = AgentDeskApp(cache, None, config=config, now=lambda: now)
    times = AppTimes()

    async def press(key: str, screen: type) -> float:
        start = time.perf_counter()
        await pilot.press(key)
        await _until(pilot, lambda: isinstance(app.screen, screen))
        # the KPI screen reads the cache in a thread when its figures are not fresh: wait
        await _until(pilot, lambda: getattr(app.screen, "summary", True) is not None)
        await pilot.pause()  # the first frame of the screen is drawn
        elapsed = (time.perf_counter() - start) * 1000
        await pilot.press("escape")
        await _until(pilot, lambda: isinstance(app.screen, QueueScreen))
        return elapsed

    async with app.run_test(size=(160, 48)) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, QueueScreen))
        times.first_k = await press("K", KpiScreen)
        for _ in range(repeat):
            times.help_screen.append(await press("question_mark", HelpScreen))
            times.again_k.append(await press("K", KpiScreen))
    return times


async def _until(pilot: Any, check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError("the app did not reach the expected screen")
        await pilot.pause()


def run(quick: bool = False) -> list[Result]:
    n_tickets = 100_000 if quick else 1_000_000
    now = utcnow()
    label = f"{n_tickets:,} cached tickets"
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-", dir=Path.cwd()) as tmp:
        build_start = time.perf_counter()
        cache = build_dashboard_cache(Path(tmp) / "dashboard.sqlite3", n_tickets, now)
        build_seconds = time.perf_counter() - build_start
        cache.close()
        cache = Cache.open(Path(tmp) / "dashboard.sqlite3")  # a fresh open, as the app does
        try:
            cold = _timed(lambda: _dashboard(cache, now), 1)[0]
            kpi = _timed(lambda: _dashboard(cache, now), REPEAT)
            board_cold = _timed(lambda: workload(cache, now=now), 1)[0]
            board = _timed(lambda: workload(cache, now=now), REPEAT)
            bare = _timed(lambda: _bare_read(cache, now), REPEAT)
            start, end = default_range(now)
            in_range = kpi_inputs(cache, start, end, now=now).summary_for()
            app = asyncio.run(_open_in_app(cache, now, 5))
        finally:
            cache.close()
    kpi_p95, board_p95 = percentile(kpi, 95), percentile(board, 95)
    return [
        Result(
            f"dashboard: KPI data for the last 14 days (K), {label}",
            round(kpi_p95, 1),
            "ms",
            round(percentile(bare, 95), 1),
            "< 500 ms",
            at_most(kpi_p95, 500),
            baseline_name="bare sqlite3 read of the 14 days' rows",
            higher_is_better=False,
            notes=(
                f"first call after opening {cold:.0f} ms; {in_range.tickets:,} tickets in "
                f"range, backlog {in_range.backlog_total:,}; cache built in {build_seconds:.0f} s"
            ),
        ),
        Result(
            f"dashboard: workload board data (W), {label}",
            round(board_p95, 1),
            "ms",
            None,
            "< 500 ms",
            at_most(board_p95, 500),
            higher_is_better=False,
            notes=f"first call after opening {board_cold:.0f} ms; {N_AGENTS + 1} agents",
        ),
        Result(
            f"dashboard: K pressed to KPI screen drawn, figures precomputed, {label}",
            round(percentile(app.again_k, 95), 1),
            "ms",
            round(percentile(app.help_screen, 95), 1),
            "< 500 ms",
            at_most(percentile(app.again_k, 95), 500),
            baseline_name="`?` help screen opened the same way (Textual's own cost)",
            higher_is_better=False,
            notes=(
                f"headless app; figures reused while the cache is unchanged (leads get them "
                f"computed in the background after each sync); {len(app.again_k)} opens; the "
                f"first K, reading the cache: {app.first_k:.0f} ms"
            ),
        ),
    ]


if __name__ == "__main__":
    for result in run(quick="--quick" in sys.argv):
        print(result)
