"""`ticket.merge` end to end: a real server (in-process ASGI), real caches, the sync engine."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from synckit import SERVER_URL, World, build_world, file_ticket


async def same_customer_tickets(world: World, count: int) -> list[int]:
    """`count` more tickets from the customer of the world's first ticket (c0)."""
    async with httpx.AsyncClient(transport=world.transport(), base_url=SERVER_URL) as http:
        return [
            await file_ticket(http, world.people["ada"].token, 0, subject=f"Duplicate {n}")
            for n in range(count)
        ]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str | None:
    """None: the world's SQLite file; else a fresh PostgreSQL database."""
    return None if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))


async def test_offline_merge_keeps_every_message_once(tmp_path: Path, db_url: str | None) -> None:
    world = await build_world(tmp_path, db_url, tickets=2)
    target = world.ticket_ids[0]
    sources = await same_customer_tickets(world, 2)
    alice, bob = world.client("alice"), world.client("bob")
    await alice.sync()
    await bob.sync()
    customer_id = alice.cache.ticket(target)["customer_id"]
    assert alice.cache.customer_history(customer_id).total_tickets == 3

    # alice merges while offline (queued only); bob meanwhile adds a note to a source
    alice.cache.record_mutation("ticket.merge", {"source_ids": sources, "target_id": target})
    assert alice.cache.pending_count() == 1
    bob.cache.add_message(sources[0], "Bob's note on the duplicate", public=False)
    await bob.sync()

    report = await alice.sync()  # back online: pushed, applied, pulled
    assert [r.outcome for r in report.results] == ["applied"]
    await alice.sync()

    for source in sources:
        server_row = world.server_ticket(source)
        assert server_row["merged_into_id"] == target
        assert server_row["status"] == "closed"
        notes = [m["body"] for m in world.server_messages(source)]
        assert any(f"Merged into #{target}" in body for body in notes)
        assert alice.cache.ticket(source)["merged_into_id"] == target

    expected = {
        m["id"]: m["ticket_id"]
        for ticket_id in (target, *sources)
        for m in world.server_messages(ticket_id)
    }
    thread = alice.cache.thread(target)
    assert sorted(m.id for m in thread) == sorted(expected)  # every message, exactly once
    assert {m.id: m.ticket_id for m in thread} == expected  # each with its origin
    assert "Bob's note on the duplicate" in [m.body for m in thread]
    merged_notes = [m.body for m in thread if m.ticket_id == target and m.author_kind == "system"]
    assert sorted(merged_notes) == sorted(
        f"Merged #{s} “Duplicate {n}” into this ticket" for n, s in enumerate(sources)
    )
    # the customer pane counts the merged tickets once (as the target)
    history = alice.cache.customer_history(customer_id)
    assert history.total_tickets == 1
    assert [row.id for row in history.tickets] == [target]

    # merging again is a no-op (idempotent), nothing is duplicated
    alice.cache.record_mutation("ticket.merge", {"source_ids": sources, "target_id": target})
    report = await alice.sync()
    assert [r.outcome for r in report.results] == ["applied"]
    await alice.sync()
    assert len(alice.cache.thread(target)) == len(expected)
    await alice.close()
    await bob.close()


async def test_different_customers_need_a_lead_and_force(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=3)
    target, other, third = world.ticket_ids
    alice, lee = world.client("alice"), world.client("lee")
    await alice.sync()
    await lee.sync()

    alice.cache.record_mutation("ticket.merge", {"source_ids": [other], "target_id": target})
    alice.cache.record_mutation(
        "ticket.merge", {"source_ids": [other], "target_id": target, "force": True}
    )
    alice.cache.record_mutation("ticket.merge", {"source_ids": [target], "target_id": target})
    report = await alice.sync()
    reasons = [(r.outcome, r.reason) for r in report.results]
    assert reasons == [
        ("rejected", f"ticket {other} belongs to another customer than {target} "
         "(a lead may force the merge)"),
        ("rejected", "only a lead may merge tickets of different customers"),
        ("rejected", f"ticket {target} cannot be merged into itself"),
    ]  # fmt: skip
    assert world.server_ticket(other)["merged_into_id"] is None

    lee.cache.record_mutation(
        "ticket.merge", {"source_ids": [other], "target_id": target, "force": True}
    )
    assert [r.outcome for r in (await lee.sync()).results] == ["applied"]
    assert world.server_ticket(other)["merged_into_id"] == target

    # a merged ticket is no target, and a source merged elsewhere cannot move again
    lee.cache.record_mutation(
        "ticket.merge", {"source_ids": [third], "target_id": other, "force": True}
    )
    lee.cache.record_mutation(
        "ticket.merge", {"source_ids": [other], "target_id": third, "force": True}
    )
    reasons = [(r.outcome, r.reason) for r in (await lee.sync()).results]
    assert reasons == [
        ("rejected", f"ticket {other} was merged into {target}: merge into that"),
        ("rejected", f"ticket {other} was already merged into {target}"),
    ]
    await alice.close()
    await lee.close()
