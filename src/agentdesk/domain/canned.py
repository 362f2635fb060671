"""Canned-response rules shared by the server, the cache and the UIs (pure, no I/O).

- `may_manage(role, agent_id, owner_id)`: personal ones by their owner, shared ones (owner
  None) by leads and admins.
- `canned_update_effect(row, args)`: the per-field outcome of `canned_response.update`.
- `actions_model` / `describe_actions`: validated field actions and their one-line summaries.
- `ticket_changes(ticket, actions)`: what applying the actions to a ticket would change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentdesk.domain.enums import Role
from agentdesk.domain.mutations import (
    CannedActions,
    CannedUpdateArgs,
    FieldConflict,
    FieldRule,
    MutationError,
    TicketEffect,
    field_outcome,
)
from agentdesk.domain.templates import TemplateError, check

CANNED_FIELDS = ("title", "body", "category", "tags", "actions")


def may_manage(role: Role | str, agent_id: int, owner_id: int | None) -> bool:
    """Personal canned responses: their owner only. Shared ones: leads and admins."""
    if owner_id is None:
        return Role(role) in (Role.LEAD, Role.ADMIN)
    return owner_id == agent_id


def manage_denied_reason(owner_id: int | None) -> str:
    if owner_id is None:
        return "only leads and admins may change shared canned responses"
    return "only its owner may change a personal canned response"


def actions_model(actions: Mapping[str, Any] | None) -> CannedActions:
    """Validate stored or typed actions; raises `MutationError` with one line."""
    try:
        return CannedActions.model_validate(dict(actions or {}))
    except Exception as exc:  # pydantic.ValidationError
        first = str(exc).splitlines()
        detail = " ".join(first[1:3]) if len(first) > 1 else str(exc)
        raise MutationError(f"invalid actions: {' '.join(detail.split())}") from exc


def normal_actions(actions: Mapping[str, Any] | None) -> dict[str, Any]:
    """Actions in their stored form: only the keys that change something, plain values."""
    model = actions_model(actions)
    data = model.model_dump(mode="json", exclude_unset=True)
    for key in ("add_tags", "remove_tags"):
        if not data.get(key):
            data.pop(key, None)
    return data


def validate_body(body: str) -> None:
    """Raise `MutationError` (naming the line) if the template does not parse."""
    try:
        check(body)
    except TemplateError as exc:
        raise MutationError(f"malformed template: {exc}") from exc


def canned_update_effect(row: Mapping[str, Any], args: CannedUpdateArgs) -> TicketEffect:
    """Per-field outcome of an update against the current row (same rule as tickets)."""
    effect = TicketEffect()
    for name, change in args.fields:
        if change is None:
            continue
        wanted = _validated(name, change.to)
        seen = change.from_
        if name == "actions" and seen is not None:
            seen = normal_actions(seen)
        rule = field_outcome(row.get(name), seen, wanted)
        if rule is FieldRule.APPLY:
            effect.changes[name] = wanted
        elif rule is FieldRule.CONFLICT:
            effect.conflicts.append(FieldConflict(name, seen, wanted, row.get(name)))
    return effect


def _validated(name: str, value: Any) -> Any:
    if name in ("title", "body", "category"):
        if not isinstance(value, str):
            raise MutationError(f"{name} must be text")
        if name == "title" and not value.strip():
            raise MutationError("title must not be empty")
        if name == "title" and len(value) > 200:
            raise MutationError("title is longer than 200 characters")
        if name == "body":
            if not value.strip():
                raise MutationError("body must not be empty")
            validate_body(value)
        return value.strip() if name != "body" else value
    if name == "tags":
        if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
            raise MutationError("tags must be a list of names")
        return [t.strip() for t in value]
    if name == "actions":
        return normal_actions(value)
    raise MutationError(f"unknown field {name}")


def ticket_changes(ticket: Mapping[str, Any], actions: Mapping[str, Any]) -> dict[str, Any]:
    """Fields the actions would change on this ticket (`tags` as the resulting list)."""
    model = actions_model(actions)
    given = model.model_fields_set
    changes: dict[str, Any] = {}
    if model.status is not None and model.status.value != _plain(ticket.get("status")):
        changes["status"] = model.status.value
    if model.priority is not None and model.priority.value != _plain(ticket.get("priority")):
        changes["priority"] = model.priority.value
    if "assignee_id" in given and model.assignee_id != ticket.get("assignee_id"):
        changes["assignee_id"] = model.assignee_id
    tags = list(ticket.get("tags") or [])
    new_tags = [t for t in tags if t not in set(model.remove_tags)]
    for tag in model.add_tags:
        if tag not in new_tags and tag not in model.remove_tags:
            new_tags.append(tag)
    if new_tags != tags:
        changes["tags"] = new_tags
    return changes


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def describe_actions(
    actions: Mapping[str, Any] | None, agent_names: Mapping[int, str] | None = None
) -> list[str]:
    """One short line per field change, e.g. `status → solved`, `tags + refund`."""
    if not actions:
        return []
    model = actions_model(actions)
    names = agent_names or {}
    lines: list[str] = []
    if model.status is not None:
        lines.append(f"status → {model.status.value}")
    if model.priority is not None:
        lines.append(f"priority → {model.priority.value}")
    if "assignee_id" in model.model_fields_set:
        who = (
            "nobody"
            if model.assignee_id is None
            else names.get(model.assignee_id, f"agent {model.assignee_id}")
        )
        lines.append(f"assignee → {who}")
    if model.add_tags:
        lines.append("tags + " + ", ".join(model.add_tags))
    if model.remove_tags:
        lines.append("tags − " + ", ".join(model.remove_tags))
    return lines
