"""Team-lead reports over the cache: workload per agent and group, KPI facts of a date range.

Everything is SQL over indexed columns (see `schema.REPORT_INDEXES`: `tickets_workload`
covers the unsolved tickets by status/assignee/group with their SLA key and age,
`tickets_kpi` holds a date range's cohort with every column read, `ratings_by_created`
finds its ratings), so a board or dashboard opens quickly whatever the cache size. The
maths lives in `agentdesk.domain.kpi`.

    board = workload(cache)                      # the lead's groups (admins: every group)
    inputs = kpi_inputs(cache, start, end)       # then inputs.summary_for(group_id=...)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from agentdesk.domain.enums import Role
from agentdesk.domain.kpi import (
    AGE_BUCKETS,
    DEFAULT_RANGE_DAYS,
    BacklogFacts,
    KpiInputs,
    RatingFacts,
    TicketFacts,
    age_thresholds,
    days_between,
)
from agentdesk.domain.routing import Candidate, PendingTicket
from agentdesk.domain.sla import AT_RISK_WINDOW
from agentdesk.domain.timeutil import utcnow
from agentdesk.store.codec import ts_text, ts_value
from agentdesk.store.db import CacheCore

_UNSOLVED = "('new', 'open', 'pending', 'on-hold')"


@dataclass(frozen=True, slots=True)
class AgentLoad:
    """One row of the workload board. `open`: new/open tickets; `pending`: pending/on-hold;
    `breaching`: running tickets due within the hour (already breached included)."""

    agent_id: int
    name: str
    email: str
    role: str
    availability: str
    capacity: int
    skills: tuple[str, ...]
    group_ids: tuple[int, ...]
    open: int
    pending: int
    breaching: int
    oldest_open_at: datetime | None

    def oldest_age(self, now: datetime) -> timedelta | None:
        return None if self.oldest_open_at is None else now - self.oldest_open_at

    @property
    def utilisation(self) -> float:
        """Open tickets over capacity (may exceed 1); 1.0 for a zero capacity with work."""
        if self.capacity <= 0:
            return 1.0 if self.open else 0.0
        return self.open / self.capacity

    def as_candidate(self) -> Candidate:
        return Candidate(
            id=self.agent_id,
            name=self.name,
            availability=self.availability,
            capacity=self.capacity,
            load=self.open,
            group_ids=frozenset(self.group_ids),
            skills=frozenset(self.skills),
        )


@dataclass(frozen=True, slots=True)
class GroupLoad:
    """Totals of one group's tickets (whoever holds them) and its unassigned backlog."""

    group_id: int
    name: str
    agents: int
    open: int
    pending: int
    breaching: int
    unassigned: int
    capacity: int


@dataclass(frozen=True, slots=True)
class Workload:
    now: datetime
    group_ids: tuple[int, ...]
    agents: tuple[AgentLoad, ...]
    groups: tuple[GroupLoad, ...]

    def agent(self, agent_id: int) -> AgentLoad | None:
        return next((a for a in self.agents if a.agent_id == agent_id), None)


def lead_group_ids(cache: CacheCore) -> tuple[int, ...] | None:
    """The groups a lead watches: their own; None (every group) for an admin or unknown me."""
    me = cache.me()  # type: ignore[attr-defined]
    if me is None or str(me.get("role")) == Role.ADMIN.value:
        return None
    return tuple(int(g) for g in me.get("group_ids") or [])


def workload(
    cache: CacheCore,
    group_ids: Iterable[int] | None = None,
    *,
    now: datetime | None = None,
) -> Workload:
    """Per-agent and per-group load for `group_ids` (default: `lead_group_ids`)."""
    now = now or utcnow()
    wanted = tuple(group_ids) if group_ids is not None else lead_group_ids(cache)
    risk = ts_text(now + AT_RISK_WINDOW)
    with cache.read() as conn:
        all_groups = {
            int(row["id"]): str(row["name"])
            for row in conn.execute("SELECT id, name FROM groups ORDER BY name COLLATE NOCASE, id")
        }
        shown_groups = [g for g in all_groups if wanted is None or g in wanted]
        agents = []
        for row in conn.execute(
            "SELECT id, name, email, role, availability, capacity, skills, group_ids, active "
            "FROM agents ORDER BY name COLLATE NOCASE, id"
        ):
            groups = tuple(int(g) for g in json.loads(row["group_ids"] or "[]"))
            if not row["active"]:
                continue
            if wanted is not None and not set(groups) & set(wanted):
                continue
            agents.append((row, groups))
        counts: dict[int, tuple[int, int, int, str | None]] = {}
        for row in conn.execute(
            "SELECT assignee_id, "
            "sum(status IN ('new', 'open')), sum(status IN ('pending', 'on-hold')), "
            "sum(sla_key <= ?), min(CASE WHEN status IN ('new', 'open') THEN created_at END) "
            f"FROM tickets WHERE status IN {_UNSOLVED} "
            "AND assignee_id IS NOT NULL GROUP BY assignee_id",
            (risk,),
        ):
            counts[int(row[0])] = (int(row[1]), int(row[2]), int(row[3]), row[4])
        per_group: dict[int, tuple[int, int, int, int]] = {}
        for row in conn.execute(
            "SELECT group_id, sum(status IN ('new', 'open')), "
            "sum(status IN ('pending', 'on-hold')), sum(sla_key <= ?), "
            "sum(assignee_id IS NULL) "
            f"FROM tickets WHERE status IN {_UNSOLVED} "
            "AND group_id IS NOT NULL GROUP BY group_id",
            (risk,),
        ):
            per_group[int(row[0])] = (int(row[1]), int(row[2]), int(row[3]), int(row[4]))
    loads = []
    for row, groups in agents:
        open_, pending, breaching, oldest = counts.get(int(row["id"]), (0, 0, 0, None))
        loads.append(
            AgentLoad(
                agent_id=int(row["id"]),
                name=str(row["name"]),
                email=str(row["email"]),
                role=str(row["role"]),
                availability=str(row["availability"]),
                capacity=int(row["capacity"] or 0),
                skills=tuple(json.loads(row["skills"] or "[]")),
                group_ids=groups,
                open=open_,
                pending=pending,
                breaching=breaching,
                oldest_open_at=ts_value(oldest),
            )
        )
    group_loads = []
    for group_id in shown_groups:
        members = [a for a in loads if group_id in a.group_ids]
        open_, pending, breaching, unassigned = per_group.get(group_id, (0, 0, 0, 0))
        group_loads.append(
            GroupLoad(
                group_id=group_id,
                name=all_groups[group_id],
                agents=len(members),
                open=open_,
                pending=pending,
                breaching=breaching,
                unassigned=unassigned,
                capacity=sum(a.capacity for a in members),
            )
        )
    return Workload(now, tuple(shown_groups), tuple(loads), tuple(group_loads))


def default_range(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The dashboard's range: the last `DEFAULT_RANGE_DAYS` UTC days, today included."""
    today = (now or utcnow()).astimezone(UTC).date()
    return day_start(today - timedelta(days=DEFAULT_RANGE_DAYS - 1)), day_start(
        today + timedelta(days=1)
    )


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def kpi_inputs(
    cache: CacheCore,
    start: datetime,
    end: datetime,
    *,
    group_ids: Iterable[int] | None = None,
    assignee_id: int | None = None,
    now: datetime | None = None,
) -> KpiInputs:
    """The facts behind every KPI for cohort `[start, end)` (see `agentdesk.domain.kpi`).

    `group_ids` / `assignee_id` narrow tickets, ratings and backlog alike.
    """
    now = now or utcnow()
    where: list[str] = []
    params: list[Any] = []
    if group_ids is not None:
        ids = list(group_ids)
        # unary `+`: filter only; the range or status index drives every query
        where.append(f"+t.group_id IN ({', '.join('?' * len(ids))})" if ids else "0")
        params.extend(ids)
    if assignee_id is not None:
        where.append("+t.assignee_id = ?")
        params.append(assignee_id)
    extra = "".join(f" AND {clause}" for clause in where)
    now_text = ts_text(now)
    days = days_between(start.astimezone(UTC).date(), _end_day(end))
    with cache.read() as conn:
        cursor = conn.cursor()
        cursor.row_factory = None  # plain tuples: sqlite3.Row costs more than the query here
        rows = cursor.execute(
            # SLA outcome in SQL: stored times are fixed-width UTC text, so comparing the
            # text compares the times. flags: 1 = has a target, 2 = breached.
            "SELECT t.group_id, t.assignee_id, t.channel, t.created_at, t.first_reply_at, "
            "CASE WHEN t.status IN ('solved', 'closed') THEN t.solved_at END, "
            "(t.first_reply_due IS NOT NULL OR t.resolution_due IS NOT NULL) + 2 * coalesce("
            "(t.first_reply_due IS NOT NULL AND coalesce(t.first_reply_at, CASE WHEN t.status "
            "IN ('new', 'open') THEN ?1 END) > t.first_reply_due) OR (t.resolution_due IS NOT "
            "NULL AND coalesce(CASE WHEN t.status IN ('solved', 'closed') THEN t.solved_at END,"
            " CASE WHEN t.status IN ('new', 'open') THEN ?1 END) > t.resolution_due), 0) "
            f"FROM tickets t WHERE t.created_at >= ?2 AND t.created_at < ?3{_numbered(extra, 4)}",
            (now_text, ts_text(start), ts_text(end), *params),
        ).fetchall()
        tickets = _cohort_facts(rows)
        ratings = tuple(
            RatingFacts(row[0], row[1], int(row[2]), int(row[3]))
            for row in conn.execute(
                "SELECT t.group_id, t.assignee_id, r.score, count(*) "
                "FROM satisfaction_ratings r "
                "LEFT JOIN tickets t ON t.id = r.ticket_id "
                f"WHERE r.created_at >= ? AND r.created_at < ?{extra} GROUP BY 1, 2, 3",
                (ts_text(start), ts_text(end), *params),
            )
        )
        thresholds = [ts_text(moment) for moment in age_thresholds(now)]
        cases = " ".join(f"WHEN t.created_at > ? THEN {index}" for index in range(len(thresholds)))
        backlog = tuple(
            BacklogFacts(row[0], row[1], int(row[2]), int(row[3]))
            for row in conn.execute(
                f"SELECT t.group_id, t.assignee_id, CASE {cases} ELSE {len(AGE_BUCKETS) - 1} "
                "END, count(*) FROM tickets t "
                f"WHERE t.status IN {_UNSOLVED}{extra} GROUP BY 1, 2, 3",
                (*thresholds, *params),
            )
        )
    return KpiInputs(start, end, tuple(days), tickets, ratings, backlog)


def _numbered(clause: str, first: int) -> str:
    """`clause` with its `?` numbered from `first` (the query around it uses ?1, ?2...)."""
    parts = clause.split("?")
    return parts[0] + "".join(f"?{first + n}{part}" for n, part in enumerate(parts[1:]))


def _cohort_facts(rows: list[tuple[Any, ...]]) -> tuple[TicketFacts, ...]:
    """Durations of each cohort row, in one tight loop (about 50,000 rows at 1M tickets)."""
    parse = datetime.fromisoformat
    days: dict[str, date] = {}
    facts: list[TicketFacts] = []
    append = facts.append
    for group_id, assignee_id, channel, created, replied, solved, flags in rows:
        day = days.get(created[:10])
        if day is None:
            day = days[created[:10]] = date.fromisoformat(created[:10])
        start = parse(created)
        append(
            TicketFacts(
                group_id,
                assignee_id,
                channel,
                day,
                (parse(replied) - start).total_seconds() if replied else None,
                (parse(solved) - start).total_seconds() if solved else None,
                bool(flags & 1),
                bool(flags & 2),
            )
        )
    return tuple(facts)


def _end_day(end: datetime) -> date:
    """The first day not in a range ending (exclusively) at `end`."""
    end = end.astimezone(UTC)
    day = end.date()
    return day if end == day_start(day) else day + timedelta(days=1)


def unassigned_tickets(
    cache: CacheCore,
    ticket_ids: Iterable[int] | None = None,
    group_ids: Iterable[int] | None = None,
) -> list[PendingTicket]:
    """Unsolved unassigned tickets (of `group_ids`, or exactly `ticket_ids`) for the planner."""
    sql = (
        "SELECT id, group_id, tags, priority, sla_due_at, created_at FROM tickets "
        f"WHERE assignee_id IS NULL AND status IN {_UNSOLVED}"
    )
    params: list[Any] = []
    if ticket_ids is not None:
        ids = list(ticket_ids)
        sql += f" AND id IN ({', '.join('?' * len(ids))})" if ids else " AND 0"
        params.extend(ids)
    if group_ids is not None:
        groups = list(group_ids)
        sql += f" AND group_id IN ({', '.join('?' * len(groups))})" if groups else " AND 0"
        params.extend(groups)
    rows = cache.conn.execute(sql + " ORDER BY sla_key, id", params).fetchall()
    return [
        PendingTicket(
            id=int(row["id"]),
            group_id=row["group_id"],
            tags=tuple(json.loads(row["tags"] or "[]")),
            priority=row["priority"],
            sla_due_at=ts_value(row["sla_due_at"]),
            created_at=ts_value(row["created_at"]),
        )
        for row in rows
    ]
