from datetime import UTC, datetime, timedelta

import pytest

from agentdesk.domain.enums import Priority, SlaState, Status
from agentdesk.domain.sla import (
    DEFAULT_TARGETS,
    due_times,
    format_time_left,
    next_due,
    sla_state,
    time_left,
)

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_due_times_follow_the_policy_targets() -> None:
    targets = {"urgent": {"first_reply": 30, "resolution": 240}}
    due = due_times(T0, Priority.URGENT, targets)
    assert due.first_reply_due == T0 + timedelta(minutes=30)
    assert due.resolution_due == T0 + timedelta(hours=4)


def test_missing_priority_in_policy_falls_back_to_defaults() -> None:
    due = due_times(T0, "low", {"urgent": {"first_reply": 30, "resolution": 240}})
    assert due.first_reply_due == T0 + timedelta(minutes=DEFAULT_TARGETS["low"]["first_reply"])


def test_before_first_reply_the_nearer_deadline_counts() -> None:
    first, resolution = T0 + timedelta(hours=1), T0 + timedelta(hours=8)
    assert next_due(Status.OPEN, None, first, resolution) == first
    assert next_due(Status.OPEN, T0, first, resolution) == resolution


@pytest.mark.parametrize("status", [Status.PENDING, Status.ON_HOLD, Status.SOLVED, Status.CLOSED])
def test_clock_does_not_run_when_waiting_or_done(status: Status) -> None:
    assert next_due(status, None, T0, T0) is None


def test_states_at_the_boundaries() -> None:
    due = T0 + timedelta(hours=1)
    assert sla_state(None, T0) is SlaState.NONE
    assert sla_state(due, T0 - timedelta(seconds=1)) is SlaState.OK
    assert sla_state(due, T0) is SlaState.AT_RISK
    assert sla_state(due, due) is SlaState.BREACHED
    assert time_left(due, T0) == timedelta(hours=1)
    assert time_left(None, T0) is None


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (timedelta(days=2, hours=4, minutes=9), "2d 4h"),
        (timedelta(hours=3, minutes=5), "3h 05m"),
        (timedelta(minutes=12, seconds=59), "12m"),
        (-timedelta(minutes=40), "-40m"),
        (None, "—"),
    ],
)
def test_time_left_text(left: timedelta | None, text: str) -> None:
    assert format_time_left(left) == text
