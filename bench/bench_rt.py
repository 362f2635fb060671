"""Request Tracker 5 as a backend: first sync, a quiet poll, a poll after 50 changes.

A throwaway RT (tests/rt/rt_instance.py: Debian's packages, SQLite, BcryptCost 4, no mail)
is seeded with 2,000 tickets (quick: 200), each with a customer message, a public reply and
an internal note, through RT's Perl API. Then, as the agent `alice` with an auth token:

1. RT's own paged listing: `GET /tickets` of every ticket, 100 a page, with the same fields
   and expansions agentdesk asks for (the baseline: the least any client must do).
2. agentdesk's first sync of the same tickets: `SyncEngine` + `RTBackend` + the SQLite
   cache, every ticket with its thread, customers, agents and queues, in tickets/s.
3. A quiet incremental poll (nothing changed): median of 20, in ms (one request each).
4. A poll after 50 changes (25 replies and 25 priority changes by another agent, on 50
   tickets): the time of the pass, and how many tickets it re-read (goal: only those 50).

Pacing (`max_requests_per_second`, 10 by default) is lifted here so the figures show the
work itself; with the default, a first sync of 2,000 tickets needs about 140 requests (14 s).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx

from agentdesk.store import Cache
from agentdesk.sync.backend import PullPage
from agentdesk.sync.engine import SyncEngine
from agentdesk.sync.rt import RTBackend, RTSettings, mapping
from bench.harness import Result

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "rt"))

from rt_instance import RTInstance, create_instance


def run(quick: bool) -> list[Result]:
    tickets = 200 if quick else 2000
    rt = create_instance(Path.cwd() / "rt")
    try:
        started = time.perf_counter()
        rt.seed_bulk(tickets, prefix="Bench")
        seeded = time.perf_counter() - started
        print(f"bench_rt: seeded {tickets} tickets in {seeded:.1f} s", flush=True)
        listing = rt_listing(rt)
        return asyncio.run(agentdesk_figures(rt, tickets, listing))
    finally:
        rt.stop()


def rt_listing(rt: RTInstance) -> tuple[int, float]:
    """(tickets, seconds) for RT's own paged listing with agentdesk's fields."""
    params: dict[str, str | int] = {
        "query": "id > 0",
        "fields": mapping.TICKET_FIELDS,
        "orderby": "id",
        "order": "ASC",
        "per_page": 100,
    }
    for name, sub in mapping.TICKET_EXPAND.items():
        params[f"fields[{name}]"] = sub
    seen = 0
    headers = {"Authorization": f"token {rt.tokens['alice']}"}
    with httpx.Client(base_url=f"{rt.url}/REST/2.0", headers=headers, timeout=120) as http:
        started = time.perf_counter()
        page = 1
        while True:
            response = http.get("/tickets", params={**params, "page": page})
            response.raise_for_status()
            items = response.json()["items"]
            if not items:
                break
            seen += len(items)
            page += 1
        return seen, time.perf_counter() - started


async def agentdesk_figures(
    rt: RTInstance, tickets: int, listing: tuple[int, float]
) -> list[Result]:
    listed, listing_seconds = listing
    settings = RTSettings(max_requests_per_second=10_000)
    backend = RTBackend(rt.url, f"alice:{rt.tokens['alice']}", settings=settings)
    cache = Cache.open(Path.cwd() / "cache.sqlite3")
    engine = SyncEngine(cache, backend)
    results: list[Result] = []
    try:
        started = time.perf_counter()
        report = await engine.initial_sync()
        first = time.perf_counter() - started
        first_requests = backend.client.requests
        synced = cache.count()
        results.append(
            Result(
                name=f"first sync, {tickets} tickets x 3 messages (into the cache)",
                value=synced / first,
                unit="tickets/s",
                baseline=listed / listing_seconds,
                baseline_name="RT's own paged listing, same fields",
                notes=f"{report.pulled} rows, {first_requests} requests, {first:.1f} s; "
                f"listing {listing_seconds:.1f} s",
            )
        )

        quiet: list[float] = []
        for _ in range(20):
            before = backend.client.requests
            started = time.perf_counter()
            await engine.sync_once()
            quiet.append((time.perf_counter() - started) * 1000)
            assert backend.client.requests - before == 1
        results.append(
            Result(
                name="quiet incremental poll (median of 20)",
                value=statistics.median(quiet),
                unit="ms",
                higher_is_better=False,
                notes="one request: transactions after the watermark",
            )
        )

        reread: set[int | str] = set()
        pull = backend.pull

        async def counting_pull(cursor: str | None, limit: int) -> PullPage:
            page = await pull(cursor, limit)
            reread.update(c.id for c in page.changes if c.entity == "ticket")
            return page

        backend.pull = counting_pull  # type: ignore[method-assign]
        with rt.api("bob") as bob:
            for n in range(1, 51):
                if n % 2:
                    bob.correspond(n, f"Bob follows up on {n}")
                else:
                    bob.update(n, Priority=99)
        before_requests = backend.client.requests
        started = time.perf_counter()
        report = await engine.sync_once()
        after_changes = (time.perf_counter() - started) * 1000
        refetched = report.pulled
        results.append(
            Result(
                name="poll after 50 changes (25 replies, 25 priorities)",
                value=after_changes,
                unit="ms",
                higher_is_better=False,
                goal="re-reads only the 50 changed tickets",
                passed=len(reread) == 50 and cache_has_changes(cache),
                notes=f"{len(reread)} tickets re-read, {refetched} rows, "
                f"{backend.client.requests - before_requests} requests",
            )
        )
        return results
    finally:
        await backend.aclose()
        cache.close()


def cache_has_changes(cache: Cache) -> bool:
    """The 50 changes are in the cache (replies on odd tickets, priority urgent on even)."""
    for n in range(1, 51):
        if n % 2:
            if not any(m.body == f"Bob follows up on {n}" for m in cache.thread(n)):
                return False
        else:
            ticket = cache.ticket(n)
            if ticket is None or ticket["priority"] != "urgent":
                return False
    return True


if __name__ == "__main__":
    for result in run("--quick" in sys.argv):
        print(result)
