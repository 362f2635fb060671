"""Undo of a merge (`ticket.unmerge`) and of a canned response's reply, against a real server
(in-process ASGI) and real caches."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from agentdesk.store import StoreError, undo
from agentdesk.store.macros import apply_macro
from agentdesk.store.merge import queue_merge, queue_unmerge
from agentdesk.sync.backend import TransientError
from synckit import SERVER_URL, Client, Fault, World, build_world, file_ticket


async def duplicates(world: World, count: int) -> list[int]:
    """`count` more tickets from the customer of the world's first ticket."""
    async with httpx.AsyncClient(transport=world.transport(), base_url=SERVER_URL) as http:
        return [
            await file_ticket(http, world.people["ada"].token, 0, subject=f"Duplicate {n}")
            for n in range(count)
        ]


def merge_recorded(client: Client, sources: list[int], target: int) -> int:
    cache = client.cache
    before, floor = undo.snapshot(cache, [*sources, target]), undo.outbox_floor(cache)
    queue_merge(cache, sources, target)
    action_id = undo.record_action(cache, f"Merge into #{target}", before, floor)
    assert action_id is not None
    return action_id


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str | None:
    return None if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))


async def test_undo_of_a_merge_restores_every_source(tmp_path: Path, db_url: str | None) -> None:
    world = await build_world(tmp_path, db_url, tickets=1)
    target = world.ticket_ids[0]
    sources = await duplicates(world, 2)
    alice = world.client("alice")
    await alice.sync()
    alice.cache.update_ticket(sources[0], status="pending")  # statuses to get back
    await alice.sync()
    customer_id = alice.cache.ticket(target)["customer_id"]
    own_messages = {s: {m["id"] for m in world.server_messages(s)} for s in sources}

    action_id = merge_recorded(alice, sources, target)
    await alice.sync()
    await alice.sync()
    assert {world.server_ticket(s)["merged_into_id"] for s in sources} == {target}
    assert alice.cache.customer_history(customer_id).total_tickets == 1
    [merge] = undo.actions(alice.cache)[:1]
    assert (merge.id, merge.state, merge.undoable) == (action_id, "synced", True)

    undone = undo.undo(alice.cache)
    assert (undone.id, undone.kept) == (action_id, ())
    report = await alice.sync()
    assert [r.outcome for r in report.results] == ["applied", "applied"]
    await alice.sync()

    restored = {s: world.server_ticket(s) for s in sources}
    assert [restored[s]["merged_into_id"] for s in sources] == [None, None]
    assert [restored[s]["status"] for s in sources] == ["pending", "new"]
    for source in sources:  # each keeps its own messages, plus the two notes
        bodies = [m["body"] for m in world.server_messages(source)]
        assert bodies[-2].startswith(f"Merged into #{target} “")
        assert bodies[-1].startswith(f"Unmerged from #{target} “")
        assert own_messages[source] <= {m["id"] for m in world.server_messages(source)}
        assert alice.cache.ticket(source)["merged_into_id"] is None
    thread = alice.cache.thread(target)
    assert {m.ticket_id for m in thread} == {target}  # the sources' messages went home
    assert sum("Unmerged #" in m.body for m in thread) == 2
    assert alice.cache.customer_history(customer_id).total_tickets == 3

    # the undo is an action too: undoing it merges them again
    [redo, original] = undo.actions(alice.cache)[:2]
    assert (redo.undo_of, original.state) == (action_id, "undone")
    undo.undo(alice.cache)
    assert [r.outcome for r in (await alice.sync()).results] == ["applied", "applied"]
    assert {world.server_ticket(s)["merged_into_id"] for s in sources} == {target}
    await alice.close()


async def test_undo_of_a_merge_changed_since_is_a_conflict(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=1)
    target = world.ticket_ids[0]
    reopened, moved, other_target = await duplicates(world, 3)
    alice, lee = world.client("alice"), world.client("lee")
    await alice.sync()
    merge_recorded(alice, [reopened, moved], target)
    await alice.sync()
    await alice.sync()

    # the lead reopens one source and moves the other into another ticket
    await lee.sync()
    lee.cache.update_ticket(reopened, status="open")
    queue_unmerge(lee.cache, [moved], target, status="new")
    await lee.sync()
    queue_merge(lee.cache, [moved], other_target)
    assert {r.outcome for r in (await lee.sync()).results} == {"applied"}
    await alice.sync()

    undo.undo(alice.cache)
    report = await alice.sync()
    assert [r.outcome for r in report.results] == ["conflict", "conflict"]
    await alice.sync()
    assert world.server_ticket(reopened)["merged_into_id"] is None  # taken out, as asked
    assert world.server_ticket(reopened)["status"] == "open"  # the lead's status stays
    assert world.server_ticket(moved)["merged_into_id"] == other_target  # not moved back
    conflicts = {(c.ticket_id, c.field): (c.mine, c.theirs) for c in alice.cache.conflicts()}
    assert conflicts == {
        (reopened, "status"): ("new", "open"),
        (moved, "merged_into_id"): (None, other_target),
    }
    history = undo.actions(alice.cache)
    assert history[0].state == "conflict"

    # keeping "mine" for the moved one takes it out of the other ticket
    [moved_conflict] = [c for c in alice.cache.conflicts() if c.field == "merged_into_id"]
    alice.cache.resolve_conflict(moved_conflict.id, "mine")
    assert [r.outcome for r in (await alice.sync()).results] == ["applied"]
    assert world.server_ticket(moved)["merged_into_id"] is None
    await alice.close()
    await lee.close()


async def test_unmerge_is_idempotent_and_refused_for_a_ticket_not_merged(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=1)
    target = world.ticket_ids[0]
    [source] = await duplicates(world, 1)
    alice = world.client("alice")
    await alice.sync()
    with pytest.raises(StoreError, match=f"#{source} is not merged into #{target}"):
        queue_unmerge(alice.cache, [source], target)
    queue_merge(alice.cache, [source], target)
    await alice.sync()
    await alice.sync()
    queue_unmerge(alice.cache, [source], target)
    alice.cache.record_mutation("ticket.unmerge", {"ticket_id": source, "target_id": target})
    assert [r.outcome for r in (await alice.sync()).results] == ["applied", "applied"]
    unmerged = [m for m in world.server_messages(source) if "Unmerged from" in m["body"]]
    assert len(unmerged) == 1  # the repeat changed nothing
    assert world.server_ticket(source)["status"] == "open"
    await alice.close()


# A response with field actions, not in the shared library (its use is not counted).
SOLVED = {
    "id": "no-such-canned-response",
    "title": "Solved, thanks",
    "actions": {"status": "solved", "add_tags": ["thanked"]},
}


def send_solved(client: Client, ticket_id: int) -> None:
    """Queue SOLVED with its reply on the ticket, recorded as one undoable action."""
    cache = client.cache
    before, floor = undo.snapshot(cache, [ticket_id]), undo.outbox_floor(cache)
    apply_macro(cache, ticket_id, SOLVED, "Glad it works now!")
    undo.record_action(cache, "Canned response", before, floor)


async def test_undo_of_a_canned_response_withdraws_the_unsent_reply(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=2)
    ticket_id, later_ticket = world.ticket_ids
    alice = world.client("alice")
    await alice.sync()
    before_status = alice.cache.ticket(ticket_id)["status"]
    server_messages = len(world.server_messages(ticket_id))

    send_solved(alice, ticket_id)
    assert "Glad it works now!" in [m.body for m in alice.cache.thread(ticket_id)]

    undone = undo.undo(alice.cache)  # nothing has been pushed yet: the reply is taken back
    assert undone.kept == ()
    assert "Glad it works now!" not in [m.body for m in alice.cache.thread(ticket_id)]
    assert alice.cache.ticket(ticket_id)["status"] == before_status
    alice.cache.add_message(later_ticket, "A later reply still goes out")
    report = await alice.sync()
    assert {r.outcome for r in report.results} == {"applied"}
    await alice.sync()
    assert len(world.server_messages(ticket_id)) == server_messages  # never sent
    server = world.server_ticket(ticket_id)
    assert (server["status"], server["tags"]) == (before_status, [])
    later = [m["body"] for m in world.server_messages(later_ticket)]
    assert "A later reply still goes out" in later
    assert alice.cache.pending_count() == 0
    await alice.close()


async def test_undo_after_the_reply_left_keeps_it_and_says_so(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=1)
    [ticket_id] = world.ticket_ids
    alice = world.client("alice")
    await alice.sync()
    before_status = alice.cache.ticket(ticket_id)["status"]
    send_solved(alice, ticket_id)
    await alice.sync()

    undone = undo.undo(alice.cache)
    assert undone.kept == (f"the reply on #{ticket_id} had already been sent: it stays",)
    await alice.sync()
    await alice.sync()
    server = world.server_ticket(ticket_id)
    assert (server["status"], server["tags"]) == (before_status, [])
    assert [m["body"] for m in world.server_messages(ticket_id)].count("Glad it works now!") == 1
    await alice.close()


async def test_a_claimed_mutation_cannot_be_withdrawn(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=1)
    [ticket_id] = world.ticket_ids
    alice = world.client("alice")
    await alice.sync()
    alice.cache.add_message(ticket_id, "first")
    [first] = alice.cache.pending_mutations()  # a push picked it up: it may be on the wire
    alice.cache.add_message(ticket_id, "second")
    second = alice.cache.outbox_rows(["pending"])[-1]
    assert alice.cache.withdraw_mutation(first.id) is False
    assert alice.cache.withdraw_mutation(second.id) is True
    assert [r.name for r in alice.cache.outbox_rows()] == ["message.add", "mutation.void"]
    await alice.sync()
    bodies = [m["body"] for m in world.server_messages(ticket_id)]
    assert "first" in bodies and "second" not in bodies
    await alice.close()


async def test_a_reply_whose_push_could_not_connect_can_still_be_withdrawn(
    tmp_path: Path,
) -> None:
    world = await build_world(tmp_path, tickets=1)
    [ticket_id] = world.ticket_ids
    alice = world.client("alice")
    await alice.sync()
    sent_before = len(world.server_messages(ticket_id))
    send_solved(alice, ticket_id)

    world.app.inject(Fault("/v1/mutations", "drop_before"))  # offline: connection refused
    with pytest.raises(TransientError):
        await alice.sync()
    assert undo.undo(alice.cache).kept == ()  # the push sent nothing: the reply is taken back
    await alice.sync()
    await alice.sync()
    assert len(world.server_messages(ticket_id)) == sent_before
    assert alice.cache.pending_count() == 0
    await alice.close()


async def test_a_reply_whose_push_may_have_arrived_stays(tmp_path: Path) -> None:
    world = await build_world(tmp_path, tickets=1)
    [ticket_id] = world.ticket_ids
    alice = world.client("alice")
    await alice.sync()
    send_solved(alice, ticket_id)

    world.app.inject(Fault("/v1/mutations", "drop_after"))  # applied, the answer lost
    with pytest.raises(TransientError):
        await alice.sync()
    # even after a later push that could not connect, these rows may be on the server
    world.app.inject(Fault("/v1/mutations", "drop_before"))
    with pytest.raises(TransientError):
        await alice.sync()
    undone = undo.undo(alice.cache)
    assert undone.kept == (f"the reply on #{ticket_id} had already been sent: it stays",)
    await alice.sync()
    await alice.sync()
    bodies = [m["body"] for m in world.server_messages(ticket_id)]
    assert bodies.count("Glad it works now!") == 1
    assert world.server_ticket(ticket_id)["status"] != "solved"  # the fields went back
    await alice.close()
