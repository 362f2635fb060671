"""Every mapping between Request Tracker 5 and agentdesk's entities, in one place.

| RT                                   | agentdesk                                             |
|--------------------------------------|-------------------------------------------------------|
| ticket id                            | Ticket.id                                             |
| queue                                | Group (id, Name, Description)                         |
| requestor (first one)                | Customer (RealName or Name, EmailAddress, Organization) |
| user's Organization (text)           | Organisation (id derived from the name, stable)       |
| Owner (Nobody = unassigned)          | Ticket.assignee_id -> Agent                           |
| status new/open/stalled              | new/open/pending                                      |
| status resolved/rejected             | solved/closed                                         |
| status deleted (or no longer visible)| the ticket is deleted from the cache                  |
| numeric Priority                     | low/normal/high/urgent by thresholds (configurable)   |
| Due                                  | resolution_due (the SLA due time)                     |
| Started / Resolved                   | first_reply_at / solved_at                            |
| custom field named `tags_field`      | tags (else tags are unavailable)                      |
| Create transaction                   | customer message (author: the requestor)              |
| Correspond transaction               | public reply (agent if privileged, else customer)     |
| Comment transaction                  | internal note                                         |
| transaction id N                     | Message.id `rt-txn-N` (or the UUID of its marker)     |
| privileged user (superuser)          | Agent, role agent (admin)                             |

Back to RT: pending and on-hold -> stalled, solved -> resolved, closed -> rejected; a
priority goes out as the configured number of its level (`priority_values`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agentdesk.domain.enums import AuthorKind, Channel, Priority, Role, Status, Tier
from agentdesk.domain.sla import next_due
from agentdesk.domain.timeutil import parse_iso, to_iso
from agentdesk.sync.rt import marker

NOBODY = "Nobody"
SYSTEM_USER_ID = 1  # RT_System
MESSAGE_TYPES = ("Create", "Correspond", "Comment")

STATUS_FROM_RT: dict[str, Status] = {
    "new": Status.NEW,
    "open": Status.OPEN,
    "stalled": Status.PENDING,
    "resolved": Status.SOLVED,
    "rejected": Status.CLOSED,
}
DELETED = "deleted"
STATUS_TO_RT: dict[Status, str] = {
    Status.NEW: "new",
    Status.OPEN: "open",
    Status.PENDING: "stalled",
    Status.ON_HOLD: "stalled",
    Status.SOLVED: "resolved",
    Status.CLOSED: "rejected",
}

# The ticket fields a search asks for, and how nested objects are expanded.
TICKET_FIELDS = (
    "Subject,Status,Priority,Owner,Requestor,Queue,Created,LastUpdated,Due,Started,Resolved,"
    "EffectiveId,CustomFields"
)
USER_FIELDS = "id,Name,RealName,EmailAddress,Organization"
TICKET_EXPAND = {"Owner": USER_FIELDS, "Requestor": USER_FIELDS, "Queue": "id,Name,Description"}
TRANSACTION_FIELDS = "Type,ObjectId,ObjectType,Field,OldValue,NewValue,Created,Creator"


@dataclass(frozen=True)
class RTMapping:
    """The configurable part: priority thresholds and values, the tags custom field.

    `priority_thresholds`: the lowest RT number of normal, high and urgent (below the first:
    low). `priority_values`: the number sent to RT for each level.
    """

    priority_thresholds: tuple[int, int, int] = (25, 75, 95)
    priority_values: dict[str, int] = field(
        default_factory=lambda: {"low": 0, "normal": 50, "high": 80, "urgent": 100}
    )
    tags_field: str | None = None

    def __post_init__(self) -> None:
        normal, high, urgent = self.priority_thresholds
        if not normal <= high <= urgent:
            raise ValueError("priority thresholds must be ascending (normal <= high <= urgent)")
        for level in Priority:
            value = self.priority_values.get(level.value)
            if value is None:
                raise ValueError(f"priority_values lacks {level.value!r}")
            if self.priority_from_rt(value) is not level:
                raise ValueError(
                    f"priority value {value} for {level.value!r} maps back to "
                    f"{self.priority_from_rt(value).value!r}: check the thresholds"
                )

    def priority_from_rt(self, value: Any) -> Priority:
        number = _int(value) or 0
        normal, high, urgent = self.priority_thresholds
        if number >= urgent:
            return Priority.URGENT
        if number >= high:
            return Priority.HIGH
        if number >= normal:
            return Priority.NORMAL
        return Priority.LOW

    def priority_to_rt(self, priority: Priority | str) -> int:
        return self.priority_values[Priority(priority).value]

    def tags_from_rt(self, custom_fields: Any) -> list[str]:
        if not self.tags_field or not isinstance(custom_fields, list):
            return []
        for entry in custom_fields:
            if isinstance(entry, dict) and entry.get("name") == self.tags_field:
                return [str(v) for v in entry.get("values") or [] if str(v).strip()]
        return []


def status_from_rt(value: Any) -> Status | None:
    """The agentdesk status; None for `deleted` (the ticket leaves the cache)."""
    if value == DELETED:
        return None
    return STATUS_FROM_RT.get(str(value), Status.OPEN)  # custom lifecycles: treat as open


def status_to_rt(status: Status | str) -> str:
    return STATUS_TO_RT[Status(status)]


def rt_time(value: Any) -> datetime | None:
    """RT's timestamps are UTC ISO strings; 1970-01-01 means unset."""
    if not isinstance(value, str) or not value or value.startswith("1970-01-01"):
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None


def _iso(value: datetime | None) -> str | None:
    return None if value is None else to_iso(value)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def user_id(ref: Any) -> int | None:
    """The numeric id of an expanded user reference; None for Nobody or unexpanded refs."""
    if not isinstance(ref, dict):
        return None
    if ref.get("Name") == NOBODY or ref.get("id") == NOBODY:
        return None
    return _int(ref.get("id"))


def organisation_id(name: str) -> int:
    """A stable positive id for an organisation name (RT keeps only the text)."""
    digest = hashlib.sha256(name.strip().casefold().encode()).digest()
    return int.from_bytes(digest[:6], "big") or 1


def organisation_from_rt(name: str, version: int) -> dict[str, Any]:
    return {
        "id": organisation_id(name),
        "name": name.strip(),
        "domain": None,
        "tier": Tier.STANDARD.value,
        "notes": "",
        "version": version,
    }


def _email(user: dict[str, Any]) -> str:
    email = str(user.get("EmailAddress") or "").strip()
    if email:
        return email
    return f"{user.get('Name') or user.get('id')}@rt.invalid"  # unique, never mailed


def _name(user: dict[str, Any]) -> str:
    return str(user.get("RealName") or user.get("Name") or _email(user)).strip()


def customer_from_rt(user: dict[str, Any], version: int) -> dict[str, Any]:
    organisation = str(user.get("Organization") or "").strip()
    return {
        "id": int(user["id"]),
        "name": _name(user),
        "email": _email(user),
        "phone": None,
        "organisation_id": organisation_id(organisation) if organisation else None,
        "tier": Tier.STANDARD.value,
        "notes": "",
        "created_at": _iso(rt_time(user.get("Created"))) or "1970-01-01T00:00:00Z",
        "version": version,
    }


def agent_from_rt(user: dict[str, Any], version: int, *, superuser: bool = False) -> dict[str, Any]:
    return {
        "id": int(user["id"]),
        "name": _name(user),
        "email": _email(user),
        "role": (Role.ADMIN if superuser else Role.AGENT).value,
        "group_ids": [],
        "skills": [],
        "availability": "offline",
        "capacity": 20,
        "signature": "",
        "active": not user.get("Disabled"),
        "version": version,
    }


def group_from_rt(queue: dict[str, Any], version: int) -> dict[str, Any]:
    return {
        "id": int(queue["id"]),
        "name": str(queue.get("Name") or f"Queue {queue['id']}"),
        "description": str(queue.get("Description") or ""),
        "version": version,
    }


def requestors(item: dict[str, Any]) -> list[dict[str, Any]]:
    refs = item.get("Requestor")
    return [ref for ref in refs or [] if isinstance(ref, dict) and _int(ref.get("id"))]


def ticket_from_rt(
    item: dict[str, Any], mapping: RTMapping, version: int, fallback_customer: int
) -> dict[str, Any] | None:
    """The Ticket row of a search item (with TICKET_FIELDS/TICKET_EXPAND); None if deleted."""
    status = status_from_rt(item.get("Status"))
    if status is None:
        return None
    ticket_id = int(item["id"])
    people = requestors(item)
    created = rt_time(item.get("Created"))
    updated = rt_time(item.get("LastUpdated")) or created
    started = rt_time(item.get("Started"))
    resolved = rt_time(item.get("Resolved"))
    due = rt_time(item.get("Due"))
    queue = item.get("Queue")
    effective_ref = item.get("EffectiveId")
    effective = _int(effective_ref.get("id") if isinstance(effective_ref, dict) else effective_ref)
    return {
        "id": ticket_id,
        "subject": str(item.get("Subject") or "(no subject)"),
        "status": status.value,
        "priority": mapping.priority_from_rt(item.get("Priority")).value,
        "channel": Channel.EMAIL.value,
        "customer_id": int(people[0]["id"]) if people else fallback_customer,
        "assignee_id": user_id(item.get("Owner")),
        "group_id": _int(queue.get("id")) if isinstance(queue, dict) else None,
        "tags": mapping.tags_from_rt(item.get("CustomFields")),
        "sla_policy_id": None,
        "created_at": _iso(created) or "1970-01-01T00:00:00Z",
        "updated_at": _iso(updated) or "1970-01-01T00:00:00Z",
        "first_reply_at": _iso(started),
        "solved_at": _iso(resolved) if status.is_done else None,
        "first_reply_due": None,
        "resolution_due": _iso(due),
        "sla_due_at": _iso(next_due(status, started, None, due)),
        "merged_into_id": effective if effective and effective != ticket_id else None,
        "version": version,
    }


def message_id(transaction_id: int, content: str) -> tuple[str, str]:
    """(message id, body): the marker's UUID when agentdesk wrote it, else `rt-txn-N`."""
    body, uuid = marker.split(content)
    return (uuid or f"rt-txn-{transaction_id}"), body


def message_from_rt(
    transaction: dict[str, Any],
    content: str,
    *,
    requestor_id: int | None,
    author_is_agent: bool,
    version: int,
) -> dict[str, Any]:
    """A Message row from a Create/Correspond/Comment transaction and its text."""
    kind = transaction.get("Type")
    creator = transaction.get("Creator")
    creator_id = _int(creator.get("id")) if isinstance(creator, dict) else None
    transaction_id = int(transaction["id"])
    if kind == "Create":
        mid, body = f"rt-txn-{transaction_id}", content
        author_kind, author_id = AuthorKind.CUSTOMER, requestor_id
    else:
        mid, body = message_id(transaction_id, content)
        if creator_id == SYSTEM_USER_ID:
            author_kind, author_id = AuthorKind.SYSTEM, None
        elif author_is_agent:
            author_kind, author_id = AuthorKind.AGENT, creator_id
        else:
            author_kind, author_id = AuthorKind.CUSTOMER, creator_id
    return {
        "id": mid,
        "ticket_id": int(transaction["ObjectId"]),
        "public": kind != "Comment",
        "author_kind": author_kind.value,
        "author_id": author_id,
        "body": body,
        "channel": Channel.EMAIL.value,
        "created_at": _iso(rt_time(transaction.get("Created"))) or "1970-01-01T00:00:00Z",
        "version": version,
    }


def ticket_fields_to_rt(changes: dict[str, Any], mapping: RTMapping) -> dict[str, Any]:
    """agentdesk field values -> the body of `PUT /ticket/ID`."""
    body: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "status":
            body["Status"] = status_to_rt(value)
        elif name == "priority":
            body["Priority"] = mapping.priority_to_rt(value)
        elif name == "subject":
            body["Subject"] = value
        elif name == "group_id":
            body["Queue"] = value
        elif name == "assignee_id":
            body["Owner"] = NOBODY if value is None else value
        elif name == "tags":
            if not mapping.tags_field:
                raise ValueError("tags are not available: no tags custom field configured")
            body.setdefault("CustomFields", {})[mapping.tags_field] = list(value)
    return body
