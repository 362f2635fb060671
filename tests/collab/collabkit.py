"""Helpers for the side-by-side tests: TUI clients (Pilot) on one real server."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from textual.pilot import Pilot

from agentdesk.config import load_config
from agentdesk.server.embedded import EmbeddedServer
from agentdesk.store import Cache
from agentdesk.sync.engine import SyncEngine
from agentdesk.sync.reference import ReferenceBackend
from agentdesk.tui.app import AgentDeskApp
from synckit import World


async def until(pilot: Pilot[object], check: Callable[[], object], timeout: float = 20.0) -> None:
    """Let the app run until `check()` holds (AssertionError after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause()
        if check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await pilot.pause(0.02)


def screen_text(pilot: Pilot[object]) -> str:
    strips = pilot.app.screen._compositor.render_strips()  # type: ignore[attr-defined]
    return "\n".join(strip.text for strip in strips)


def desk_app(world: World, server: EmbeddedServer, who: str) -> AgentDeskApp:
    """`who`'s app with its own cache, syncing with `server` (realtime only, no polling)."""
    cache = Cache.open(world.tmp / f"{who}-tui.sqlite3")
    cache.set_agent_id(world.people[who].id)
    backend = ReferenceBackend(
        server.url, world.people[who].token, cache.client_id, timeout=httpx.Timeout(10)
    )
    engine = SyncEngine(cache, backend, poll_interval=3600)
    return AgentDeskApp(cache, engine, config=load_config())


def open_ticket(app: AgentDeskApp, ticket_id: int) -> None:
    """Open a ticket from inside `app`'s own loop task (with two apps in one process, a call
    from the test would make the new screen's `self.app` the last app started)."""
    app.call_later(app.open_ticket, ticket_id, None, None)


async def merge_marked(pilot: Pilot[object], marked: set[int], target: int) -> None:
    """On the queue ("5": all open), mark `marked`, press `M` and name `target`."""
    from agentdesk.tui.screens.dialogs import PromptDialog
    from agentdesk.tui.screens.queue import QueueScreen

    app = pilot.app
    await pilot.press("5")
    queue = app.screen
    assert isinstance(queue, QueueScreen)
    queue.table.marks = set(marked)
    await pilot.press("M")
    await until(pilot, lambda: isinstance(app.screen, PromptDialog))
    await pilot.press(*str(target), "enter")
