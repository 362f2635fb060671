"""Benchmarks of the local cache (`agentdesk.store`).

- bulk apply: a first sync of N tickets with their messages and customers through
  `Cache.apply_changes` (pages of 1,000 rows, as pulled), in rows/s, next to a raw
  `sqlite3.executemany` of the same rows (same columns, same pages, WAL + synchronous=FULL,
  no indexes, no search) in the same run. Goal: at least half the raw rate.
- search, queue pages, counts and view counts on a cache of 1,000,000 tickets (generated
  straight into the cache's tables, then indexed the way a bulk first sync finishes).
  Goal for search: p95 under 50 ms.

`run(quick)` returns `Result`s; `quick` shrinks the sizes (100k -> 20k, 1M -> 100k).
Run alone: `python -m bench.bench_store [--quick]`.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from agentdesk.domain.sla import due_times, next_due
from agentdesk.store import Cache, sort_key
from agentdesk.store.codec import ENCODERS
from agentdesk.store.schema import ENTITY_TABLES, INDEXES
from bench.harness import Result, at_least, at_most, percentile

PAGE = 1000
WORDS = [
    f"{a}{b}"
    for a in ("ref", "inv", "log", "pay", "box", "cart", "ship", "acc", "bill", "zip")
    for b in ("und", "oice", "in", "ment", "ed", "ing", "er", "ost", "ate", "ix")
] + [f"w{i}" for i in range(3000)]
# A desk's history: one ticket a minute up to now; the last two weeks are still being
# worked (new, open, pending...), older tickets are mostly solved or closed.
RECENT_STATUSES = [
    "new",
    "new",
    "open",
    "open",
    "open",
    "open",
    "pending",
    "pending",
    "on-hold",
    "solved",
    "solved",
]
OLD_STATUSES = ["closed"] * 60 + ["solved"] * 37 + ["pending", "on-hold", "open"]
RECENT_MINUTES = 14 * 24 * 60
N_AGENTS = 100
PRIORITIES = ["low", "normal", "normal", "high", "urgent"]
CHANNELS = ["email", "chat", "phone", "social", "web"]
NOW = datetime.now(UTC).replace(second=0, microsecond=0)


def _ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(rng: random.Random, n: int) -> str:
    # Zipf-like: a few words are very common, most are rare.
    return " ".join(WORDS[min(int(rng.paretovariate(1.1)) - 1, len(WORDS) - 1)] for _ in range(n))


def _rows(n_tickets: int, seed: int = 7) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """Customers, agents, tickets and 2 messages per ticket, in the wire shape."""
    rng = random.Random(seed)
    n_customers = max(10, n_tickets // 5)
    t0 = NOW - timedelta(minutes=n_tickets)
    for i in range(1, N_AGENTS + 1):
        yield (
            "agent",
            i,
            {
                "id": i,
                "name": f"Agent {i}",
                "email": f"agent{i}@desk.test",
                "role": "agent",
                "group_ids": [i % 5 + 1],
                "skills": [],
                "availability": "available",
                "capacity": 20,
                "signature": "",
                "active": True,
                "version": i,
            },
        )
    for i in range(1, n_customers + 1):
        yield (
            "customer",
            i,
            {
                "id": i,
                "name": f"Customer {i} {_text(rng, 1)}",
                "email": f"c{i}@example.com",
                "phone": None,
                "organisation_id": None,
                "tier": "standard",
                "notes": "",
                "created_at": _ts(t0),
                "version": i,
            },
        )
    for i in range(1, n_tickets + 1):
        created = t0 + timedelta(minutes=i)
        recent = n_tickets - i < RECENT_MINUTES
        status = rng.choice(RECENT_STATUSES if recent else OLD_STATUSES)
        priority = rng.choice(PRIORITIES)
        due = due_times(created, priority)
        sla = next_due(status, None, due.first_reply_due, due.resolution_due)
        yield (
            "ticket",
            i,
            {
                "id": i,
                "subject": _text(rng, 6),
                "status": status,
                "priority": priority,
                "channel": rng.choice(CHANNELS),
                "customer_id": rng.randint(1, n_customers),
                "assignee_id": None if rng.random() < 0.3 else rng.randint(1, N_AGENTS),
                "group_id": rng.randint(1, 5),
                "tags": rng.sample(["refund", "vip", "bug", "ux"], 1),
                "sla_policy_id": None,
                "created_at": _ts(created),
                "updated_at": _ts(created),
                "first_reply_at": None,
                "solved_at": None,
                "first_reply_due": _ts(due.first_reply_due),
                "resolution_due": _ts(due.resolution_due),
                "sla_due_at": None if sla is None else _ts(sla),
                "merged_into_id": None,
                "version": i,
            },
        )
        for k in range(2):
            yield (
                "message",
                f"{i}-{k}",
                {
                    "id": f"{i}-{k}",
                    "ticket_id": i,
                    "public": True,
                    "author_kind": "customer" if k == 0 else "agent",
                    "author_id": 1,
                    "body": _text(rng, 25),
                    "channel": "email",
                    "created_at": _ts(created + timedelta(minutes=k)),
                    "version": i,
                },
            )


def _pages(
    rows: list[tuple[str, Any, dict[str, Any]]],
) -> list[list[tuple[str, Any, dict[str, Any]]]]:
    return [rows[i : i + PAGE] for i in range(0, len(rows), PAGE)]


def _raw_executemany(
    path: Path, pages: list[list[tuple[str, Any, dict[str, Any]]]], same_schema: bool
) -> float:
    """Seconds to insert the same rows with bare executemany, page by page (a baseline).

    `same_schema`: into a cache file as `Cache.open` makes it (indexes, search triggers),
    as a straightforward client would; else into bare tables (primary keys only)."""
    if same_schema:
        Cache.open(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")  # as Cache.apply_changes commits pages
    if not same_schema:
        for info in ENTITY_TABLES.values():
            cols = ", ".join(f"{c} PRIMARY KEY" if c == "id" else c for c in info.columns)
            conn.execute(f"CREATE TABLE {info.table} ({cols})")
    sql = {
        e: f"INSERT INTO {i.table} ({', '.join(i.columns)}) "
        f"VALUES ({', '.join('?' for _ in i.columns)})"
        for e, i in ENTITY_TABLES.items()
    }
    start = time.perf_counter()
    for page in pages:
        grouped: dict[str, list[tuple[Any, ...]]] = {}
        for entity, _, data in page:  # dicts -> bindable tuples, the fastest way we have
            grouped.setdefault(entity, []).append(ENCODERS[entity](data))
        conn.execute("BEGIN")
        for entity, values in grouped.items():
            conn.executemany(sql[entity], values)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def _cache_apply(path: Path, pages: list[list[tuple[str, Any, dict[str, Any]]]]) -> float:
    cache = Cache.open(path)
    start = time.perf_counter()
    for n, page in enumerate(pages):
        changes = [(entity, key, "upsert", data) for entity, key, data in page]
        cache.apply_changes(changes, f"c{n}", None, has_more=n < len(pages) - 1)
    elapsed = time.perf_counter() - start
    cache.close()
    return elapsed


def bench_bulk_apply(n_tickets: int, folder: Path) -> list[Result]:
    rows = list(_rows(n_tickets))
    pages = _pages(rows)
    bare = _raw_executemany(folder / "bare.sqlite3", pages, same_schema=False)
    same = _raw_executemany(folder / "same.sqlite3", pages, same_schema=True)
    ours = _cache_apply(folder / "cache.sqlite3", pages)
    bare_rate, same_rate, our_rate = len(rows) / bare, len(rows) / same, len(rows) / ours
    label = f"{n_tickets:,} tickets + {2 * n_tickets:,} messages + customers ({len(rows):,} rows)"
    return [
        Result(
            f"store: first-sync apply, {label}",
            round(our_rate),
            "rows/s",
            round(same_rate),
            ">= 0.5 x raw executemany",
            at_least(our_rate / same_rate, 0.5),
            baseline_name="raw executemany of the same rows into the same cache schema",
            notes=(
                f"pages of {PAGE} rows, one transaction each; the cache rebuilds its "
                f"{len(INDEXES)} indexes and 3 full-text indexes once at the end"
            ),
        ),
        Result(
            f"store: first-sync apply vs bare tables, {label}",
            round(our_rate),
            "rows/s",
            round(bare_rate),
            "",
            None,
            baseline_name="executemany into bare tables (primary keys only: no index, no search)",
            notes="the price of an indexed, searchable cache; for information",
        ),
    ]


def build_large_cache(path: Path, n_tickets: int) -> Cache:
    """A cache of `n_tickets` written straight into its tables, then indexed as after a sync."""
    cache = Cache.open(path)
    with cache.write(durable=False) as conn:
        cache._begin_bulk(conn)
    batch: dict[str, list[tuple[Any, ...]]] = {}

    def flush() -> None:  # one transaction per batch keeps the WAL small
        with cache.write(durable=False) as conn:
            for entity, values in batch.items():
                info = ENTITY_TABLES[entity]
                marks = ", ".join("?" for _ in info.columns)
                conn.executemany(
                    f"INSERT INTO {info.table} ({', '.join(info.columns)}) VALUES ({marks})",
                    values,
                )
        batch.clear()

    for count, (entity, _, data) in enumerate(_rows(n_tickets, seed=11)):
        batch.setdefault(entity, []).append(ENCODERS[entity](data))
        if count % 100_000 == 0:
            flush()
    flush()
    with cache.write(durable=False) as conn:
        cache._finish_bulk(conn)
    cache.set_agent_id(1)
    return cache


def _timed(fn: Callable[[], Any], repeat: int = 1) -> list[float]:
    """Milliseconds per call."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _search_queries(n_tickets: int) -> list[str]:
    rng = random.Random(3)
    n_customers = n_tickets // 5

    def word(lo: int, hi: int) -> str:
        return WORDS[rng.randint(lo, hi)]

    return (
        [word(0, 20) for _ in range(20)]  # common words (thousands of matches)
        + [word(100, len(WORDS) - 1) for _ in range(20)]  # rare words
        + [f"{word(0, 50)} {word(0, 300)}" for _ in range(20)]  # two words
        + [f'"{word(0, 10)} {word(0, 10)}"' for _ in range(10)]  # phrases
        + [f"status:open prio:urgent {word(0, 100)}" for _ in range(10)]
        + [f"tag:refund assignee:me {word(0, 30)}" for _ in range(10)]
        + [f"customer:c{rng.randint(1, n_customers)}@example.com" for _ in range(5)]
        + [f"c{rng.randint(1, n_customers)}@example.com" for _ in range(5)]
    )


def bench_large(n_tickets: int, folder: Path) -> list[Result]:
    cache = build_large_cache(folder / "large.sqlite3", n_tickets)
    label = f"{n_tickets:,} tickets"
    try:
        queries = _search_queries(n_tickets)
        cache.search(queries[0])  # warm the page cache once
        search = [t for q in queries for t in _timed(lambda q=q: cache.search(q))]
        search_p95 = percentile(search, 95)

        pages: list[float] = []
        for view in cache.views():
            for sort in ("sla", "priority", "status", "subject", "customer", "assignee"):
                first = cache.page(view.query, sort, None, 50)
                pages += _timed(lambda v=view, s=sort: cache.page(v.query, s, None, 50))
                if first:
                    key = sort_key(first[-1], sort)
                    pages += _timed(lambda v=view, s=sort, k=key: cache.page(v.query, s, k, 50))
                pages += _timed(lambda v=view, s=sort: cache.page_before(v.query, s, None, 50))
        counts = [t for v in cache.views() for t in _timed(lambda v=v: cache.count(v.query))]
        cold = []
        for _ in range(5):
            cache._view_counts_cache = None  # as after a change: nothing remembered
            cache.__dict__.pop("_count_cache", None)
            cold += _timed(cache.view_counts)
        warm = _timed(cache.view_counts, 50)
        raw_page = _timed(
            lambda: cache.conn.execute(
                "SELECT * FROM tickets ORDER BY sla_key, id LIMIT 50"
            ).fetchall(),
            20,
        )
        return [
            Result(
                f"store: search p95, {label} ({len(queries)} mixed queries)",
                round(search_p95, 1),
                "ms",
                None,
                "< 50 ms",
                at_most(search_p95, 50),
                higher_is_better=False,
                notes=f"median {statistics.median(search):.1f} ms, max {max(search):.1f} ms",
            ),
            Result(
                f"store: queue page p95 (50 rows; every view, sort, first/next/last), {label}",
                round(percentile(pages, 95), 2),
                "ms",
                round(percentile(raw_page, 95), 2),
                "< 16 ms (one frame)",
                at_most(percentile(pages, 95), 16),
                baseline_name="bare SELECT of 50 rows in index order",
                higher_is_better=False,
            ),
            Result(
                f"store: count of a view p95, {label}",
                round(percentile(counts, 95), 1),
                "ms",
                None,
                "",
                None,
                higher_is_better=False,
            ),
            Result(
                f"store: view_counts() after a change, {label}",
                round(max(cold), 1),
                "ms",
                None,
                "< 100 ms",
                at_most(max(cold), 100),
                higher_is_better=False,
                notes=f"{len(cache.views())} views; unchanged data: {max(warm):.3f} ms (cached)",
            ),
        ]
    finally:
        cache.close()


def run(quick: bool = False) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="bench-store-", dir=Path.cwd()) as tmp:
        folder = Path(tmp)
        results = bench_bulk_apply(20_000 if quick else 100_000, folder)
        results += bench_large(100_000 if quick else 1_000_000, folder)
    return results


if __name__ == "__main__":
    for result in run(quick="--quick" in sys.argv):
        print(result)
