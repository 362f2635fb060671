"""Undo of recorded actions against a real server (in-process ASGI) and real caches."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from agentdesk.domain.timeutil import utcnow
from agentdesk.store import StoreError, undo
from synckit import build_world


async def test_undo_a_50_ticket_bulk_assign(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=50)
    alice, lee = world.client("alice"), world.client("lee")
    await alice.sync()
    await lee.sync()
    ids = world.ticket_ids
    alice_id, bob_id = world.people["alice"].id, world.people["bob"].id

    before, floor = undo.snapshot(alice.cache, ids), undo.outbox_floor(alice.cache)
    for ticket_id in ids:
        alice.cache.assign_ticket(ticket_id, alice_id)
    action_id = undo.record_action(alice.cache, "Assign → Alice", before, floor)
    assert action_id is not None
    await alice.sync()
    assert {world.server_ticket(t)["assignee_id"] for t in ids} == {alice_id}
    [recorded] = undo.actions(alice.cache)
    assert (recorded.state, recorded.undoable, recorded.ticket_count) == ("synced", True, 50)

    # meanwhile the lead gives one of them to bob: undo must not overwrite that
    await lee.sync()
    lee.cache.assign_ticket(ids[0], bob_id)
    assert [r.outcome for r in (await lee.sync()).results] == ["applied"]
    await alice.sync()

    undone = undo.undo(alice.cache)
    assert undone.id == action_id
    report = await alice.sync()
    outcomes = [r.outcome for r in report.results]
    assert outcomes.count("applied") == 49 and outcomes.count("conflict") == 1
    assert world.server_ticket(ids[0])["assignee_id"] == bob_id
    assert {world.server_ticket(t)["assignee_id"] for t in ids[1:]} == {None}
    await alice.sync()
    assert [alice.cache.ticket(t)["assignee_id"] for t in ids[1:]] == [None] * 49

    history = undo.actions(alice.cache)
    assert [a.label for a in history] == ["Undo: Assign → Alice", "Assign → Alice"]
    assert history[1].state == "undone" and not history[1].undoable
    assert history[0].undo_of == action_id
    await alice.close()
    await lee.close()


async def test_undo_while_pending_and_the_ten_minute_window(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=2)
    alice = world.client("alice")
    await alice.sync()
    ticket_id = world.ticket_ids[0]
    status = alice.cache.ticket(ticket_id)["status"]

    before, floor = undo.snapshot(alice.cache, [ticket_id]), undo.outbox_floor(alice.cache)
    alice.cache.update_ticket(ticket_id, status="pending")
    alice.cache.tag_ticket(ticket_id, add=["vip"])
    undo.record_action(alice.cache, "Status → pending, +vip", before, floor)
    assert undo.actions(alice.cache)[0].state == "pending"
    undo.undo(alice.cache)  # before anything was sent
    await alice.sync()
    await alice.sync()
    server = world.server_ticket(ticket_id)
    assert (server["status"], server["tags"]) == (status, [])

    # a synced action is undoable for 10 minutes after it settled, not later
    before, floor = undo.snapshot(alice.cache, [ticket_id]), undo.outbox_floor(alice.cache)
    alice.cache.update_ticket(ticket_id, priority="urgent")
    undo.record_action(alice.cache, "Priority → urgent", before, floor)
    await alice.sync()
    assert undo.actions(alice.cache)[0].undoable
    later = utcnow() + timedelta(minutes=11)
    assert not undo.actions(alice.cache, now=later)[0].undoable
    with pytest.raises(StoreError, match="nothing to undo"):
        undo.undo(alice.cache, now=later)
    assert (
        undo.record_action(alice.cache, "nothing", before | {}, undo.outbox_floor(alice.cache))
        is None
    )
    await alice.close()
