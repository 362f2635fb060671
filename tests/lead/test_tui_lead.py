"""Pilot flows of the team-lead workspace: the board, reassignment, distribution, KPIs."""

from __future__ import annotations

from lead_desk import ADA, BO, CY, LEAD

from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.screens.workload import AgentQueueScreen, WorkloadScreen
from agentdesk.tui.widgets.ticket_table import TicketTable

SIZE = (160, 48)


async def test_board_shows_load_and_opens_an_agents_queue(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("W")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WorkloadScreen)
        board = screen.board
        assert board is not None
        assert [a.agent_id for a in board.agents] == [ADA, BO, CY, LEAD]
        table = screen.agents_table
        assert table.row_count == 4
        ada_row = [str(cell) for cell in table.get_row_at(0)]
        assert ada_row[0] == "Ada Agent"
        assert ada_row[1] == "● available"
        assert ada_row[2:5] == ["2", "0", "⚠ 2"]
        assert ada_row[5] == "14d 3h"
        assert ada_row[6].endswith("2/3")
        groups = screen.query_one("#workload-groups")
        assert [str(c) for c in groups.get_row_at(0)][:6] == ["Billing", "3", "3", "1", "⚠ 2", "1"]
        await pilot.press("enter")
        await pilot.pause()
        queue = app.screen
        assert isinstance(queue, AgentQueueScreen)
        assert queue.query_one(TicketTable).row_count == 2  # tickets 2 and 7
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WorkloadScreen)
        await pilot.press("j", "escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
