"""Hostile customer text costs no visible frame: the corpus of `tests/reliability/corpus.py`
(markup, ANSI/OSC, bidi, zero-width, a 20,000-character line, a 10 MB body) in the queue and
the thread, timed against the same screens holding plain text of the same sizes.

- Opening a ticket whose thread holds a 10 MB hostile body: time from the open to the painted
  frame (headless Pilot), median of several opens; baseline: a 10 MB plain body.
- `j` through a queue whose subjects are the corpus: key-to-frame p95; baseline: plain
  subjects. Goal for both: hostile text adds under 100 ms to a frame (the frame time of
  large plain content is the business of bench_tui).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

from tests.reliability.corpus import BIG_BODY, HOSTILE
from tests.tui.tui_desk import NOW, desk_changes

from agentdesk.config import load_config
from agentdesk.store import Cache
from agentdesk.tui.app import AgentDeskApp
from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.screens.ticket import TicketScreen
from bench.harness import Result, at_most, percentile

SIZE = (160, 48)
TICKETS = 200
FRAME_GOAL_MS = 100.0


def build(path: Path, hostile: bool) -> Cache:
    rows = desk_changes(tickets=TICKETS)
    subjects = list(HOSTILE.values())
    for entity, row_id, _op, data in rows:
        if entity == "ticket":
            plain = f"Plain subject number {row_id} " + "x" * (
                len(subjects[row_id % len(subjects)])
            )
            data["subject"] = subjects[row_id % len(subjects)] if hostile else plain[:20_000]
            data["status"] = "open"
    body = BIG_BODY if hostile else "plain customer text " * (len(BIG_BODY) // 20)
    rows.append(("message", "m-big", "upsert", {
        "id": "m-big", "ticket_id": 1, "public": True, "author_kind": "customer",
        "author_id": 4, "body": body, "channel": "email",
        "created_at": NOW.isoformat(), "version": 2,
    }))  # fmt: skip
    cache = Cache.open(path)
    cache.set_agent_id(1)
    cache.apply_changes(rows, "cursor-1")
    return cache


async def measure(cache: Cache) -> dict[str, list[float]]:
    app = AgentDeskApp(cache, None, config=load_config(), now=lambda: NOW)
    opens: list[float] = []
    moves: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("5")
        await pilot.pause()
        for _ in range(5):
            began = time.perf_counter()
            app.open_ticket(1, None, None)
            await until(pilot, lambda: isinstance(app.screen, TicketScreen))
            await pilot.pause()
            opens.append((time.perf_counter() - began) * 1000)
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        for _ in range(60):
            began = time.perf_counter()
            await pilot.press("j")
            await pilot.pause()
            moves.append((time.perf_counter() - began) * 1000)
    return {"open": opens, "move": moves}


async def until(pilot: Any, check: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"condition not met within {timeout}s")
        await pilot.pause()


def run(quick: bool) -> list[Result]:
    figures: dict[str, dict[str, list[float]]] = {}
    for kind in ("plain", "hostile"):
        cache = build(Path.cwd() / f"{kind}.sqlite3", hostile=kind == "hostile")
        try:
            figures[kind] = asyncio.run(measure(cache))
        finally:
            cache.close()
    hostile, plain = figures["hostile"], figures["plain"]
    # "Because of it": what hostile text adds over plain text of the same size.
    extra_open = statistics.median(hostile["open"]) - statistics.median(plain["open"])
    extra_move = percentile(hostile["move"], 95) - percentile(plain["move"], 95)
    goal = f"< {FRAME_GOAL_MS:.0f} ms"
    return [
        Result(
            "open a ticket with a 10 MB hostile body: median",
            statistics.median(hostile["open"]),
            "ms",
            baseline=statistics.median(plain["open"]),
            baseline_name="10 MB plain body",
            higher_is_better=False,
            notes=f"{len(hostile['open'])} opens; worst {max(hostile['open']):.0f} ms "
            f"(plain {max(plain['open']):.0f} ms); the body is shown cut with a note",
        ),
        Result(
            "time hostile text adds to opening that ticket",
            extra_open,
            "ms",
            goal=goal,
            passed=at_most(extra_open, FRAME_GOAL_MS),
            higher_is_better=False,
        ),
        Result(
            "`j` through hostile subjects: p95",
            percentile(hostile["move"], 95),
            "ms",
            baseline=percentile(plain["move"], 95),
            baseline_name="plain subjects",
            higher_is_better=False,
            notes=f"{len(hostile['move'])} presses over {TICKETS} tickets; worst "
            f"{max(hostile['move']):.0f} ms (plain {max(plain['move']):.0f} ms)",
        ),
        Result(
            "time hostile subjects add to a `j` frame (p95)",
            extra_move,
            "ms",
            goal=goal,
            passed=at_most(extra_move, FRAME_GOAL_MS),
            higher_is_better=False,
        ),
    ]


if __name__ == "__main__":
    for result in run(quick=True):
        print(result)
