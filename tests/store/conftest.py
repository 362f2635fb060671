from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import storekit as f

from agentdesk.store import Cache


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    return tmp_path / "profiles" / "test.sqlite3"


@pytest.fixture
def cache(cache_path: Path) -> Iterator[Cache]:
    opened = Cache.open(cache_path)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def seeded(cache: Cache) -> Cache:
    """A small desk: 2 groups, 3 agents (me = 1), 3 customers, 6 tickets with messages."""
    changes = [
        *f.upserts("organisation", [f.organisation(1, "Acme Ltd")]),
        *f.upserts(
            "customer",
            [
                f.customer(1, "Ada Lovelace", "ada@acme.example", organisation_id=1),
                f.customer(2, "Bob Builder", "bob@builders.example"),
                f.customer(3, "Chloé Zhao", "chloe@films.example"),
            ],
        ),
        *f.upserts("group", [f.group(1, "Billing"), f.group(2, "Tech")]),
        *f.upserts(
            "agent",
            [
                f.agent(1, "Dana Scully", [1]),
                f.agent(2, "Fox Mulder", [2]),
                f.agent(3, "Walter Skinner", [1, 2], role="lead"),
            ],
        ),
        *f.upserts(
            "ticket",
            [
                f.ticket(
                    1,
                    subject="Refund for order 1234",
                    customer_id=1,
                    assignee_id=1,
                    group_id=1,
                    tags=["refund"],
                    priority="high",
                ),
                f.ticket(
                    2,
                    subject="Cannot log in",
                    customer_id=2,
                    group_id=2,
                    channel="chat",
                    priority="urgent",
                    created_minutes=10,
                ),
                f.ticket(
                    3,
                    subject="Invoice copy",
                    customer_id=1,
                    group_id=1,
                    status="pending",
                    created_minutes=20,
                ),
                f.ticket(
                    4,
                    subject="Broken widget",
                    customer_id=3,
                    assignee_id=2,
                    group_id=2,
                    tags=["hardware", "refund"],
                    created_minutes=30,
                ),
                f.ticket(
                    5,
                    subject="Thanks!",
                    customer_id=2,
                    group_id=1,
                    status="solved",
                    priority="low",
                    created_minutes=40,
                ),
                f.ticket(
                    6,
                    subject="Unassigned billing question",
                    customer_id=3,
                    group_id=1,
                    status="new",
                    created_minutes=50,
                ),
            ],
        ),
        *f.upserts(
            "message",
            [
                f.message("m1", 1, "Please refund my order, the parcel never arrived."),
                f.message("m2", 2, "The login page says my password expired.", author_id=2),
                f.message("m3", 4, "The widget makes a grinding noise.", author_id=3),
                f.message(
                    "m4",
                    1,
                    "We are looking into it.",
                    author_kind="agent",
                    author_id=1,
                    created_minutes=5,
                ),
            ],
        ),
    ]
    cache.apply_changes(changes, cursor="c1", last_mutation_id=None)
    cache.set_agent_id(1)
    return cache
