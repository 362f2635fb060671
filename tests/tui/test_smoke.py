from __future__ import annotations

from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.widgets.ticket_table import TicketTable


async def test_queue_opens(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        table = app.screen.query_one(TicketTable)
        assert table.row_count > 0
        await pilot.press("j", "enter")
        await pilot.pause()
        print(app.screen)
