"""One process keeps the cache open (like the TUI) while `agentdesk sync` runs in another."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from agentdesk import paths, profiles
from agentdesk.profiles import Profile
from agentdesk.store import Cache
from synckit import LiveServer, build_world


def cli_sync(token: str) -> None:
    env = {**os.environ, "AGENTDESK_TOKEN": token}
    result = subprocess.run(
        [sys.executable, "-m", "agentdesk", "sync"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_cache_open_here_while_another_process_syncs(tmp_path: Path) -> None:
    world = asyncio.run(build_world(tmp_path, tickets=3))
    with LiveServer(world.app) as server:
        alice = world.people["alice"]
        profiles.upsert(Profile("default", server.url, alice.email, agent_id=alice.id))
        path = paths.cache_file("default")
        cli_sync(alice.token)
        desk = Cache.open(path)  # stays open throughout, as the TUI does
        try:
            assert desk.ticket(world.ticket_ids[0]) is not None
            for n in range(3):
                desk.add_message(world.ticket_ids[n], f"from the desk {n}")
                # A second handle in this process (a worker, a CLI call) opens and closes.
                Cache.open(path).close()
                cli_sync(alice.token)  # another process pushes, pulls, checkpoints
                assert desk.pending_count() == 0  # the desk sees the other process's work
                assert [m.body for m in desk.thread(world.ticket_ids[n])][-1] == (
                    f"from the desk {n}"
                )
        finally:
            desk.close()
        with contextlib.closing(sqlite3.connect(path)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
