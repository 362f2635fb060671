"""Store reports on the fixed desk of `lead_desk`: every figure worked out by hand there."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from lead_desk import ADA, BILLING, BO, CY, LEAD, NOW, OTHER, TECH, at

from agentdesk.domain.kpi import DurationStats
from agentdesk.store import Cache
from agentdesk.store.reports import (
    default_range,
    kpi_inputs,
    lead_group_ids,
    unassigned_tickets,
    workload,
)

START, END = at(20, 0), at(24, 0)


def test_workload_board(desk: Cache) -> None:
    board = workload(desk, now=NOW)
    assert board.group_ids == (BILLING, TECH)  # Lena leads Billing and Tech, not Other
    rows = {a.agent_id: a for a in board.agents}
    assert set(rows) == {LEAD, ADA, BO, CY}  # Dee (Other) is not on Lena's board
    ada, bo, cy = rows[ADA], rows[BO], rows[CY]
    # Ada: tickets 2 and 7 open, both past due; oldest is 7 (11-10 09:00)
    assert (ada.open, ada.pending, ada.breaching, ada.capacity) == (2, 0, 2, 3)
    assert ada.oldest_age(NOW) == timedelta(days=14, hours=3)
    assert ada.utilisation == pytest.approx(2 / 3)
    # Bo: only 11 (pending); 5 is solved
    assert (bo.open, bo.pending, bo.breaching, bo.oldest_open_at) == (0, 1, 0, None)
    assert bo.availability == "away"
    # Cy: 8 is new and due at 12:30, within the hour
    assert (cy.open, cy.breaching, cy.oldest_open_at) == (1, 1, at(24, 11, 30))
    assert cy.skills == ("api", "bugs")
    groups = {g.group_id: g for g in board.groups}
    billing, tech = groups[BILLING], groups[TECH]
    assert (billing.open, billing.pending, billing.breaching, billing.unassigned) == (3, 1, 2, 1)
    assert (tech.open, tech.pending, tech.breaching, tech.unassigned) == (3, 0, 1, 2)
    assert (billing.agents, billing.capacity) == (3, 10 + 3 + 5)
    assert tech.agents == 3


def test_workload_for_an_admin_shows_every_group(desk: Cache) -> None:
    assert lead_group_ids(desk) == (BILLING, TECH)
    board = workload(desk, group_ids=[OTHER], now=NOW)
    assert [a.name for a in board.agents] == ["Dee Outsider"]
    assert board.agents[0].open == 1
    assert board.groups[0].breaching == 1


def test_kpis_for_the_leads_groups(desk: Cache) -> None:
    inputs = kpi_inputs(desk, START, END, group_ids=[BILLING, TECH], now=NOW)
    assert inputs.days == tuple(date(2026, 11, d) for d in (20, 21, 22, 23))
    summary = inputs.summary_for()
    assert summary.tickets == 5
    # first replies 60, 600, 1800, 36000 s: median 1200, p90 at rank 2.7 = 1800 + .7*34200
    assert summary.first_reply == DurationStats(4, 1200, pytest.approx(25740))
    # resolutions 3600, 7200, 86400 s: median 7200, p90 at rank 1.8 = 7200 + .8*79200
    assert summary.resolution == DurationStats(3, 7200, pytest.approx(70560))
    # targets on 1, 2, 3, 5; broken by 2 (resolution passed) and 5 (late first reply)
    assert (summary.with_target, summary.breached, summary.breach_rate) == (4, 2, 0.5)
    # ratings in range: 5, 3, 1 (the 4 of 11-12 is outside)
    assert (summary.csat_count, summary.csat_average) == (3, 3.0)
    # unsolved now: 8, 9, 10 (< 1 d); 2, 4, 11 (3-7 d); 7 (7-30 d)
    assert summary.backlog == (3, 0, 3, 1, 0)
    assert summary.volume[date(2026, 11, 20)] == {
        "email": 1, "chat": 1, "phone": 0, "social": 0, "web": 0
    }  # fmt: skip
    assert summary.daily_totals() == [2, 2, 1, 0]


def test_kpis_per_group_and_agent(desk: Cache) -> None:
    inputs = kpi_inputs(desk, START, END, group_ids=[BILLING, TECH], now=NOW)
    by_group = inputs.summaries_by("group")
    billing = by_group[BILLING]
    assert billing.tickets == 3
    assert billing.first_reply.median == 600  # 60, 600, 36000
    assert (billing.breached, billing.with_target) == (2, 3)
    assert billing.csat_average == 3.0  # 5 and 1
    by_agent = inputs.summaries_by("agent")
    assert by_agent[ADA].tickets == 2
    assert by_agent[ADA].resolution.median == 7200
    assert by_agent[CY].first_reply.median == 1800
    assert by_agent[None].tickets == 1  # ticket 4
    assert by_agent[BO].backlog == (0, 0, 1, 0, 0)  # ticket 11 (pending, 5 days)
    only_ada = kpi_inputs(desk, START, END, assignee_id=ADA, now=NOW).summary_for()
    assert only_ada == by_agent[ADA]


def test_every_group_includes_other_teams(desk: Cache) -> None:
    summary = kpi_inputs(desk, START, END, now=NOW).summary_for()
    assert summary.tickets == 6  # ticket 12 of Other too
    assert summary.breached == 3  # 12 is open past its first-reply due time


def test_default_range_is_the_last_14_days() -> None:
    start, end = default_range(NOW)
    assert (start, end) == (at(11, 0), at(25, 0))


def test_unassigned_tickets_for_the_planner(desk: Cache) -> None:
    pending = unassigned_tickets(desk, group_ids=[BILLING, TECH])
    assert [t.id for t in pending] == [9, 10, 4]  # by SLA due, none last
    assert pending[0].tags == ("refund",)
    assert [t.id for t in unassigned_tickets(desk, ticket_ids=[4, 2])] == [4]
