"""KPI maths on small fixed inputs, every expected figure worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from agentdesk.domain.kpi import (
    AGE_BUCKETS,
    BacklogFacts,
    DurationStats,
    KpiInputs,
    RatingFacts,
    TicketFacts,
    age_bucket,
    days_between,
    format_duration,
    format_rate,
    percentile,
    summarise,
)

D1, D2 = date(2026, 11, 2), date(2026, 11, 3)


def facts(
    group: int | None,
    agent: int | None,
    channel: str,
    day: date,
    first: float | None,
    resolved: float | None,
    *,
    target: bool = True,
    breached: bool = False,
) -> TicketFacts:
    return TicketFacts(group, agent, channel, day, first, resolved, target, breached)


def test_percentile_interpolates_between_ranks() -> None:
    # 4 values: median rank 1.5 -> (20 + 30) / 2; p90 rank 2.7 -> 30 + 0.7 * (100 - 30) = 79
    assert percentile([10, 20, 30, 100], 0.5) == 25
    assert percentile([10, 20, 30, 100], 0.9) == pytest.approx(79)
    assert percentile([7], 0.9) == 7
    assert percentile([], 0.5) is None
    assert percentile([1, 2, 3], 0.0) == 1
    assert percentile([1, 2, 3], 1.0) == 3
    with pytest.raises(ValueError):
        percentile([1], 1.5)


def test_duration_stats_sort_their_input() -> None:
    stats = DurationStats.of([300, 60, 120])
    assert stats == DurationStats(3, 120, 300 - 0.2 * 180)  # p90 rank 1.8 -> 120 + .8*180 = 264


def test_age_buckets() -> None:
    labels = [label for label, _ in AGE_BUCKETS]
    assert labels == ["< 1 d", "1-3 d", "3-7 d", "7-30 d", "> 30 d"]
    assert age_bucket(timedelta(hours=23)) == 0
    assert age_bucket(timedelta(days=1)) == 1
    assert age_bucket(timedelta(days=6, hours=23)) == 2
    assert age_bucket(timedelta(days=30)) == 4
    assert age_bucket(timedelta(minutes=-5)) == 0


def test_summarise_small_desk() -> None:
    tickets = [
        facts(1, 10, "email", D1, 600, 7200),  # 10 min / 2 h
        facts(1, 10, "chat", D1, 60, None, breached=True),  # 1 min, unsolved, breached
        facts(1, 11, "email", D2, 1800, 3600),  # 30 min / 1 h
        facts(2, None, "web", D2, None, None, target=False),  # no reply yet, no target
    ]
    ratings = [RatingFacts(1, 10, 5, 2), RatingFacts(1, 11, 2)]
    backlog = [BacklogFacts(1, 10, 0, 3), BacklogFacts(2, None, 4, 1)]
    summary = summarise(tickets, ratings, backlog, days_between(D1, D2 + timedelta(days=1)))
    assert summary.tickets == 4
    # first replies 60, 600, 1800: median 600, p90 rank 1.8 -> 600 + 0.8 * 1200 = 1560
    assert summary.first_reply == DurationStats(3, 600, pytest.approx(1560))
    # resolutions 3600, 7200: median 5400, p90 rank 0.9 -> 3600 + 0.9 * 3600 = 6840
    assert summary.resolution == DurationStats(2, 5400, pytest.approx(6840))
    assert (summary.with_target, summary.breached) == (3, 1)
    assert summary.breach_rate == pytest.approx(1 / 3)
    # ratings 5, 5, 2 -> 12 / 3 = 4
    assert (summary.csat_count, summary.csat_average) == (3, 4.0)
    assert summary.backlog == (3, 0, 0, 0, 1)
    assert summary.backlog_total == 4
    assert summary.volume[D1] == {"email": 1, "chat": 1, "phone": 0, "social": 0, "web": 0}
    assert summary.volume[D2]["web"] == 1
    assert summary.daily_totals() == [2, 2]


def test_summarise_nothing() -> None:
    summary = summarise([], [], [], [D1])
    assert summary.tickets == 0
    assert summary.first_reply == DurationStats(0, None, None)
    assert summary.breach_rate is None
    assert summary.csat_average is None
    assert summary.daily_totals() == [0]


def test_inputs_slice_by_group_and_agent() -> None:
    start = datetime(2026, 11, 2, tzinfo=UTC)
    inputs = KpiInputs(
        start=start,
        end=start + timedelta(days=2),
        days=(D1, D2),
        tickets=(
            facts(1, 10, "email", D1, 100, None),
            facts(1, 11, "email", D1, 300, None),
            facts(2, 10, "phone", D2, 500, None),
        ),
        ratings=(RatingFacts(2, 10, 4),),
        backlog=(BacklogFacts(1, 11, 2, 5),),
    )
    assert inputs.summary_for().tickets == 3
    assert inputs.summary_for(group_id=1).first_reply.median == 200
    agent10 = inputs.summary_for(assignee_id=10)
    assert (agent10.tickets, agent10.first_reply.median, agent10.csat_average) == (2, 300, 4)
    assert inputs.summary_for(group_id=1, assignee_id=10).tickets == 1
    by_agent = inputs.summaries_by("agent")
    assert list(by_agent) == [10, 11]
    assert by_agent[11].backlog == (0, 0, 5, 0, 0)
    by_group = inputs.summaries_by("group")
    assert by_group[2].first_reply.median == 500
    assert by_group[1] == inputs.summary_for(group_id=1)


def test_formatting() -> None:
    assert format_duration(None) == "—"
    assert format_duration(42) == "42s"
    assert format_duration(12 * 60 + 10) == "12m"
    assert format_duration(3 * 3600 + 5 * 60) == "3h 05m"
    assert format_duration(2 * 86400 + 4 * 3600) == "2d 4h"
    assert format_rate(None) == "—"
    assert format_rate(1 / 3) == "33.3%"


def test_overall_from_per_agent_tallies_equals_the_direct_summary() -> None:
    start = datetime(2026, 11, 2, tzinfo=UTC)
    inputs = KpiInputs(
        start=start,
        end=start + timedelta(days=2),
        days=(D1, D2),
        tickets=(
            facts(1, 10, "email", D1, 100, 50, breached=True),
            facts(1, None, "chat", D2, None, None, target=False),
            facts(2, 11, "phone", D2, 500, 900),
            facts(2, 10, "web", D1, 300, None),
        ),
        ratings=(RatingFacts(2, 10, 4, 2), RatingFacts(1, None, 1)),
        backlog=(BacklogFacts(1, 11, 2, 5), BacklogFacts(2, None, 0, 1)),
    )
    for dimension in ("agent", "group"):
        overall, by = inputs.overall_and_by(dimension)
        assert overall == inputs.summary_for()
        assert by == inputs.summaries_by(dimension)
        for key, summary in by.items():
            if key is not None:
                sliced = (
                    inputs.summary_for(assignee_id=key)
                    if dimension == "agent"
                    else inputs.summary_for(group_id=key)
                )
                assert summary == sliced
