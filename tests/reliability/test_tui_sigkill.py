"""Crash safety of the real app: `agentdesk` in a real terminal (tmux) against the reference
server on 127.0.0.1, killed with SIGKILL while composing, while a bulk action is half pushed
(the server committed, the reply never arrived), and while the first sync is running. After a
restart the draft is back, every mutation is applied exactly once, and the cache passes
`PRAGMA integrity_check` read by this (separate) process."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from agentdesk import paths
from agentdesk.store import Cache
from agentdesk.store.macros import create_canned
from synckit import Fault, LiveServer, World

from .conftest import Result

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

AGENTDESK = Path(sys.executable).with_name("agentdesk")
TMUX_NEW = ["tmux"]


class Terminal:
    """`agentdesk` in a private tmux server; `pid` is the app itself (exec'd by the shell)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.socket = f"agentdesk-kill-{uuid.uuid4().hex[:8]}"
        self.env = env
        self.starts = 0

    @property
    def session(self) -> str:
        return f"app{self.starts}"  # a new name per start: no race with the killed one

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False
        )
        return result.stdout

    def start(self) -> None:
        self.starts += 1
        subprocess.run(
            [
                *TMUX_NEW,
                "-L",
                self.socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                self.session,
                "-x",
                "160",
                "-y",
                "48",
                f"exec {AGENTDESK}",
            ],
            check=True,
            env=self.env,
        )
        # The pane closes with the app; keep it so a crash leaves its screen to read.
        self.tmux("set-option", "-t", self.session, "remain-on-exit", "on")

    @property
    def pid(self) -> int:
        return int(self.tmux("display-message", "-p", "-t", self.session, "#{pane_pid}").strip())

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.session, *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.session, "-l", text)

    def wait_for(self, check: Callable[[], object], what: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} never happened; the screen was:\n{self.screen()}")
            time.sleep(0.1)  # polling another process with a deadline

    def all_open(self, tickets: int) -> None:
        """Wait for the queue, then show every open ticket (view 5)."""
        self.wait_for(lambda: "My open ·" in self.screen(), "the queue")
        self.keys("5")
        self.wait_for(lambda: f"All open · {tickets} tickets" in self.screen(), "all open tickets")

    def sigkill(self) -> None:
        pid = self.pid
        os.kill(pid, signal.SIGKILL)
        self.wait_for(
            lambda: (
                self.tmux("display-message", "-p", "-t", self.session, "#{pane_dead}").strip()
                == "1"
            ),
            "the app's death",
        )
        self.tmux("kill-session", "-t", self.session)

    def stop(self) -> None:
        self.tmux("kill-server")


@contextmanager
def terminal(world: World, server: LiveServer) -> Iterator[Terminal]:
    assert shutil.which("tmux"), "tmux is needed (apt-get install tmux)"
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX")}
    env["AGENTDESK_TOKEN"] = world.people["alice"].token
    term = Terminal(env)
    try:
        yield term
    finally:
        term.stop()


def login_live(cli: Callable[..., Result], server: LiveServer) -> Path:
    result = cli(
        "login", "--server", server.url, "--email", "alice@example.com", "--password-stdin",
        stdin="secret-pw\n",
    )  # fmt: skip
    assert result.code == 0, result.err
    return paths.cache_file("default")


def query(cache_path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    """Read the cache from this process (the app is another one)."""
    conn = sqlite3.connect(f"file:{cache_path}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def assert_integrity(cache_path: Path) -> None:
    assert query(cache_path, "PRAGMA integrity_check") == [("ok",)]


def test_killed_while_composing_the_draft_is_back(cli, world: World) -> None:
    with LiveServer(world.app) as server, terminal(world, server) as term:
        cache_path = login_live(cli, server)
        term.start()
        term.all_open(len(world.ticket_ids))
        term.keys("Enter")
        term.wait_for(lambda: "Reply" in term.screen(), "the ticket")
        term.keys("r")
        # Type only once the composer is there: earlier keys would act on the ticket screen.
        term.wait_for(lambda: "ctrl+s send" in term.screen().lower(), "the composer")
        term.type("a draft that survives SIGKILL")
        term.wait_for(
            lambda: (
                query(cache_path, "SELECT body FROM drafts") == [("a draft that survives SIGKILL",)]
            ),
            "the draft saved",
        )
        term.sigkill()
        assert_integrity(cache_path)
        term.start()
        term.all_open(len(world.ticket_ids))
        term.keys("Enter")
        term.wait_for(lambda: "Reply" in term.screen(), "the ticket after restart")
        term.keys("r")
        term.wait_for(lambda: "a draft that survives SIGKILL" in term.screen(), "the draft")
        term.sigkill()
        assert_integrity(cache_path)


def test_killed_while_a_bulk_reply_is_half_pushed_applies_once(cli, world: World) -> None:
    with LiveServer(world.app) as server, terminal(world, server) as term:
        cache_path = login_live(cli, server)
        assert cli("sync").code == 0
        cache = Cache.open(cache_path)
        create_canned(cache, title="Thanks bulk", body="Thanks for ticket {{ ticket.id }}")
        cache.close()
        assert cli("sync").code == 0
        assert query(cache_path, "SELECT title FROM canned_responses") == [("Thanks bulk",)]
        # The first push commits on the server and its answer is lost; the retry hangs.
        world.app.inject(
            Fault("/v1/mutations", "drop_after", method="POST"),
            Fault("/v1/mutations", "hang", method="POST", seconds=20),
        )
        term.start()
        term.all_open(len(world.ticket_ids))
        marked = len(world.ticket_ids)
        term.keys(*["space"] * marked)
        term.keys("m")
        term.type("bulk")
        term.wait_for(lambda: "Thanks for ticket" in term.screen(), "the preview")
        term.keys("Enter")
        term.wait_for(lambda: f"to {marked} tickets?" in term.screen(), "the confirmation")
        term.keys("y")
        posts = lambda: world.app.requests.count(("POST", "/v1/mutations"))  # noqa: E731
        term.wait_for(lambda: posts() >= 2, "the retried push")
        term.sigkill()
        assert_integrity(cache_path)
        assert query(cache_path, "SELECT count(*) FROM outbox")[0][0] > 0, "the outbox is kept"
        term.start()
        term.wait_for(
            lambda: query(cache_path, "SELECT count(*) FROM outbox") == [(0,)], "the push"
        )
        term.sigkill()
    for ticket_id in world.ticket_ids:
        replies = [m["body"] for m in world.server_messages(ticket_id)]
        assert replies.count(f"Thanks for ticket {ticket_id}") == 1, (ticket_id, replies)
    assert_integrity(cache_path)


def test_killed_during_first_sync_restarts_cleanly(cli, world: World) -> None:
    with LiveServer(world.app) as server, terminal(world, server) as term:
        cache_path = login_live(cli, server)
        # Slow the first pull down: its first page hangs, so the kill lands mid-sync.
        world.app.inject(Fault("/v1/changes", "hang", method="GET", seconds=20))
        term.start()
        term.wait_for(lambda: ("GET", "/v1/changes") in world.app.requests, "the first pull")
        term.sigkill()
        assert_integrity(cache_path)
        term.start()
        total = len(world.ticket_ids)
        term.wait_for(
            lambda: query(cache_path, "SELECT count(*) FROM tickets") == [(total,)], "the sync"
        )
        term.sigkill()
        assert_integrity(cache_path)
