"""A small fixed team for the team-lead tests, written straight into a cache (no server).

NOW is 2026-11-24 12:00 UTC. Groups: 1 Billing, 2 Tech, 3 Other. Agents: 1 Lena (lead of
Billing and Tech), 2 Ada (Billing, available, capacity 3, refunds), 3 Bo (Billing and Tech,
away, capacity 5, api), 4 Cy (Tech, available, capacity 4, api and bugs), 5 Dee (Other).

The report range 2026-11-20 .. 2026-11-23 holds tickets 1-5; every KPI expected by the
tests is worked out by hand from the table below.

 id grp who chan  created      first reply      solved          state / SLA
  1  1  Ada email 11-20 09:00  +600 s           +7200 s         solved, in time
  2  1  Ada chat  11-20 10:00  +60 s            —               open, resolution due 14:00 passed
  3  2  Cy  email 11-21 08:00  +1800 s          +3600 s         solved, in time
  4  2  —   web   11-21 12:00  —                —               new, no SLA targets
  5  1  Bo  phone 11-22 06:00  +36000 s (late)  +86400 s        solved, first reply breached
  7  1  Ada email 11-10 09:00  +1 h             —               open, breached (out of range)
  8  2  Cy  chat  11-24 11:30  —                —               new, due 12:30 (at risk)
  9  1  —   email 11-24 08:00  —                —               new, tag refund, due 16:00
 10  2  —   email 11-24 09:00  —                —               new, tag api, due 17:00
 11  1  Bo  email 11-19 12:00  +1 h             —               pending
 12  3  Dee email 11-21 09:00  —                —               open, other group
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from agentdesk.domain.timeutil import to_iso
from agentdesk.store import Cache

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LEAD, ADA, BO, CY, DEE = 1, 2, 3, 4, 5
BILLING, TECH, OTHER = 1, 2, 3


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else to_iso(value)


def agent(
    agent_id: int,
    name: str,
    role: str,
    groups: list[int],
    availability: str,
    capacity: int,
    skills: list[str],
) -> dict[str, Any]:
    return {
        "id": agent_id,
        "name": name,
        "email": f"{name.split()[0].lower()}@desk.test",
        "role": role,
        "group_ids": groups,
        "skills": skills,
        "availability": availability,
        "capacity": capacity,
        "signature": "",
        "active": True,
        "version": 1,
    }


def ticket(
    ticket_id: int,
    group_id: int,
    assignee_id: int | None,
    channel: str,
    created: datetime,
    *,
    status: str = "open",
    first_reply: float | None = None,
    solved: float | None = None,
    first_reply_due: datetime | None = None,
    resolution_due: datetime | None = None,
    sla_due_at: datetime | None = None,
    tags: list[str] | None = None,
    priority: str = "normal",
) -> dict[str, Any]:
    return {
        "id": ticket_id,
        "subject": f"Ticket {ticket_id}",
        "status": status,
        "priority": priority,
        "channel": channel,
        "customer_id": 1,
        "assignee_id": assignee_id,
        "group_id": group_id,
        "tags": tags or [],
        "sla_policy_id": None,
        "created_at": _iso(created),
        "updated_at": _iso(created),
        "first_reply_at": _iso(created + timedelta(seconds=first_reply))
        if first_reply is not None
        else None,
        "solved_at": _iso(created + timedelta(seconds=solved)) if solved is not None else None,
        "first_reply_due": _iso(first_reply_due),
        "resolution_due": _iso(resolution_due),
        "sla_due_at": _iso(sla_due_at),
        "merged_into_id": None,
        "version": 1,
    }


def rating(rating_id: int, ticket_id: int, score: int, created: datetime) -> dict[str, Any]:
    return {
        "id": rating_id,
        "ticket_id": ticket_id,
        "customer_id": 1,
        "score": score,
        "comment": "",
        "created_at": _iso(created),
        "version": 1,
    }


def desk_changes() -> list[tuple[str, Any, str, dict[str, Any]]]:
    h = 3600
    tickets = [
        ticket(1, BILLING, ADA, "email", at(20, 9), status="solved", first_reply=600,
               solved=2 * h, first_reply_due=at(20, 17), resolution_due=at(23, 9)),
        ticket(2, BILLING, ADA, "chat", at(20, 10), first_reply=60,
               first_reply_due=at(20, 18), resolution_due=at(20, 14), sla_due_at=at(20, 14)),
        ticket(3, TECH, CY, "email", at(21, 8), status="solved", first_reply=1800, solved=h,
               first_reply_due=at(21, 16), resolution_due=at(24, 8)),
        ticket(4, TECH, None, "web", at(21, 12), status="new"),
        ticket(5, BILLING, BO, "phone", at(22, 6), status="solved", first_reply=10 * h,
               solved=24 * h, first_reply_due=at(22, 14), resolution_due=at(25, 6)),
        ticket(7, BILLING, ADA, "email", at(10, 9), first_reply=h,
               first_reply_due=at(10, 17), resolution_due=at(13, 9), sla_due_at=at(13, 9)),
        ticket(8, TECH, CY, "chat", at(24, 11, 30), status="new",
               first_reply_due=at(24, 12, 30), resolution_due=at(27, 11, 30),
               sla_due_at=at(24, 12, 30), priority="urgent"),
        ticket(9, BILLING, None, "email", at(24, 8), status="new", tags=["refund"],
               first_reply_due=at(24, 16), resolution_due=at(27, 8), sla_due_at=at(24, 16)),
        ticket(10, TECH, None, "email", at(24, 9), status="new", tags=["api"],
               first_reply_due=at(24, 17), resolution_due=at(27, 9), sla_due_at=at(24, 17)),
        ticket(11, BILLING, BO, "email", at(19, 12), status="pending", first_reply=h,
               first_reply_due=at(19, 20), resolution_due=at(22, 12)),
        ticket(12, OTHER, DEE, "email", at(21, 9), first_reply_due=at(21, 17),
               resolution_due=at(24, 9), sla_due_at=at(21, 17)),
    ]  # fmt: skip
    agents = [
        agent(LEAD, "Lena Lead", "lead", [BILLING, TECH], "available", 10, []),
        agent(ADA, "Ada Agent", "agent", [BILLING], "available", 3, ["refunds", "french"]),
        agent(BO, "Bo Agent", "agent", [BILLING, TECH], "away", 5, ["api"]),
        agent(CY, "Cy Agent", "agent", [TECH], "available", 4, ["api", "bugs"]),
        agent(DEE, "Dee Outsider", "agent", [OTHER], "available", 5, []),
    ]
    ratings = [
        rating(1, 1, 5, at(20, 12)),
        rating(2, 3, 3, at(21, 10)),
        rating(3, 5, 1, at(23, 7)),
        rating(4, 7, 4, at(12, 9)),
    ]
    customer = {
        "id": 1,
        "name": "Carla Customer",
        "email": "carla@example.com",
        "phone": None,
        "organisation_id": None,
        "tier": "standard",
        "notes": "",
        "created_at": _iso(at(1, 9)),
        "version": 1,
    }
    groups = [
        {"id": gid, "name": name, "description": "", "version": 1}
        for gid, name in ((BILLING, "Billing"), (TECH, "Tech"), (OTHER, "Other"))
    ]
    changes: list[tuple[str, Any, str, dict[str, Any]]] = []
    for entity, rows in (
        ("customer", [customer]),
        ("group", groups),
        ("agent", agents),
        ("ticket", tickets),
        ("satisfaction_rating", ratings),
    ):
        changes.extend((entity, row["id"], "upsert", row) for row in rows)
    return changes


def build_lead_desk(path: Path, me: int = LEAD) -> Cache:
    cache = Cache.open(path)
    cache.apply_changes(desk_changes(), cursor="c1", last_mutation_id=None)
    cache.set_agent_id(me)
    return cache
