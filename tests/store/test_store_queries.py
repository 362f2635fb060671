"""Queue reads: keyset paging in every order, positions, views, records."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import storekit as f
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentdesk.domain.enums import Priority, Status
from agentdesk.domain.timeutil import to_iso
from agentdesk.store import SORT_COLUMNS, Cache, StoreError, TicketRow, queries, sort_key

_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_STATUS_ORDER = [s.value for s in Status]


def expected_key(row: TicketRow, sort: str) -> tuple[Any, ...]:
    """The documented order, computed independently of the store's SQL."""
    if sort == "sla":
        return (row.sla_due_at is None, row.sla_due_at or 0, row.id)
    if sort == "priority":
        return (Priority(row.priority).rank, row.id)
    if sort == "status":
        return (_STATUS_ORDER.index(row.status), row.id)
    if sort == "channel":
        return (row.channel, row.id)
    if sort == "subject":
        return (row.subject.translate(_ASCII_FOLD), row.id)  # NOCASE folds ASCII only
    if sort == "customer":
        return (row.customer_name.translate(_ASCII_FOLD), row.id)
    if sort == "assignee":
        return (row.assignee_name.translate(_ASCII_FOLD), row.id)
    if sort == "updated":
        return (row.updated_at, row.id)
    if sort == "created":
        return (row.created_at, row.id)
    return (row.id,)


def walk_forward(cache: Cache, query: str | None, sort: str, size: int, desc: bool) -> list[int]:
    ids: list[int] = []
    key = None
    while True:
        rows = cache.page(query, sort, key, size, desc)
        ids += [r.id for r in rows]
        if len(rows) < size:
            return ids
        key = sort_key(rows[-1], sort)


def walk_backward(cache: Cache, query: str | None, sort: str, size: int, desc: bool) -> list[int]:
    ids: list[int] = []
    key = None
    while True:
        rows = cache.page_before(query, sort, key, size, desc)
        ids = [r.id for r in rows] + ids
        if len(rows) < size:
            return ids
        key = sort_key(rows[0], sort)


NAMES = ["ada", "Ada", "ADA", "bob", "Émile", "zoë", "Zed", "", "a b", "ab"]

ticket_specs = st.lists(
    st.fixed_dictionaries(
        {
            "subject": st.sampled_from(NAMES),
            "status": st.sampled_from(_STATUS_ORDER),
            "priority": st.sampled_from([p.value for p in Priority]),
            "channel": st.sampled_from(["email", "chat", "phone"]),
            "customer_id": st.integers(1, 4),
            "assignee_id": st.sampled_from([None, 1, 2, 3]),
            "group_id": st.sampled_from([None, 1, 2, 3]),
            "minutes": st.integers(0, 5),
            "tags": st.lists(st.sampled_from(["a", "b"]), max_size=2, unique=True),
        }
    ),
    max_size=40,
)


def build(cache: Cache, specs: list[dict[str, Any]]) -> None:
    changes = [
        *f.upserts("customer", [f.customer(i, NAMES[i * 2 % len(NAMES)]) for i in range(1, 5)]),
        *f.upserts("agent", [f.agent(1, "Zed"), f.agent(2, "ada"), f.agent(3, "Ada")]),
        *f.upserts("group", [f.group(1, "one"), f.group(2, "two"), f.group(3, "three")]),
    ]
    tickets = []
    for i, spec in enumerate(specs, start=1):
        row = f.ticket(
            i,
            subject=spec["subject"],
            status=spec["status"],
            priority=spec["priority"],
            channel=spec["channel"],
            customer_id=spec["customer_id"],
            assignee_id=spec["assignee_id"],
            group_id=spec["group_id"],
            tags=spec["tags"],
            created_minutes=spec["minutes"],  # many equal SLA and update times: ties
        )
        row["updated_at"] = to_iso(f.BASE_TIME + timedelta(minutes=spec["minutes"] % 3))
        tickets.append(row)
    cache.apply_changes([*changes, *f.upserts("ticket", tickets)], "c1")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=ticket_specs,
    size=st.integers(1, 7),
    query=st.sampled_from(
        [
            None,
            "status:new,open",
            "status:pending,solved",
            "tag:a",
            "-tag:b status:open",
            "-status:closed prio:low,high",
            "assignee:none,2",
            "assignee:none",
            "status:open",
            "prio:low",
            "channel:chat -status:new",
            "sla:breached",
            "sla:none",
            "status:pending",
            "assignee:none group:1,2 status:new,open,pending",
            "ada",
            "ada status:new,open",
        ]
    ),
    # Force each way of reading a page: planner plan, sort-index walk, walk over budget.
    strategy=st.sampled_from([(10**9, 10**9), (1, 10**9), (1, 0)]),
)
def test_keyset_paging_returns_every_row_once_in_order(
    specs: list[dict[str, Any]],
    size: int,
    query: str | None,
    strategy: tuple[int, int],
) -> None:
    saved = (queries.WALK_THRESHOLD, queries.WALK_THRESHOLD_COVERED, queries.WALK_BUDGET_STEPS)
    queries.WALK_THRESHOLD, queries.WALK_BUDGET_STEPS = strategy
    queries.WALK_THRESHOLD_COVERED = strategy[0]
    with tempfile.TemporaryDirectory() as folder:
        cache = Cache.open(Path(folder) / "c.sqlite3")
        try:
            build(cache, specs)
            everything = cache.page(query, "id", None, 10_000)
            assert len(everything) == cache.count(query)
            for sort in SORT_COLUMNS:
                ordered = sorted(everything, key=lambda r, s=sort: expected_key(r, s))
                expected = [r.id for r in ordered]
                for desc in (False, True):
                    want = expected[::-1] if desc else expected
                    assert walk_forward(cache, query, sort, size, desc) == want, (sort, desc)
                    assert walk_backward(cache, query, sort, size, desc) == want, (sort, desc)
                if expected:
                    middle = len(expected) // 2
                    assert cache.position(query, sort, expected[middle]) == middle
                    assert cache.nth(query, sort, middle).id == expected[middle]
                    assert cache.nth(query, sort, -1).id == expected[-1]
                    assert cache.nth(query, sort, len(expected)) is None
        finally:
            cache.close()
            (
                queries.WALK_THRESHOLD,
                queries.WALK_THRESHOLD_COVERED,
                queries.WALK_BUDGET_STEPS,
            ) = saved


def test_unknown_sort_is_a_clear_error(seeded: Cache) -> None:
    with pytest.raises(StoreError, match="unknown sort 'colour'"):
        seeded.page(None, "colour")


def test_position_of_a_ticket_outside_the_query(seeded: Cache) -> None:
    assert seeded.position("status:pending", "sla", 1) is None


def test_builtin_views_and_counts(seeded: Cache) -> None:
    counts = seeded.view_counts()
    assert counts["my-open"] == 1  # ticket 1
    assert counts["unassigned"] == 2  # 3 and 6 (Billing); 2 is in Tech, 5 is solved
    assert counts["pending"] == 1
    assert counts["all-open"] == 4
    assert counts["breaching"] == 4  # every open ticket of the seed is long overdue
    for view in seeded.views():
        assert seeded.count(view.query) == counts[view.id]


def test_view_counts_follow_changes(seeded: Cache) -> None:
    before = seeded.view_counts()["pending"]
    seeded.update_ticket(2, status="pending")
    assert seeded.view_counts()["pending"] == before + 1


def test_server_saved_views_are_listed_with_counts(seeded: Cache) -> None:
    saved = [
        {
            "id": "v1",
            "name": "Refunds",
            "query": "tag:refund",
            "sort": "-updated",
            "owner_id": None,
            "position": 1,
            "version": 1,
        },
        {
            "id": "v2",
            "name": "Someone else's",
            "query": "",
            "sort": "sla",
            "owner_id": 2,
            "position": 0,
            "version": 1,
        },
        {
            "id": "v3",
            "name": "Broken",
            "query": "bogus:field",
            "sort": "sla",
            "owner_id": 1,
            "position": 2,
            "version": 1,
        },
    ]
    seeded.apply_changes(f.upserts("saved_view", saved), "c2")
    views = {v.id: v for v in seeded.views()}
    assert "v2" not in views
    assert (views["v1"].sort, views["v1"].descending) == ("updated", True)
    counts = seeded.view_counts()
    assert counts["v1"] == 2
    assert counts["v3"] == 0
    assert seeded.view("Refunds").id == "v1"


def test_queue_row_shows_names_tags_and_sla(seeded: Cache) -> None:
    row = seeded.page("#4")[0]
    assert (row.subject, row.customer_name, row.assignee_name) == (
        "Broken widget",
        "Chloé Zhao",
        "Fox Mulder",
    )
    assert row.tags == ("hardware", "refund")
    assert row.sla_due_at is not None and row.sla_due_at.tzinfo is not None


def test_next_breach_is_the_soonest_deadline(seeded: Cache) -> None:
    assert seeded.next_breach().id == 2
    assert seeded.next_breach("group:billing").id == 1
    assert seeded.next_breach("status:pending") is None


def test_thread_is_ordered_with_author_names(seeded: Cache) -> None:
    thread = seeded.thread(1)
    assert [(m.id, m.author_name, m.author_kind) for m in thread] == [
        ("m1", "Ada Lovelace", "customer"),
        ("m4", "Dana Scully", "agent"),
    ]


def test_customer_history(seeded: Cache) -> None:
    seeded.apply_changes(
        f.upserts(
            "satisfaction_rating",
            [
                {
                    "id": 1,
                    "ticket_id": 1,
                    "customer_id": 1,
                    "score": 4,
                    "comment": "",
                    "created_at": to_iso(f.BASE_TIME),
                    "version": 1,
                },
                {
                    "id": 2,
                    "ticket_id": 3,
                    "customer_id": 1,
                    "score": 5,
                    "comment": "",
                    "created_at": to_iso(f.BASE_TIME),
                    "version": 1,
                },
            ],
        ),
        "c2",
    )
    history = seeded.customer_history(1)
    assert history.customer["email"] == "ada@acme.example"
    assert history.organisation is not None and history.organisation["name"] == "Acme Ltd"
    assert (history.total_tickets, history.open_tickets) == (2, 2)
    assert history.avg_satisfaction == 4.5
    assert [t.id for t in history.tickets] == [3, 1]  # newest first
    assert history.last_contact is not None
    with pytest.raises(StoreError):
        seeded.customer_history(99)


def test_people_and_me(seeded: Cache) -> None:
    assert [a["name"] for a in seeded.agents()] == ["Dana Scully", "Fox Mulder", "Walter Skinner"]
    assert [g["name"] for g in seeded.groups()] == ["Billing", "Tech"]
    assert seeded.me()["name"] == "Dana Scully"
    assert seeded.agent_by_email("FOX.MULDER@desk.test")["id"] == 2
