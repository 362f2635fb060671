"""Writing pulled pages: upserts, deletions, cursor, idempotence, bulk first sync."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import storekit as f

from agentdesk.domain.models import Ticket
from agentdesk.store import Cache
from agentdesk.store.apply import BULK_MIN_CHANGES
from agentdesk.store.schema import ENTITY_TABLES
from agentdesk.sync.backend import Change


def dump(cache: Cache) -> dict[str, list[tuple[Any, ...]]]:
    """Every synced and local table's rows, for whole-state comparisons."""
    tables = [info.table for info in ENTITY_TABLES.values()]
    tables += ["ticket_tags", "outbox", "conflicts", "shadow"]
    out = {}
    for table in tables:
        rows = cache.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
        out[table] = [tuple(r) for r in rows]
    return out


def test_same_page_twice_gives_the_same_state(seeded: Cache) -> None:
    page = [
        ("ticket", 2, "upsert", f.ticket(2, subject="Cannot log in (again)", version=5)),
        ("message", "m9", "upsert", f.message("m9", 2, "Still broken", author_id=2)),
        ("ticket", 5, "delete", None),
    ]
    seeded.apply_changes(page, cursor="c2")
    first = dump(seeded)
    seeded.apply_changes(page, cursor="c2")
    assert dump(seeded) == first
    assert seeded.ticket(5) is None
    assert seeded.ticket(2)["subject"] == "Cannot log in (again)"
    assert [m.body for m in seeded.thread(2)][-1] == "Still broken"
    assert seeded.cursor == "c2"


def test_change_objects_of_the_sync_layer_are_accepted(cache: Cache) -> None:
    row = Ticket.model_validate(f.ticket(1)).model_dump(mode="json")  # the wire shape
    stats = cache.apply_changes([Change("ticket", 1, "upsert", row, 1)], "c1")
    assert stats.upserted == 1
    assert cache.ticket(1)["status"] == "open"


def test_timestamps_are_stored_in_one_sortable_form(cache: Cache) -> None:
    rows = [f.ticket(1), f.ticket(2), f.ticket(3)]
    rows[0]["updated_at"] = "2026-11-01T10:00:00Z"
    rows[1]["updated_at"] = "2026-11-01T10:00:00.500000Z"
    rows[2]["updated_at"] = "2026-11-01T11:00:00+01:00"  # 10:00 UTC, another offset
    cache.apply_changes(f.upserts("ticket", rows), "c1")
    stored = cache.conn.execute("SELECT id, updated_at FROM tickets ORDER BY updated_at, id")
    assert [tuple(r) for r in stored] == [
        (1, "2026-11-01T10:00:00.000000Z"),
        (3, "2026-11-01T10:00:00.000000Z"),
        (2, "2026-11-01T10:00:00.500000Z"),
    ]


def test_untrusted_text_is_stored_byte_exact(cache: Cache) -> None:
    hostile = [
        "[bold red]x[/]",
        "[link=http://evil]y[/link] [@click=app.quit]q[/]",
        "\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b]0;title\x07",
        "right\u202eto-left zero\u200bwidth \x00 nul \r\n\t",
        "😀 ' \" ; DROP TABLE tickets; --",
        "x" * 1_000_000,
    ]
    cache.apply_changes(
        [
            *f.upserts("customer", [f.customer(1, name=hostile[0], email=hostile[2])]),
            *f.upserts("ticket", [f.ticket(1, subject=hostile[1], tags=[hostile[3]])]),
            *f.upserts("message", [f.message(f"m{i}", 1, body) for i, body in enumerate(hostile)]),
        ],
        "c1",
    )
    assert [m.body for m in cache.thread(1)] == hostile
    ticket = cache.ticket(1)
    assert ticket["subject"] == hostile[1]
    assert ticket["tags"] == [hostile[3]]
    assert cache.customer(1)["name"] == hostile[0]
    assert cache.customer(1)["email"] == hostile[2]
    assert cache.page()[0].customer_name == hostile[0]


def test_names_follow_renames_of_customers_and_agents(seeded: Cache) -> None:
    seeded.apply_changes(
        [
            ("customer", 1, "upsert", f.customer(1, "Ada King", "ada@acme.example", 1)),
            ("agent", 1, "upsert", f.agent(1, "Dana Katherine Scully", [1])),
        ],
        "c2",
    )
    row = next(r for r in seeded.page() if r.id == 1)
    assert (row.customer_name, row.assignee_name) == ("Ada King", "Dana Katherine Scully")
    assert seeded.search("customer:king")[0].id == 1


def test_tickets_arriving_before_their_customer_get_the_name(cache: Cache) -> None:
    cache.apply_changes(f.upserts("ticket", [f.ticket(1, customer_id=9)]), "c1")
    assert cache.page()[0].customer_name == ""
    cache.apply_changes(f.upserts("customer", [f.customer(9, "Late Larry")]), "c2")
    assert cache.page()[0].customer_name == "Late Larry"


def test_unknown_entities_are_skipped(cache: Cache) -> None:
    stats = cache.apply_changes([("hologram", 1, "upsert", {"id": 1})], "c1")
    assert (stats.skipped, stats.upserted) == (1, 0)
    assert cache.cursor == "c1"


def test_large_first_sync_runs_in_bulk_and_ends_indexed(cache: Cache) -> None:
    n = BULK_MIN_CHANGES + 100
    customers = f.upserts("customer", [f.customer(i, f"Person {i}") for i in range(1, 11)])
    tickets = [
        f.ticket(i, subject=f"Order {i} lost", customer_id=i % 10 + 1, tags=[f"t{i % 3}"])
        for i in range(1, n + 1)
    ]
    messages = [f.message(f"m{i}", i, f"parcel number p{i} never came") for i in range(1, n + 1)]
    cache.apply_changes(
        [*f.upserts("ticket", tickets), *f.upserts("message", messages)], "c1", has_more=True
    )
    assert cache.bulk_loading
    # The queue still reads (without its indexes) while the first sync goes on.
    assert cache.count("status:new,open") == n
    assert cache.position("-status:closed", "subject", 7) is not None
    assert len(cache.page("prio:normal status:open", "customer", None, 10)) == 10
    assert cache.nth(None, "sla", 3) is not None
    cache.apply_changes(customers, "c2", has_more=False)
    assert not cache.bulk_loading
    listed = cache.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
    indexes = {r[0] for r in listed}
    assert "tickets_sort_sla" in indexes
    assert [r.id for r in cache.search('"p17"')] == [17]
    assert cache.count("tag:t1") == len([i for i in range(1, n + 1) if i % 3 == 1])
    assert cache.search("customer:person")[0].customer_name.startswith("Person")
    # Triggers are back: later pulls keep search in step.
    cache.apply_changes([("ticket", 17, "upsert", f.ticket(17, subject="Renamed zebra"))], "c3")
    assert [r.id for r in cache.search("zebra")] == [17]
    assert cache.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_interrupted_bulk_load_is_finished_on_open(cache_path: Path) -> None:
    with Cache.open(cache_path) as cache:
        rows = [f.ticket(i, subject=f"Lost {i}") for i in range(1, BULK_MIN_CHANGES + 10)]
        cache.apply_changes(f.upserts("ticket", rows), "c1", has_more=True)
        assert cache.bulk_loading
    with Cache.open(cache_path) as cache:  # the sync was killed; next start repairs
        assert not cache.bulk_loading
        assert [r.id for r in cache.search('"lost" "5"')] == [5]


def test_reset_keeps_outbox_and_unsent_messages(seeded: Cache) -> None:
    seeded.update_ticket(2, status="pending")
    message_id = seeded.add_message(2, "an unsent reply")
    seeded.reset_synced_data()
    assert seeded.cursor is None
    assert seeded.ticket(2) is None
    assert [m.id for m in seeded.thread(2)] == [message_id]
    assert len(seeded.pending_mutations()) == 2
    # The re-bootstrap brings the ticket back; the pending change is replayed on it.
    seeded.apply_changes(f.upserts("ticket", [f.ticket(2, subject="Back")]), "c1")
    ticket = seeded.ticket(2)
    assert (ticket["status"], ticket["subject"], ticket["pending"]) == ("pending", "Back", True)


def test_rebootstrap_in_bulk_keeps_and_replays_pending_writes(seeded: Cache) -> None:
    seeded.tag_ticket(2, add=["vip"])
    message_id = seeded.add_message(2, "queued while the cursor expired: kiwifruit")
    seeded.reset_synced_data()
    tickets = [f.ticket(i, subject=f"Again {i}") for i in range(1, BULK_MIN_CHANGES + 50)]
    seeded.apply_changes(f.upserts("ticket", tickets[:BULK_MIN_CHANGES]), "c1", has_more=True)
    assert seeded.bulk_loading
    rest = tickets[BULK_MIN_CHANGES:]
    seeded.apply_changes(f.upserts("ticket", rest), "c2", has_more=False)
    assert not seeded.bulk_loading
    assert seeded.ticket(2)["tags"] == ["vip"]
    assert seeded.ticket(2)["pending"] is True
    assert [r.id for r in seeded.search("tag:vip")] == [2]
    assert [r.id for r in seeded.search("kiwifruit")] == [2]
    assert [m.id for m in seeded.thread(2)] == [message_id]
    assert seeded.pending_count() == 2


def test_reset_keeps_a_local_library_when_asked(seeded: Cache) -> None:
    from agentdesk.store.macros import create_canned

    canned_id, _ = create_canned(seeded, title="Local only", body="Hello")
    seeded.reset_synced_data(keep={"canned_response"})
    assert [c["id"] for c in seeded.canned_responses()] == [canned_id]
    assert seeded.ticket(2) is None
    seeded.reset_synced_data()
    assert seeded.canned_responses() == []
