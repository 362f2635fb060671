"""SLA maths: due times, the deadline that matters now, time left and state. Pure functions.

Clock: calendar time (24/7). The clock runs while a ticket is `new` or `open`; `pending`
and `on-hold` pause it (no deadline shown), `solved` and `closed` stop it. Before the first
public reply, the nearer of first-reply and resolution due counts; after it, resolution due.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from agentdesk.domain.enums import Priority, SlaState, Status

AT_RISK_WINDOW = timedelta(hours=1)

# Targets (minutes) used when no policy applies: a sensible default for a B2C desk.
DEFAULT_TARGETS: dict[str, dict[str, int]] = {
    Priority.URGENT: {"first_reply": 60, "resolution": 8 * 60},
    Priority.HIGH: {"first_reply": 4 * 60, "resolution": 24 * 60},
    Priority.NORMAL: {"first_reply": 8 * 60, "resolution": 3 * 24 * 60},
    Priority.LOW: {"first_reply": 24 * 60, "resolution": 7 * 24 * 60},
}


@dataclass(frozen=True, slots=True)
class DueTimes:
    first_reply_due: datetime | None
    resolution_due: datetime | None


def due_times(
    created_at: datetime,
    priority: Priority | str,
    targets: Mapping[str, Mapping[str, int]] | None = None,
) -> DueTimes:
    """Deadlines for a ticket created at `created_at` with `priority` under `targets`."""
    table = targets or DEFAULT_TARGETS
    target = table.get(Priority(priority).value) or DEFAULT_TARGETS[Priority(priority)]
    first = target.get("first_reply")
    resolution = target.get("resolution")
    return DueTimes(
        first_reply_due=created_at + timedelta(minutes=first) if first is not None else None,
        resolution_due=created_at + timedelta(minutes=resolution)
        if resolution is not None
        else None,
    )


def next_due(
    status: Status | str,
    first_reply_at: datetime | None,
    first_reply_due: datetime | None,
    resolution_due: datetime | None,
) -> datetime | None:
    """The deadline that matters now, or None when no clock runs."""
    if not Status(status).is_active:
        return None
    candidates = [resolution_due]
    if first_reply_at is None:
        candidates.append(first_reply_due)
    present = [due for due in candidates if due is not None]
    return min(present) if present else None


def time_left(due: datetime | None, now: datetime) -> timedelta | None:
    """Time until `due` (negative once breached), or None without a deadline."""
    return None if due is None else due - now


def sla_state(due: datetime | None, now: datetime) -> SlaState:
    if due is None:
        return SlaState.NONE
    left = due - now
    if left <= timedelta(0):
        return SlaState.BREACHED
    if left <= AT_RISK_WINDOW:
        return SlaState.AT_RISK
    return SlaState.OK


def format_time_left(left: timedelta | None) -> str:
    """Compact, sortable-looking text: `2d 4h`, `3h 05m`, `12m`, `-40m` (breached), `—`."""
    if left is None:
        return "—"
    seconds = int(left.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rem = divmod(seconds, 86400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    return f"{sign}{minutes}m"
