"""Canned responses over the local cache: find, render for a ticket, apply, manage, usage.

    canned = find_canned(cache, "Closing: solved")        # title, unique title prefix, or id
    plan = plan_macro(cache, ticket_id, canned)            # rendered text, missing names, changes
    apply_macro(cache, ticket_id, canned, plan.rendered.text)   # one ordered batch

`apply_macro` queues, in ONE cache transaction: the reply (`message.add`), then the field
actions (`ticket.update` status/priority, `ticket.tags`, `ticket.assign`), then
`canned_response.use`, and notes the use in the agent's local history (meta `macro_usage`)
that ranks the picker. Management (`create_canned`, `update_canned`, `delete_canned`) queues
the `canned_response.*` mutations; the server enforces who may change what.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agentdesk.domain.canned import describe_actions, normal_actions, ticket_changes
from agentdesk.domain.fuzzy import frecency
from agentdesk.domain.ids import uuid7
from agentdesk.domain.templates import Rendered, render, template_context
from agentdesk.domain.timeutil import utcnow
from agentdesk.store.cache import Cache
from agentdesk.store.db import StoreError

USAGE_KEY = "macro_usage"
USAGE_KEEP = 500  # most recently used responses remembered


# ---- finding -------------------------------------------------------------------------------


def find_canned(cache: Cache, title_or_id: str) -> dict[str, Any]:
    """The canned response with this id, exact title (any case), or unique title prefix."""
    wanted = title_or_id.strip()
    rows = cache.canned_responses()
    for row in rows:
        if row["id"] == wanted:
            return row
    lowered = wanted.lower()
    exact = [r for r in rows if r["title"].lower() == lowered]
    if len(exact) == 1:
        return exact[0]
    prefix = exact or [r for r in rows if r["title"].lower().startswith(lowered)]
    if len(prefix) == 1:
        return prefix[0]
    if not prefix:
        raise StoreError(f"no canned response matches {wanted!r}")
    names = ", ".join(repr(r["title"]) for r in prefix[:5])
    raise StoreError(f"{len(prefix)} canned responses match {wanted!r}: {names}")


def canned_fingerprint(cache: Cache) -> tuple[Any, ...]:
    """Changes whenever the visible canned responses may have changed (cheap to read).

    Every change moves one of: the row count, the highest version (pulled rows), the latest
    `updated_at` (local creates and edits, and their roll-back), or the profile's agent.
    """
    row = cache.conn.execute(
        "SELECT count(*), max(version), max(updated_at) FROM canned_responses"
    ).fetchone()
    return (*tuple(row), cache.agent_id)


# ---- rendering for a ticket ----------------------------------------------------------------


def macro_context(cache: Cache, ticket_id: int) -> dict[str, Any]:
    """The template variables for a ticket: its customer, organisation, group and the agent."""
    ticket = cache.ticket(ticket_id)
    if ticket is None:
        raise StoreError(f"ticket #{ticket_id} is not in the local cache")
    customer = cache.customer(ticket["customer_id"]) if ticket.get("customer_id") else None
    organisation = None
    if customer and customer.get("organisation_id"):
        organisation = cache.organisation(customer["organisation_id"])
    group = cache.row("group", ticket["group_id"]) if ticket.get("group_id") else None
    return template_context(
        ticket=ticket,
        customer=customer or {},
        organisation=organisation or {},
        agent=cache.me() or {},
        group=group,
    )


@dataclass(frozen=True, slots=True)
class MacroPlan:
    """What applying a canned response to one ticket would do."""

    ticket_id: int
    canned: dict[str, Any]
    rendered: Rendered
    changes: dict[str, Any] = field(default_factory=dict)  # ticket fields the actions change
    action_lines: list[str] = field(default_factory=list)  # every action, described


def plan_macro(cache: Cache, ticket_id: int, canned: Mapping[str, Any]) -> MacroPlan:
    """Render `canned` for the ticket (raises `TemplateError`) and list its field changes."""
    ticket = cache.ticket(ticket_id)
    if ticket is None:
        raise StoreError(f"ticket #{ticket_id} is not in the local cache")
    rendered = render(canned["body"], macro_context(cache, ticket_id))
    actions = canned.get("actions") or {}
    names = {}
    if "assignee_id" in actions:
        names = {a["id"]: a["name"] for a in cache.agents()}
    return MacroPlan(
        ticket_id=ticket_id,
        canned=dict(canned),
        rendered=rendered,
        changes=ticket_changes(ticket, actions),
        action_lines=describe_actions(actions, names),
    )


def compose(existing: str | None, rendered: str) -> str:
    """The composer text after inserting `rendered` below what the agent already wrote."""
    if not existing or not existing.strip():
        return rendered
    return existing.rstrip() + "\n\n" + rendered


# ---- applying ------------------------------------------------------------------------------


def apply_macro(
    cache: Cache,
    ticket_id: int,
    canned: Mapping[str, Any],
    body: str,
    *,
    public: bool = True,
) -> list[int]:
    """Queue reply + field actions + usage as one ordered batch (one transaction).

    Returns the outbox mutation ids in order. `body` is the final reply text (rendered and
    possibly edited); an empty body sends no message but still applies the actions.
    """
    actions = normal_actions(canned.get("actions") or {})
    ids: list[int] = []
    with cache.write():
        if cache.ticket(ticket_id) is None:
            raise StoreError(f"ticket #{ticket_id} is not in the local cache")
        if body.strip():
            message = {"id": uuid7(), "ticket_id": ticket_id, "body": body, "public": public}
            ids.append(cache.record_mutation("message.add", message))
        status, priority = actions.get("status"), actions.get("priority")
        if status or priority:
            found = cache.update_ticket(ticket_id, status=status, priority=priority)
            if found is not None:
                ids.append(found)
        if actions.get("add_tags") or actions.get("remove_tags"):
            found = cache.tag_ticket(
                ticket_id, add=actions.get("add_tags", []), remove=actions.get("remove_tags", [])
            )
            if found is not None:
                ids.append(found)
        if "assignee_id" in actions:
            found = cache.assign_ticket(ticket_id, actions["assignee_id"])
            if found is not None:
                ids.append(found)
        if cache.row("canned_response", canned["id"]) is not None:
            ids.append(
                cache.record_mutation(
                    "canned_response.use", {"id": canned["id"], "ticket_id": ticket_id}
                )
            )
        note_use(cache, canned["id"])
    return ids


# ---- the agent's own use -------------------------------------------------------------------


def _usage(cache: Cache) -> dict[str, list[Any]]:
    raw = cache.meta(USAGE_KEY)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def note_use(cache: Cache, canned_id: str, when: datetime | None = None) -> None:
    """Remember one use (count and last time) in the local history."""
    stamp = (when or utcnow()).isoformat()
    with cache.write():
        usage = _usage(cache)
        count = int(usage.get(canned_id, [0, None])[0] or 0)
        usage[canned_id] = [count + 1, stamp]
        if len(usage) > USAGE_KEEP:
            keep = sorted(usage.items(), key=lambda kv: str(kv[1][1]), reverse=True)[:USAGE_KEEP]
            usage = dict(keep)
        cache.set_meta(USAGE_KEY, json.dumps(usage, separators=(",", ":")))


def usage_scores(cache: Cache, now: datetime | None = None) -> dict[str, float]:
    """Canned response id -> frecency of the agent's own use (for `fuzzy.rank`)."""
    moment = now or utcnow()
    scores: dict[str, float] = {}
    for canned_id, entry in _usage(cache).items():
        try:
            count, stamp = int(entry[0]), entry[1]
            last = datetime.fromisoformat(stamp) if stamp else None
        except (TypeError, ValueError, IndexError):
            continue
        scores[canned_id] = frecency(count, last, moment)
    return scores


# ---- management ------------------------------------------------------------------------------


def create_canned(
    cache: Cache,
    *,
    title: str,
    body: str,
    category: str = "General",
    tags: Sequence[str] = (),
    actions: Mapping[str, Any] | None = None,
    shared: bool = False,
    canned_id: str | None = None,
) -> tuple[str, int]:
    """Queue a new canned response; returns its id (UUIDv7 made here) and the mutation id."""
    new_id = canned_id or uuid7()
    mutation_id = cache.record_mutation(
        "canned_response.create",
        {
            "id": new_id,
            "title": title,
            "body": body,
            "category": category or "General",
            "tags": list(tags),
            "actions": normal_actions(actions or {}),
            "shared": shared,
        },
    )
    return new_id, mutation_id


def update_canned(cache: Cache, canned_id: str, **wanted: Any) -> int | None:
    """Queue an update of the given fields (title, body, category, tags, actions).

    `from` is the cached value. Returns the mutation id, or None when nothing changes.
    """
    with cache.write():
        row = cache.row("canned_response", canned_id)
        if row is None:
            raise StoreError(f"canned response {canned_id} is not in the local cache")
        if "actions" in wanted and wanted["actions"] is not None:
            wanted["actions"] = normal_actions(wanted["actions"])
        fields = {
            name: {"from": row.get(name), "to": value}
            for name, value in wanted.items()
            if value is not None and row.get(name) != value
        }
        if not fields:
            return None
        return cache.record_mutation("canned_response.update", {"id": canned_id, "fields": fields})


def delete_canned(cache: Cache, canned_id: str) -> int:
    """Queue the deletion of a canned response (gone locally at once)."""
    return cache.record_mutation("canned_response.delete", {"id": canned_id})
