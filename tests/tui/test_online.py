"""The app with a real sync engine against the real reference server (in-process ASGI)."""

from __future__ import annotations

from pathlib import Path

from tui_desk import NOW
from tui_helpers import screen_text, until

from agentdesk.config import load_config
from agentdesk.tui.app import AgentDeskApp
from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.screens.ticket import TicketScreen
from agentdesk.tui.widgets.ticket_table import TicketTable
from synckit import SERVER_URL, build_world


async def test_reply_goes_pending_then_synced_and_server_changes_show_up(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=4)
    client = world.client("alice")
    try:
        await client.sync()
        app = AgentDeskApp(client.cache, client.engine, config=load_config(), now=lambda: NOW)
        async with app.run_test(size=(150, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, QueueScreen))
            await until(pilot, lambda: "● online" in screen_text(pilot))
            await pilot.press("2")  # Unassigned in my groups
            table = app.screen.query_one(TicketTable)
            await until(pilot, lambda: table.row_count == 4)
            ticket_id = table.source.row(0).id
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, TicketScreen))
            await pilot.press("r", *"We are on it", "ctrl+s")
            # Queued locally first (pending), then pushed by the engine and confirmed by a pull.
            await until(
                pilot,
                lambda: any(m["body"] == "We are on it" for m in world.server_messages(ticket_id)),
            )
            await until(
                pilot,
                lambda: [m.local_state for m in client.cache.thread(ticket_id)][-1] is None,
            )
            await until(pilot, lambda: "outbox 0" in screen_text(pilot))
            assert "pending sync" not in screen_text(pilot)
            # A change made on the server by someone else arrives without a key press.
            import httpx

            async with httpx.AsyncClient(transport=world.transport(), base_url=SERVER_URL) as http:
                response = await http.post(
                    "/v1/mutations",
                    headers={"Authorization": f"Bearer {world.people['lee'].token}"},
                    json={
                        "client_id": "0192f000-0000-7000-8000-00000000beef",
                        "mutations": [
                            {
                                "id": 1,
                                "name": "ticket.update",
                                "args": {
                                    "ticket_id": ticket_id,
                                    "fields": {
                                        "subject": {
                                            "from": client.cache.ticket(ticket_id)["subject"],
                                            "to": "Renamed by the lead",
                                        }
                                    },
                                },
                            }
                        ],
                    },
                )
                assert response.status_code == 200, response.text
            app.action_sync_now()
            await until(pilot, lambda: "Renamed by the lead" in screen_text(pilot))
    finally:
        await client.close()
