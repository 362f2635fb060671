"""SIGKILL the client at >= 50 labelled points during push and pull, restart, check convergence.

The client is the real CLI (`agentdesk sync`): a fresh `python -m agentdesk` for the first
and last run, forked children in between. The server is the real app under uvicorn on
127.0.0.1. `AGENTDESK_CRASH_AT=<label>:<n>` makes the client kill itself the n-th time it
passes a labelled point (engine steps, store commits). After every kill the cache must pass
`PRAGMA integrity_check`; at the end every mutation reached the server exactly once and the
cache equals the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from agentdesk import crashpoints, paths, profiles
from agentdesk.cli import main
from agentdesk.crashpoints import CRASH_ENV
from agentdesk.profiles import Profile
from agentdesk.store import Cache
from synckit import LiveServer, World, build_world, file_ticket

pytestmark = pytest.mark.slow

ENGINE_LABELS = [
    "push.before_send",
    "push.after_send",
    "push.after_record",
    "pull.before_fetch",
    "pull.after_fetch",
    "pull.after_apply",
]
STORE_LABELS = ["store.before_commit", "store.after_commit"]
POINTS = [(label, n) for label in ENGINE_LABELS for n in range(1, 5)] + [
    (label, n) for label in STORE_LABELS for n in range(1, 15)
]  # 52 points


def client_env(world: World, home: Path) -> dict[str, str]:
    return {
        "AGENTDESK_HOME": str(home),
        "AGENTDESK_TOKEN": world.people["alice"].token,
        "AGENTDESK_SYNC_PAGE_SIZE": "1",
        "AGENTDESK_SYNC_PUSH_BATCH": "1",
    }


def run_cli_process(world: World, home: Path) -> subprocess.CompletedProcess[str]:
    """The real entry point, `python -m agentdesk sync`, in a fresh interpreter."""
    env = {**os.environ, **client_env(world, home)}
    env.pop(CRASH_ENV, None)
    return subprocess.run(
        [sys.executable, "-m", "agentdesk", "sync"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def run_forked_sync(world: World, home: Path, crash: str, log: Path) -> int:
    """`agentdesk sync` (the CLI's `main`) in a forked child armed to SIGKILL itself.

    Forking skips the interpreter start and imports (~0.5 s each), so 50+ kills stay fast
    on a loaded machine; the child is still a separate process that dies without cleanup.
    Returns the child's exit code, or -SIGKILL.
    """
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 70
        try:
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.environ.update(client_env(world, home))
            crashpoints.arm(crash)
            code = main(["sync"])
        finally:
            os._exit(code)
    deadline = time.monotonic() + 60
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise AssertionError(f"sync with {crash} did not finish in 60 s")
        time.sleep(0.005)
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def integrity(path: Path) -> str:
    # closing(): `with sqlite3.connect()` alone leaves the connection open.
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def queue_round(path: Path, ticket_ids: list[int], round_no: int) -> tuple[list[str], int]:
    """Five local writes to two tickets; returns (new message ids, mutations queued)."""
    cache = Cache.open(path)
    try:
        a, b = ticket_ids[round_no % len(ticket_ids)], ticket_ids[(round_no + 1) % len(ticket_ids)]
        queued = 0
        priorities = ["low", "normal", "high", "urgent"]
        current = cache.ticket(a)["priority"]
        wanted = priorities[(priorities.index(current) + 1) % 4]
        queued += cache.update_ticket(a, priority=wanted) is not None
        tag = f"r{round_no}"
        queued += cache.tag_ticket(b, add=[tag]) is not None
        messages = [cache.add_message(a, f"reply {round_no}"), cache.add_message(b, "note", False)]
        queued += 2
        queued += cache.tag_ticket(a, add=[tag], remove=[f"r{round_no - 1}"]) is not None
        return messages, queued
    finally:
        cache.close()


def cache_state(path: Path) -> dict[int, tuple[object, ...]]:
    cache = Cache.open(path)
    try:
        out = {}
        for row in cache.conn.execute("SELECT id FROM tickets ORDER BY id").fetchall():
            t = cache.ticket(row[0])
            messages = sorted(m.id for m in cache.thread(row[0]))
            tags = sorted(t["tags"])
            out[row[0]] = (t["status"], t["priority"], t["assignee_id"], tags, messages)
        return out
    finally:
        cache.close()


def server_state(world: World) -> dict[int, tuple[object, ...]]:
    from sqlalchemy import select

    from agentdesk.domain.models import Ticket

    table = Ticket.__table__  # type: ignore[attr-defined]
    with world.engine.connect() as conn:
        ids = list(conn.execute(select(table.c.id).order_by(table.c.id)).scalars())
    out = {}
    for ticket_id in ids:
        t = world.server_ticket(ticket_id)
        messages = sorted(m["id"] for m in world.server_messages(ticket_id))
        out[ticket_id] = (
            str(t["status"]),
            str(t["priority"]),
            t["assignee_id"],
            sorted(t["tags"]),
            messages,
        )
    return out


def test_sigkill_at_50_points_converges_exactly_once(tmp_path: Path) -> None:
    world = asyncio.run(build_world(tmp_path, tickets=3))
    home = Path(os.environ["AGENTDESK_HOME"])
    with LiveServer(world.app) as server:
        alice = world.people["alice"]
        profiles.upsert(Profile("default", server.url, alice.email, agent_id=alice.id))
        cache_path = paths.cache_file("default")
        first = run_cli_process(world, home)
        assert first.returncode == 0, first.stderr
        log = home / "children.log"

        queued_total = 0
        message_ids: list[str] = []
        killed = 0

        async def new_ticket(n: int) -> None:
            async with httpx.AsyncClient(base_url=server.url) as http:
                world.ticket_ids.append(await file_ticket(http, world.people["ada"].token, n))

        for round_no, (label, n) in enumerate(POINTS, start=1):
            if round_no % 5 == 0:
                asyncio.run(new_ticket(100 + round_no))  # something new to pull
            messages, queued = queue_round(cache_path, world.ticket_ids[:3], round_no)
            message_ids += messages
            queued_total += queued
            code = run_forked_sync(world, home, f"{label}:{n}", log)
            assert code in (0, -signal.SIGKILL), log.read_text()[-2000:]
            killed += code == -signal.SIGKILL
            assert integrity(cache_path) == "ok"

        final = run_cli_process(world, home)  # the real entry point recovers
        assert final.returncode == 0, final.stderr

    assert killed >= 50, f"only {killed} of {len(POINTS)} crash points were reached"
    cache = Cache.open(cache_path)
    client_id = cache.client_id
    assert cache.outbox_rows() == [] and cache.conflicts() == []
    cache.close()
    # Exactly once: one record per mutation id, no gaps, every reply present once.
    assert world.mutation_records(client_id) == list(range(1, queued_total + 1))
    on_server = [m for ticket_id in world.ticket_ids for m in world.server_messages(ticket_id)]
    server_ids = [m["id"] for m in on_server]
    for message_id in message_ids:
        assert server_ids.count(message_id) == 1
    assert cache_state(cache_path) == server_state(world)
    assert integrity(cache_path) == "ok"
