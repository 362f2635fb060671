"""Pilot flows of the team-lead workspace: the board, reassignment, distribution, KPIs."""

from __future__ import annotations

import pytest
from lead_desk import ADA, BILLING, BO, CY, LEAD, TECH
from lead_helpers import record_notices, screen_text, until

from agentdesk.domain.routing import Assignment, Plan, plan_distribution
from agentdesk.store import Cache, StoreError
from agentdesk.store.reports import unassigned_tickets, workload
from agentdesk.tui.lead import apply_plan
from agentdesk.tui.screens.distribution import DistributionScreen
from agentdesk.tui.screens.kpi import KpiScreen, figures_store
from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.screens.workload import AgentQueueScreen, WorkloadScreen
from agentdesk.tui.widgets.agent_picker import UNASSIGNED, AgentPicker, lead_entries
from agentdesk.tui.widgets.ticket_table import TicketTable

SIZE = (160, 48)


async def test_board_shows_load_and_opens_an_agents_queue(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("W")
        await until(pilot, lambda: isinstance(app.screen, WorkloadScreen))
        screen = app.screen
        await until(pilot, lambda: screen.board is not None)
        board = screen.board
        assert [a.agent_id for a in board.agents] == [ADA, BO, CY, LEAD]
        table = screen.agents_table
        assert table.row_count == 4
        ada_row = [str(cell) for cell in table.get_row_at(0)]
        assert ada_row[:5] == ["Ada Agent", "● available", "2", "0", "⚠ 2"]
        assert ada_row[5] == "14d 3h"
        assert ada_row[6] == "▕█████░░░▏  2/3"
        bo_row = [str(cell) for cell in table.get_row_at(1)]
        assert bo_row[1:5] == ["◐ away", "0", "1", "0"]
        groups = screen.query_one("#workload-groups")
        assert [str(c) for c in groups.get_row_at(0)] == [
            "Billing", "3", "3", "1", "⚠ 2", "1", "3/18"
        ]  # fmt: skip
        text = screen_text(pilot)
        assert "Workload — Billing, Tech · 4 agents · 6 open · 3 due within 1 h" in text
        assert "Dee Outsider" not in text  # not in Lena's groups
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AgentQueueScreen))
        queue = app.screen
        await until(pilot, lambda: queue.query_one(TicketTable).row_count == 2)  # 2 and 7
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, WorkloadScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("W")  # the board is kept: reopening shows fresh figures
        await until(pilot, lambda: isinstance(app.screen, WorkloadScreen))


async def test_reassign_marked_tickets_with_the_picker(make_app, desk: Cache) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("W")
        await until(pilot, lambda: isinstance(app.screen, WorkloadScreen))
        await pilot.press("enter")  # Ada's tickets
        await until(pilot, lambda: isinstance(app.screen, AgentQueueScreen))
        table = app.screen.query_one(TicketTable)
        await until(pilot, lambda: table.row_count == 2)
        await pilot.press("space", "space")
        assert table.marks == {2, 7}
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AgentPicker))
        picker = app.screen
        labels = [label for label, _ in picker.choices]
        # Billing's agents: available first, least loaded first; Cy (Tech) is not offered
        assert [value for _, value in picker.choices] == [LEAD, ADA, BO, UNASSIGNED]
        assert "2/3 open" in labels[1] and "● available" in labels[1] and "2 due < 1 h" in labels[1]
        assert "◐ away" in labels[2] and "skills: api" in labels[2]
        text = screen_text(pilot)
        assert "Assign 2 marked tickets to" in text
        await pilot.press("b", "o", "enter")
        await until(pilot, lambda: isinstance(app.screen, AgentQueueScreen))
        assert desk.ticket(2)["assignee_id"] == BO
        assert desk.ticket(7)["assignee_id"] == BO
        assert [(r.name, r.args["to"]) for r in desk.outbox_rows()] == [
            ("ticket.assign", BO),
            ("ticket.assign", BO),
        ]
        await until(pilot, lambda: table.marks == set())


def test_picker_puts_matching_skills_first(desk: Cache) -> None:
    board = workload(desk)
    entries = lead_entries(board, [["refund"]], [1], LEAD)
    assert [e.value for e in entries] == [ADA, LEAD, BO, UNASSIGNED]
    assert entries[0].matched == ("refunds",)
    assert "refunds ✓" in entries[0].label
    assert "(me)" in entries[1].label
    tech = lead_entries(board, [["api"]], [2], LEAD)
    assert [e.value for e in tech] == [CY, BO, LEAD, UNASSIGNED]  # Bo knows api but is away


async def test_distribution_proposes_a_plan_and_applies_it_as_one_batch(
    make_app, desk: Cache
) -> None:
    app = make_app()
    notices = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("D")
        await until(pilot, lambda: isinstance(app.screen, DistributionScreen))
        plan = app.screen.plan
        # 9 (refund, due 16:00) -> Ada (refunds, 2/3); 10 (api) -> Cy; 4 -> Cy (Bo is away)
        assert [(a.ticket_id, a.agent_id) for a in plan.assignments] == [
            (9, ADA),
            (10, CY),
            (4, CY),
        ]
        text = screen_text(pilot)
        assert "Distribute: 3 tickets to assign" in text
        assert "Ada Agent" in text and "refunds" in text and "3/3" in text
        await pilot.press("escape")  # cancel: nothing changes
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert desk.pending_count() == 0
        assert desk.ticket(9)["assignee_id"] is None
        await pilot.press("D")
        await until(pilot, lambda: isinstance(app.screen, DistributionScreen))
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert [desk.ticket(i)["assignee_id"] for i in (9, 10, 4)] == [ADA, CY, CY]
        assert "Distributed 3 tickets" in notices
        rows = desk.outbox_rows()
        assert [(r.name, r.args["ticket_id"], r.args["to"]) for r in rows] == [
            ("ticket.assign", 9, ADA),
            ("ticket.assign", 10, CY),
            ("ticket.assign", 4, CY),
        ]
        assert [r.id for r in rows] == list(range(rows[0].id, rows[0].id + 3))
        await pilot.press("D")  # nothing left to distribute
        await until(pilot, lambda: any("No unassigned ticket" in m for m in notices))
        board = workload(desk)
        for agent in board.agents:
            assert agent.open <= agent.capacity


async def test_kpi_dashboard_figures_scopes_and_breakdown(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("K")
        await until(pilot, lambda: isinstance(app.screen, KpiScreen))
        screen = app.screen
        await until(pilot, lambda: screen.summary is not None)
        summary = screen.summary
        # last 14 days to 11-24: tickets 1-5 and 8-11 (7 is older); first replies of
        # 1, 2, 3, 5, 11: 600, 60, 1800, 36000, 3600 s -> median 1800 s
        assert summary.tickets == 9
        assert summary.first_reply.median == 1800
        assert (summary.breached, summary.with_target) == (2, 8)
        assert (summary.csat_count, summary.csat_average) == (4, 3.25)  # 5, 3, 1, 4
        text = screen_text(pilot)
        assert "KPIs — my groups · 2026-11-11 .. 2026-11-24" in text
        assert "median 30m" in text
        assert "25.0%  (2 of 8)" in text
        assert "3.25 / 5" in text
        assert "Volume by channel per day" in text
        agents = screen.query_one("#kpi-breakdown")
        assert [str(agents.get_row_at(i)[0]) for i in range(agents.row_count)] == [
            "Ada Agent",
            "Bo Agent",
            "Cy Agent",
            "(unassigned)",
        ]
        await pilot.press("g")  # Billing only
        await until(pilot, lambda: screen.scope.name == "Billing")
        await until(pilot, lambda: screen.summary.tickets == 5)  # 1, 2, 5, 9, 11
        await pilot.press("d")  # per group
        breakdown = screen.query_one("#kpi-breakdown")
        await until(pilot, lambda: str(breakdown.get_row_at(0)[0]) == "Billing")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))


def test_a_plan_is_applied_whole_or_not_at_all(desk: Cache) -> None:
    tickets = unassigned_tickets(desk, group_ids=[BILLING, TECH])
    candidates = [a.as_candidate() for a in workload(desk).agents if a.role == "agent"]
    plan = plan_distribution(tickets, candidates)
    broken = Plan((*plan.assignments, Assignment(999, ADA, "Ada Agent", (), 4, 3)), plan.unplaced)
    with pytest.raises(StoreError, match="#999"):
        apply_plan(desk, broken)
    assert desk.pending_count() == 0
    assert desk.ticket(9)["assignee_id"] is None
    assert len(apply_plan(desk, plan)) == 3
    assert desk.pending_count() == 3


async def test_kpis_are_precomputed_for_leads_and_reused_until_the_cache_changes(
    make_app, desk: Cache
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        store = figures_store(app)
        assert app.warm_kpis()
        assert not app.warm_kpis()  # at most one run every 30 s
        mine = (BILLING, TECH)
        await until(pilot, lambda: store.fresh(mine, "agent", desk.data_version()) is not None)
        warmed = store.fresh(mine, "agent", desk.data_version())
        await pilot.press("K")
        await until(pilot, lambda: isinstance(app.screen, KpiScreen))
        await until(pilot, lambda: app.screen.summary is not None)
        assert app.screen.summary is warmed.summary  # drawn from the precomputed figures
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        desk.update_ticket(9, priority="high")  # the cache changed: figures are read again
        await pilot.press("K")
        await until(pilot, lambda: isinstance(app.screen, KpiScreen))
        await until(pilot, lambda: app.screen.summary is not warmed.summary)
        assert app.screen.summary == warmed.summary  # (nothing that counts changed)
