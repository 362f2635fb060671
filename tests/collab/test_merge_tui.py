"""`M` in the TUI: marked queue tickets merged into one, on a real server (uvicorn)."""

from __future__ import annotations

from pathlib import Path

from agentdesk.server.embedded import EmbeddedServer
from agentdesk.tui.screens.dialogs import ConfirmDialog, PromptDialog
from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.screens.ticket import TicketScreen
from agentdesk.tui.widgets.thread import MessageView
from collab.collabkit import desk_app, merge_marked, open_ticket, screen_text, until
from collab.test_merge import same_customer_tickets
from synckit import build_world


async def test_merge_marked_tickets_from_the_queue(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=2)
    target, other_customer = world.ticket_ids
    sources = await same_customer_tickets(world, 2)
    with EmbeddedServer(engine=world.engine, keepalive_seconds=1) as server:
        alice = desk_app(world, server, "alice")
        async with alice.run_test(size=(160, 40)) as pilot:
            await until(pilot, lambda: all(alice.cache.ticket(s) for s in sources))
            await merge_marked(pilot, {target, *sources}, target)
            queue = alice.screen
            assert isinstance(queue, QueueScreen)
            await until(pilot, lambda: alice.cache.ticket(sources[0])["merged_into_id"] == target)
            await until(pilot, lambda: alice.cache.pending_count() == 0)
            assert all(alice.cache.ticket(s)["merged_into_id"] == target for s in sources)
            assert queue.table.marks == set()

            # the target's thread shows the sources' messages with their origin
            open_ticket(alice, target)
            await until(pilot, lambda: isinstance(alice.screen, TicketScreen))
            screen = alice.screen
            titles = [str(view.border_title) for view in screen.query(MessageView)]
            for source in sources:
                assert sum(f"from #{source}" in title for title in titles) == 2  # message + note
            assert len(titles) == len({m.id for m in alice.cache.thread(target)})

            # M on the ticket screen; another customer asks before forcing (refused: not a lead)
            await pilot.press("M")
            await until(pilot, lambda: isinstance(alice.screen, PromptDialog))
            await pilot.press(*str(other_customer), "enter")
            await until(pilot, lambda: isinstance(alice.screen, ConfirmDialog))
            assert "belongs to another" in " ".join(screen_text(pilot).split())
            await pilot.press("y")
            await until(pilot, lambda: alice.cache.rejected_count() == 1)
            assert alice.cache.ticket(target)["merged_into_id"] is None
