"""A small, realistic desk written straight into a cache through the store API (no server).

Forty tickets over four customers and three agents, messages with replies and internal
notes, and the hostile corpus of shared/README.md §6 in subjects, bodies and names. Times
are fixed around `NOW`, so SLA text is stable in snapshots.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from agentdesk.domain.sla import due_times, next_due
from agentdesk.domain.timeutil import to_iso
from agentdesk.store import Cache

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ME = 1

HOSTILE_SUBJECTS = [
    "[bold red]x[/] markup in a subject",
    "[link=http://evil]y[/link] click me",
    "clipboard \x1b]52;c;ZXZpbA==\x07 steal",
    "clear \x1b[2J screen",
    "title \x1b]0;title\x07 change",
    "rtl \u202egnp.exe override",
    "zero\u200bwidth\u2060join",
    "[@click=app.quit]quit[/] action",
]

SUBJECTS = [
    "Refund for order 1234 not received",
    "Cannot log in after password reset",
    "Invoice copy for October",
    "App crashes when uploading photos",
    "Change delivery address",
    "Charged twice this month",
    "How do I export my data?",
    "Account locked after too many attempts",
    "Discount code not applied",
    "Package arrived damaged",
    "Subscription renewal question",
    "Two-factor codes never arrive",
    "Wrong size shipped",
    "Cancel my plan please",
    "Where is my order?",
    "Feature request: dark mode",
]

STATUSES = ["new", "open", "open", "pending", "open", "new", "on-hold", "solved"]
PRIORITIES = ["urgent", "high", "normal", "normal", "low", "high", "normal", "urgent"]
CHANNELS = ["email", "chat", "phone", "web", "social"]


def _ticket(
    ticket_id: int,
    subject: str,
    *,
    status: str,
    priority: str,
    channel: str,
    customer_id: int,
    assignee_id: int | None,
    group_id: int,
    created: datetime,
    tags: list[str],
) -> dict[str, Any]:
    due = due_times(created, priority)
    sla = next_due(status, None, due.first_reply_due, due.resolution_due)
    return {
        "id": ticket_id,
        "subject": subject,
        "status": status,
        "priority": priority,
        "channel": channel,
        "customer_id": customer_id,
        "assignee_id": assignee_id,
        "group_id": group_id,
        "tags": tags,
        "sla_policy_id": None,
        "created_at": to_iso(created),
        "updated_at": to_iso(created + timedelta(minutes=5)),
        "first_reply_at": None,
        "solved_at": None,
        "first_reply_due": to_iso(due.first_reply_due) if due.first_reply_due else None,
        "resolution_due": to_iso(due.resolution_due) if due.resolution_due else None,
        "sla_due_at": to_iso(sla) if sla else None,
        "merged_into_id": None,
        "version": ticket_id,
    }


def _message(
    message_id: str,
    ticket_id: int,
    body: str,
    *,
    author_kind: str,
    author_id: int,
    public: bool,
    channel: str,
    created: datetime,
) -> dict[str, Any]:
    return {
        "id": message_id,
        "ticket_id": ticket_id,
        "public": public,
        "author_kind": author_kind,
        "author_id": author_id,
        "body": body,
        "channel": channel,
        "created_at": to_iso(created),
        "version": 1,
    }


def desk_changes(tickets: int = 40) -> list[tuple[str, Any, str, dict[str, Any]]]:
    """The rows of the desk as pulled changes (entity, id, op, data)."""
    rows: list[tuple[str, Any, str, dict[str, Any]]] = []

    def add(entity: str, data: dict[str, Any]) -> None:
        rows.append((entity, data["id"], "upsert", data))

    add(
        "organisation",
        {
            "id": 1,
            "name": "Acme Ltd",
            "domain": "acme.example",
            "tier": "premium",
            "notes": "",
            "version": 1,
        },
    )
    customers = [
        (1, "Ada Lovelace", "ada@acme.example", 1, "Prefers email. VIP since 2021."),
        (2, "Bob Builder", "bob@builders.example", None, ""),
        (3, "Chloé Zhao", "chloe@films.example", None, "Calls often; be patient."),
        (
            4,
            "[red]Mallory[/] \x1b[31mEvil\u202e",
            "mallory@evil.example",
            None,
            "[link=http://evil]notes[/link] \x1b]52;c;ZXZpbA==\x07",
        ),
    ]
    for cid, name, email, org, notes in customers:
        add(
            "customer",
            {
                "id": cid,
                "name": name,
                "email": email,
                "phone": "+44 20 7946 0000",
                "organisation_id": org,
                "tier": "premium" if org else "standard",
                "notes": notes,
                "created_at": to_iso(datetime(2024, 3, 1, tzinfo=UTC)),
                "version": 1,
            },
        )
    add("group", {"id": 1, "name": "Billing", "description": "", "version": 1})
    add("group", {"id": 2, "name": "Tech", "description": "", "version": 1})
    agents = [
        (1, "Dana Scully", [1, 2], "lead"),  # leads may assign to others
        (2, "Fox Mulder", [2], "agent"),
        (3, "Walter Skinner", [1, 2], "lead"),
    ]
    for aid, name, groups, role in agents:
        add(
            "agent",
            {
                "id": aid,
                "name": name,
                "email": f"{name.split()[0].lower()}@desk.test",
                "role": role,
                "group_ids": groups,
                "skills": [],
                "availability": "available",
                "capacity": 20,
                "signature": "",
                "active": True,
                "version": 1,
            },
        )
    for number in range(1, tickets + 1):
        if number <= len(HOSTILE_SUBJECTS):
            subject = HOSTILE_SUBJECTS[number - 1]
            customer_id = 4
        else:
            subject = SUBJECTS[number % len(SUBJECTS)]
            customer_id = 1 + number % 3
        # Spread creation so SLA states vary: some breached, some at risk, most fine.
        created = NOW - timedelta(minutes=37 * number % 2900)
        status = STATUSES[number % len(STATUSES)]
        priority = PRIORITIES[number % len(PRIORITIES)]
        assignee = [ME, None, 2, ME, 3][number % 5]
        add(
            "ticket",
            _ticket(
                number,
                subject,
                status=status,
                priority=priority,
                channel=CHANNELS[number % len(CHANNELS)],
                customer_id=customer_id,
                assignee_id=assignee,
                group_id=1 + number % 2,
                created=created,
                tags=["refund"] if "Refund" in subject else [],
            ),
        )
        add(
            "message",
            _message(
                f"m{number:04d}-1",
                number,
                f"Hello,\n\n{subject}.\nCan you help?\n\nThanks",
                author_kind="customer",
                author_id=customer_id,
                public=True,
                channel=CHANNELS[number % len(CHANNELS)],
                created=created,
            ),
        )
        if number % 3 == 0:
            add(
                "message",
                _message(
                    f"m{number:04d}-2",
                    number,
                    "Checked the billing system: payment captured twice.",
                    author_kind="agent",
                    author_id=2,
                    public=False,
                    channel="web",
                    created=created + timedelta(minutes=3),
                ),
            )
            add(
                "message",
                _message(
                    f"m{number:04d}-3",
                    number,
                    "Hi! We have refunded the duplicate charge.",
                    author_kind="agent",
                    author_id=2,
                    public=True,
                    channel="email",
                    created=created + timedelta(minutes=4),
                ),
            )
    hostile_body = "\n".join(HOSTILE_SUBJECTS) + "\n" + "x" * 200
    add(
        "message",
        _message(
            "m-hostile",
            1,
            hostile_body,
            author_kind="customer",
            author_id=4,
            public=True,
            channel="email",
            created=NOW - timedelta(minutes=1),
        ),
    )
    add(
        "saved_view",
        {
            "id": "sv-refunds",
            "name": "Refunds (shared)",
            "query": "tag:refund",
            "sort": "sla",
            "owner_id": None,
            "position": 1,
            "version": 1,
        },
    )
    return rows


def build_desk(path: Path, tickets: int = 40) -> Cache:
    """A cache file at `path` holding the desk, with agent 1 (Dana) as me."""
    cache = Cache.open(path)
    cache.set_agent_id(ME)
    cache.apply_changes(desk_changes(tickets), "cursor-1")
    return cache
