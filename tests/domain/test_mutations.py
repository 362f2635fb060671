from datetime import UTC, datetime, timedelta

import pytest

from agentdesk.domain.enums import Status
from agentdesk.domain.mutations import (
    FieldRule,
    MutationError,
    field_outcome,
    follow_up_changes,
    message_effect_on_ticket,
    parse_args,
    ticket_assign_effect,
    ticket_tags_effect,
    ticket_update_effect,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def ticket(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": 1,
        "status": "open",
        "priority": "normal",
        "subject": "Refund",
        "assignee_id": None,
        "tags": ["refund"],
        "created_at": NOW - timedelta(hours=2),
        "first_reply_at": None,
        "first_reply_due": NOW + timedelta(hours=6),
        "resolution_due": NOW + timedelta(days=3),
        "solved_at": None,
    }
    base.update(fields)
    return base


def test_field_rule() -> None:
    assert field_outcome("open", "open", "pending") is FieldRule.APPLY
    assert field_outcome("pending", "open", "pending") is FieldRule.NOOP
    assert field_outcome("solved", "open", "pending") is FieldRule.CONFLICT
    assert field_outcome(Status.OPEN, "open", "pending") is FieldRule.APPLY


def test_update_applies_clean_fields_and_reports_conflicting_ones() -> None:
    args = parse_args(
        "ticket.update",
        {
            "ticket_id": 1,
            "fields": {
                "status": {"from": "new", "to": "pending"},
                "priority": {"from": "normal", "to": "high"},
            },
        },
    )
    effect = ticket_update_effect(ticket(), args)
    assert effect.changes == {"priority": "high"}
    [conflict] = effect.conflicts
    assert (conflict.field, conflict.base, conflict.mine, conflict.theirs) == (
        "status",
        "new",
        "pending",
        "open",
    )


def test_invalid_values_and_unknown_names_are_rejected() -> None:
    with pytest.raises(MutationError):
        parse_args("ticket.explode", {})
    with pytest.raises(MutationError):
        parse_args("ticket.update", {"ticket_id": 1, "fields": {"colour": {"to": "red"}}})
    args = parse_args("ticket.update", {"ticket_id": 1, "fields": {"status": {"to": "gone"}}})
    with pytest.raises(MutationError):
        ticket_update_effect(ticket(), args)


def test_assign_conflicts_only_when_someone_else_changed_it() -> None:
    take = parse_args("ticket.assign", {"ticket_id": 1, "from": None, "to": 7})
    assert ticket_assign_effect(ticket(), take).changes == {"assignee_id": 7}
    assert ticket_assign_effect(ticket(assignee_id=7), take).changes == {}
    assert ticket_assign_effect(ticket(assignee_id=9), take).conflicts[0].theirs == 9


def test_tags_are_set_operations_that_never_conflict() -> None:
    args = parse_args("ticket.tags", {"ticket_id": 1, "add": ["vip", "refund"], "remove": ["x"]})
    effect = ticket_tags_effect(ticket(tags=["refund", "x"]), args)
    assert effect.changes == {"tags": ["refund", "vip"]}
    assert effect.conflicts == []


def test_solving_stops_the_clock_and_reopening_restarts_it() -> None:
    solved = follow_up_changes(ticket(), {"status": Status.SOLVED}, NOW)
    assert solved["solved_at"] == NOW and solved["sla_due_at"] is None
    reopened = follow_up_changes(ticket(**solved), {"status": Status.OPEN}, NOW)
    assert reopened["solved_at"] is None
    assert reopened["sla_due_at"] == NOW + timedelta(hours=6)


def test_priority_change_recomputes_due_times_from_creation() -> None:
    changes = follow_up_changes(ticket(), {"priority": "urgent"}, NOW)
    assert changes["first_reply_due"] == NOW - timedelta(hours=1)  # created 2 h ago, 1 h target
    assert changes["sla_due_at"] == changes["first_reply_due"]


def test_public_reply_stamps_first_reply_but_a_note_does_not() -> None:
    reply = parse_args("message.add", {"id": "m1", "ticket_id": 1, "body": "Hi", "public": True})
    note = parse_args("message.add", {"id": "m2", "ticket_id": 1, "body": "fyi", "public": False})
    assert message_effect_on_ticket(ticket(), reply, NOW)["first_reply_at"] == NOW
    assert "first_reply_at" not in message_effect_on_ticket(ticket(), note, NOW)
    assert message_effect_on_ticket(ticket(), reply, NOW)["sla_due_at"] == NOW + timedelta(days=3)


def test_empty_message_is_invalid() -> None:
    with pytest.raises(MutationError):
        parse_args("message.add", {"id": "m1", "ticket_id": 1, "body": ""})
