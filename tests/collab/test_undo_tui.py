"""`u` and `H` in the TUI: a 50-ticket bulk assign undone, on a real server (uvicorn)."""

from __future__ import annotations

from pathlib import Path

from agentdesk.server.embedded import EmbeddedServer
from agentdesk.tui.screens.history import HistoryScreen
from agentdesk.tui.screens.queue import QueueScreen
from collab.collabkit import desk_app, screen_text, until
from synckit import build_world


async def test_bulk_assign_undone_with_u_and_listed_in_history(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=50)
    ids = world.ticket_ids
    alice_id = world.people["alice"].id
    with EmbeddedServer(engine=world.engine, keepalive_seconds=1) as server:
        alice = desk_app(world, server, "alice")
        async with alice.run_test(size=(160, 40)) as pilot:
            await until(pilot, lambda: all(alice.cache.ticket(t) for t in ids))
            await until(pilot, lambda: isinstance(alice.screen, QueueScreen))
            # the bulk action path every queue action takes (marks + a dialog's choice)
            alice.call_later(
                alice._apply,
                ids,
                lambda i: alice.cache.assign_ticket(i, alice_id),
                "Assign → Alice",
                None,
            )
            await until(pilot, lambda: alice.cache.pending_count() == 0)
            assert {world.server_ticket(t)["assignee_id"] for t in ids} == {alice_id}

            await pilot.press("u")
            await until(
                pilot, lambda: all(world.server_ticket(t)["assignee_id"] is None for t in ids)
            )
            await until(pilot, lambda: alice.cache.pending_count() == 0)
            assert [alice.cache.ticket(t)["assignee_id"] for t in ids] == [None] * 50

            await pilot.press("H")
            await until(pilot, lambda: isinstance(alice.screen, HistoryScreen))
            text = screen_text(pilot)
            assert "Undo: Assign → Alice" in text and "↶ undone" in text
            # undo the undo from the history screen: assigned again
            await pilot.press("u")
            await until(
                pilot, lambda: all(world.server_ticket(t)["assignee_id"] == alice_id for t in ids)
            )
