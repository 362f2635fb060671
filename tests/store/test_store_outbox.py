"""Local writes: optimistic apply, rebase after pulls, acknowledgements, rejections, conflicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
import storekit as f

from agentdesk.domain.mutations import MutationError
from agentdesk.store import Cache, StoreError
from agentdesk.sync.backend import MutationResult


def test_write_is_queued_and_shown_at_once(seeded: Cache) -> None:
    mutation_id = seeded.update_ticket(2, status="pending", priority="low")
    assert mutation_id == 1
    ticket = seeded.ticket(2)
    assert (ticket["status"], ticket["priority"], ticket["pending"]) == ("pending", "low", True)
    assert ticket["sla_due_at"] is None  # pending pauses the SLA clock
    [row] = seeded.pending_mutations()
    assert row.name == "ticket.update"
    assert row.args["fields"] == {
        "status": {"from": "open", "to": "pending"},
        "priority": {"from": "urgent", "to": "low"},
    }
    assert seeded.pending_count() == 1
    assert next(r for r in seeded.page() if r.id == 2).pending


def test_nothing_to_change_queues_nothing(seeded: Cache) -> None:
    assert seeded.update_ticket(2, status="open") is None
    assert seeded.assign_ticket(1, 1) is None
    assert seeded.tag_ticket(1, add=["refund"]) is None
    assert seeded.pending_count() == 0


def test_invalid_mutations_write_nothing(seeded: Cache) -> None:
    with pytest.raises(MutationError) as caught:
        seeded.record_mutation("ticket.update", {"ticket_id": 2, "fields": {"colour": {"to": 1}}})
    assert "\n" not in str(caught.value)
    with pytest.raises(MutationError):
        seeded.update_ticket(2, status="exploded")
    with pytest.raises(MutationError):
        seeded.record_mutation("ticket.teleport", {"ticket_id": 2})
    with pytest.raises(StoreError, match="#404"):
        seeded.update_ticket(404, status="open")
    assert seeded.outbox_rows() == []
    assert seeded.ticket(2)["status"] == "open"
    assert seeded.conn.execute("SELECT count(*) FROM shadow").fetchone()[0] == 0


def test_reply_adds_a_pending_message_and_stamps_first_reply(seeded: Cache) -> None:
    message_id = seeded.add_message(2, "Try resetting it here.", public=True)
    thread = seeded.thread(2)
    assert thread[-1].id == message_id
    assert (thread[-1].local_state, thread[-1].author_name) == ("pending", "Dana Scully")
    assert seeded.ticket(2)["first_reply_at"] is not None
    note_id = seeded.add_message(6, "internal only", public=False)
    assert seeded.ticket(6)["first_reply_at"] is None
    assert seeded.thread(6)[-1].id == note_id
    # The pull that brings the message confirms it.
    confirmed = f.message(message_id, 2, "Try resetting it here.", author_kind="agent")
    seeded.apply_changes([("message", message_id, "upsert", confirmed)], "c2")
    assert [m.local_state for m in seeded.thread(2) if m.id == message_id] == [None]


def test_pending_change_is_replayed_on_a_pull_of_other_fields(seeded: Cache) -> None:
    seeded.update_ticket(2, status="pending")
    seeded.tag_ticket(2, add=["vip"])
    server = f.ticket(
        2,
        subject="Login broken for everyone",
        channel="chat",
        priority="high",
        tags=["outage"],
        version=9,
    )
    seeded.apply_changes([("ticket", 2, "upsert", server)], "c2")
    ticket = seeded.ticket(2)
    assert ticket["subject"] == "Login broken for everyone"  # theirs
    assert ticket["priority"] == "high"  # theirs
    assert ticket["status"] == "pending"  # mine, still pending
    assert ticket["tags"] == ["outage", "vip"]  # both
    assert ticket["pending"] is True
    assert seeded.count("tag:vip") == 1


def test_pull_that_changed_the_same_field_shows_the_server_value(seeded: Cache) -> None:
    seeded.update_ticket(2, status="pending")
    seeded.apply_changes([("ticket", 2, "upsert", f.ticket(2, status="solved"))], "c2")
    assert seeded.ticket(2)["status"] == "solved"  # replay would conflict: not applied


@dataclass
class Result:
    """A result as another backend adapter might hand it over (duck-typed)."""

    id: int
    outcome: str
    reason: str | None = None
    conflicts: dict[str, dict[str, Any]] = field(default_factory=dict)


def test_applied_rows_are_dropped_when_a_pull_acknowledges_them(seeded: Cache) -> None:
    first = seeded.update_ticket(2, status="pending")
    second = seeded.tag_ticket(2, add=["vip"])
    assert first is not None and second is not None
    seeded.record_results([MutationResult(first, "applied"), MutationResult(second, "applied")])
    assert [r.state for r in seeded.outbox_rows()] == ["sent", "sent"]
    assert seeded.pending_mutations() == []
    assert seeded.pending_count() == 2  # not yet confirmed by a pull
    # The ack arrives before the ticket row itself: the cached value stays mine.
    seeded.apply_changes([], "c2", last_mutation_id=second)
    assert seeded.outbox_rows() == []
    ticket = seeded.ticket(2)
    assert (ticket["status"], ticket["tags"], ticket["pending"]) == ("pending", ["vip"], False)
    seeded.apply_changes(
        [("ticket", 2, "upsert", f.ticket(2, status="pending", tags=["vip"], version=7))], "c3"
    )
    assert seeded.ticket(2)["status"] == "pending"
    assert seeded.conn.execute("SELECT count(*) FROM shadow").fetchone()[0] == 0


def test_unsent_rows_survive_an_ack_until_their_result_is_known(seeded: Cache) -> None:
    mutation_id = seeded.update_ticket(2, status="pending")
    seeded.apply_changes([], "c2", last_mutation_id=mutation_id)  # reply to the push was lost
    assert [r.id for r in seeded.pending_mutations()] == [mutation_id]
    seeded.record_results([MutationResult(mutation_id, "duplicate")])
    seeded.apply_changes([], "c3", last_mutation_id=mutation_id)
    assert seeded.outbox_rows() == []


def test_without_ack_by_pull_applied_rows_go_at_once(seeded: Cache) -> None:
    mutation_id = seeded.update_ticket(2, status="pending")
    assert mutation_id is not None
    seeded.record_results([Result(mutation_id, "applied")], ack_by_pull=False)
    assert seeded.outbox_rows() == []
    assert seeded.ticket(2)["status"] == "pending"


def test_rejected_is_kept_with_reason_and_rolled_back(seeded: Cache) -> None:
    assign = seeded.assign_ticket(2, 3)
    message_id = seeded.add_message(2, "a reply that will bounce")
    tags = seeded.tag_ticket(2, add=["later"])
    rows = {r.name: r.id for r in seeded.outbox_rows()}
    seeded.record_results(
        [
            MutationResult(assign, "rejected", "agents may only assign tickets to themselves"),
            MutationResult(rows["message.add"], "rejected", "ticket is closed"),
        ]
    )
    rejected = seeded.outbox_rows(["rejected"])
    assert [(r.id, r.reason) for r in rejected] == [
        (assign, "agents may only assign tickets to themselves"),
        (rows["message.add"], "ticket is closed"),
    ]
    assert seeded.rejected_count() == 2
    ticket = seeded.ticket(2)
    assert ticket["assignee_id"] is None  # rolled back
    assert ticket["first_reply_at"] is None  # the bounced reply no longer counts
    assert ticket["tags"] == ["later"]  # the still-pending one stays
    assert [m.local_state for m in seeded.thread(2) if m.id == message_id] == ["rejected"]
    # Later pulls never resurrect a rejected change, and acks do not drop it.
    seeded.apply_changes(
        [("ticket", 2, "upsert", f.ticket(2, version=4))], "c2", last_mutation_id=tags
    )
    assert seeded.ticket(2)["assignee_id"] is None
    assert seeded.rejected_count() == 2
    seeded.dismiss_rejected(rows["message.add"])
    assert seeded.rejected_count() == 1
    assert all(m.id != message_id for m in seeded.thread(2))


def test_conflicts_are_stored_shown_and_resolved(seeded: Cache) -> None:
    update = seeded.update_ticket(2, status="pending", priority="low")
    assign = seeded.assign_ticket(2, 1)
    seeded.record_results(
        [
            MutationResult(
                update,
                "conflict",
                conflicts={"status": {"base": "open", "mine": "pending", "theirs": "solved"}},
            ),
            MutationResult(
                assign,
                "conflict",
                conflicts={"assignee_id": {"base": None, "mine": 1, "theirs": 3}},
            ),
        ]
    )
    ticket = seeded.ticket(2)
    assert ticket["status"] == "solved"  # theirs is shown...
    assert ticket["priority"] == "low"  # ...while the non-conflicting field applied
    assert ticket["assignee_id"] == 3
    conflicts = seeded.conflicts()
    assert [(c.field, c.base, c.mine, c.theirs) for c in conflicts] == [
        ("status", "open", "pending", "solved"),
        ("assignee_id", None, 1, 3),
    ]
    assert seeded.conflict_count() == 2
    assert seeded.pending_mutations() == []

    assert seeded.resolve_conflict(conflicts[0].id, "theirs") is None
    assert seeded.ticket(2)["status"] == "solved"
    new_id = seeded.resolve_conflict(conflicts[1].id, "mine")
    [again] = seeded.pending_mutations()
    assert again.id == new_id
    assert (again.name, again.args) == ("ticket.assign", {"ticket_id": 2, "from": 3, "to": 1})
    assert seeded.ticket(2)["assignee_id"] == 1
    assert seeded.conflict_count() == 0
    assert [r.id for r in seeded.outbox_rows()] == [new_id]  # settled ones left the outbox
    with pytest.raises(StoreError):
        seeded.resolve_conflict(conflicts[1].id, "mine")


def test_duplicate_carrying_its_first_conflict_counts_as_conflict(seeded: Cache) -> None:
    update = seeded.update_ticket(2, priority="low")
    seeded.record_results(
        [
            Result(
                update,
                "duplicate",
                conflicts={"priority": {"base": "urgent", "mine": "low", "theirs": "high"}},
            )
        ]
    )
    assert seeded.conflict_count() == 1
    assert seeded.ticket(2)["priority"] == "high"


def test_mutation_ids_are_never_reused(seeded: Cache) -> None:
    first = seeded.update_ticket(2, status="pending")
    seeded.record_results([MutationResult(first, "applied")])
    seeded.apply_changes([], "c2", last_mutation_id=first)
    assert seeded.outbox_rows() == []
    second = seeded.update_ticket(2, status="open")
    assert second is not None and first is not None and second > first


def test_availability_of_my_agent(seeded: Cache) -> None:
    mutation_id = seeded.set_availability("away")
    assert mutation_id is not None
    assert seeded.me()["availability"] == "away"
    seeded.record_results([MutationResult(mutation_id, "rejected", "no")])
    assert seeded.me()["availability"] == "available"


def test_drafts_round_trip(seeded: Cache) -> None:
    seeded.save_draft(2, "reply", "Dear Bob,\n[b]not markup[/b]")
    seeded.save_draft(2, "note", "check logs")
    assert seeded.draft(2, "reply") == "Dear Bob,\n[b]not markup[/b]"
    seeded.delete_draft(2, "reply")
    assert seeded.draft(2, "reply") is None
    assert seeded.draft(2, "note") == "check logs"


def test_rebase_uses_the_pulled_row_whatever_the_id_type(seeded: Cache) -> None:
    seeded.update_ticket(2, status="pending")
    server = f.ticket(2, subject="Renamed by a lead", version=3)
    seeded.apply_changes([("ticket", "2", "upsert", server)], "c2")  # an adapter's text id
    ticket = seeded.ticket(2)
    assert (ticket["subject"], ticket["status"]) == ("Renamed by a lead", "pending")


def test_writes_grouped_in_one_transaction_are_all_or_nothing(seeded: Cache) -> None:
    with seeded.write():
        seeded.tag_ticket(1, add=["bulk"])
        seeded.tag_ticket(2, add=["bulk"])
    assert seeded.count("tag:bulk") == 2
    with pytest.raises(StoreError), seeded.write():
        seeded.tag_ticket(3, add=["half"])
        assert seeded.count("tag:half") == 1  # seen inside the transaction...
        seeded.tag_ticket(404, add=["half"])  # not cached: the whole group is undone
    assert seeded.count("tag:half") == 0  # ...and not remembered after the rollback
    assert len(seeded.outbox_rows()) == 2
