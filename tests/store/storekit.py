"""Rows in the wire shape of `GET /v1/changes` (domain models, JSON mode), made quickly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from agentdesk.domain.sla import due_times, next_due
from agentdesk.domain.timeutil import to_iso

BASE_TIME = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def organisation(org_id: int, name: str = "Acme Ltd") -> dict[str, Any]:
    return {
        "id": org_id,
        "name": name,
        "domain": None,
        "tier": "standard",
        "notes": "",
        "version": 1,
    }


def customer(
    customer_id: int,
    name: str | None = None,
    email: str | None = None,
    organisation_id: int | None = None,
) -> dict[str, Any]:
    return {
        "id": customer_id,
        "name": name or f"Customer {customer_id}",
        "email": email or f"customer{customer_id}@example.com",
        "phone": None,
        "organisation_id": organisation_id,
        "tier": "standard",
        "notes": "",
        "created_at": to_iso(BASE_TIME),
        "version": 1,
    }


def group(group_id: int, name: str) -> dict[str, Any]:
    return {"id": group_id, "name": name, "description": "", "version": 1}


def agent(
    agent_id: int, name: str, group_ids: list[int] | None = None, role: str = "agent"
) -> dict[str, Any]:
    return {
        "id": agent_id,
        "name": name,
        "email": f"{name.lower().replace(' ', '.')}@desk.test",
        "role": role,
        "group_ids": group_ids or [],
        "skills": [],
        "availability": "available",
        "capacity": 20,
        "signature": "",
        "active": True,
        "version": 1,
    }


def ticket(
    ticket_id: int,
    *,
    subject: str | None = None,
    status: str = "open",
    priority: str = "normal",
    channel: str = "email",
    customer_id: int = 1,
    assignee_id: int | None = None,
    group_id: int | None = None,
    tags: list[str] | None = None,
    created_minutes: int = 0,
    version: int = 1,
) -> dict[str, Any]:
    created = BASE_TIME + timedelta(minutes=created_minutes)
    due = due_times(created, priority)
    sla = next_due(status, None, due.first_reply_due, due.resolution_due)
    return {
        "id": ticket_id,
        "subject": subject if subject is not None else f"Ticket number {ticket_id}",
        "status": status,
        "priority": priority,
        "channel": channel,
        "customer_id": customer_id,
        "assignee_id": assignee_id,
        "group_id": group_id,
        "tags": tags or [],
        "sla_policy_id": None,
        "created_at": to_iso(created),
        "updated_at": to_iso(created),
        "first_reply_at": None,
        "solved_at": None,
        "first_reply_due": to_iso(due.first_reply_due) if due.first_reply_due else None,
        "resolution_due": to_iso(due.resolution_due) if due.resolution_due else None,
        "sla_due_at": to_iso(sla) if sla else None,
        "merged_into_id": None,
        "version": version,
    }


def message(
    message_id: str,
    ticket_id: int,
    body: str,
    *,
    author_kind: str = "customer",
    author_id: int | None = 1,
    public: bool = True,
    created_minutes: int = 0,
) -> dict[str, Any]:
    return {
        "id": message_id,
        "ticket_id": ticket_id,
        "public": public,
        "author_kind": author_kind,
        "author_id": author_id,
        "body": body,
        "channel": "email",
        "created_at": to_iso(BASE_TIME + timedelta(minutes=created_minutes)),
        "version": 1,
    }


def upserts(entity: str, rows: list[dict[str, Any]]) -> list[tuple[str, Any, str, dict[str, Any]]]:
    return [(entity, row["id"], "upsert", row) for row in rows]
