"""`M` then `u` in the TUI: a merge made from the queue is undone, on a real server (uvicorn)."""

from __future__ import annotations

from pathlib import Path

from agentdesk.server.embedded import EmbeddedServer
from agentdesk.tui.screens.history import HistoryScreen
from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.screens.ticket import TicketScreen
from collab.collabkit import desk_app, merge_marked, open_ticket, screen_text, until
from collab.test_undo_merge import duplicates
from synckit import build_world


async def test_a_merge_undone_with_u_and_shown_in_history(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=1)
    target = world.ticket_ids[0]
    sources = await duplicates(world, 2)
    with EmbeddedServer(engine=world.engine, keepalive_seconds=1) as server:
        alice = desk_app(world, server, "alice")
        async with alice.run_test(size=(160, 40)) as pilot:
            await until(pilot, lambda: all(alice.cache.ticket(s) for s in sources))
            await merge_marked(pilot, {target, *sources}, target)
            await until(
                pilot, lambda: all(world.server_ticket(s)["merged_into_id"] for s in sources)
            )
            await until(pilot, lambda: alice.cache.ticket(sources[1])["merged_into_id"] == target)

            await pilot.press("H")
            await until(pilot, lambda: isinstance(alice.screen, HistoryScreen))
            assert f"Merge 2 tickets into #{target}" in screen_text(pilot)
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(alice.screen, QueueScreen))

            await pilot.press("u")
            await until(
                pilot,
                lambda: all(world.server_ticket(s)["merged_into_id"] is None for s in sources),
            )
            await until(pilot, lambda: alice.cache.ticket(sources[1])["merged_into_id"] is None)
            assert {world.server_ticket(s)["status"] for s in sources} == {"new"}

            open_ticket(alice, target)
            await until(pilot, lambda: isinstance(alice.screen, TicketScreen))
            await until(pilot, lambda: f"Unmerged #{sources[1]}" in screen_text(pilot))
            assert f"from #{sources[0]}" not in screen_text(pilot)  # their messages went home

            await pilot.press("H")
            await until(pilot, lambda: isinstance(alice.screen, HistoryScreen))
            text = screen_text(pilot)
            assert f"Undo: Merge 2 tickets into #{target}" in text and "↶ undone" in text
