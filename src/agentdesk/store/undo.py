"""Undo: the agent's recent actions (`action_groups`), each with the mutations that undo it.

An action (a bulk assign, a status change, tags...) is recorded as the ticket fields before
and after it; its inverse sets each changed field back *from the value the action set*:
`ticket.update`/`ticket.assign` with `from` = our value and `to` = the old one, so a field
someone else changed since becomes a conflict (conflicts screen), never a blind overwrite;
tags are put back with `ticket.tags` (set operations: the tags we added are removed, those
we removed are added). Some mutations the action queued have their own inverse: a merge is
undone by `ticket.unmerge` (the sources get back the status they had) and an unmerge by a
merge; a reply (`message.add`, e.g. from a canned response) is *withdrawn* if no push has
picked it up yet (`local.withdraw`), and otherwise stays: a sent reply cannot be recalled,
and the undo says so.

An action can be undone while any of its mutations is still in the outbox, or within
`UNDO_WINDOW` after it settled (first seen with nothing left in the outbox). Undoing queues
the inverse as a new action (itself undoable), marked `undo_of`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from agentdesk.domain.timeutil import utcnow
from agentdesk.store.codec import ts_value
from agentdesk.store.db import StoreError

UNDO_WINDOW = timedelta(minutes=10)
FIELDS = ("status", "priority", "subject", "group_id", "assignee_id", "tags")
UPDATE_FIELDS = ("status", "priority", "subject", "group_id")

Snapshot = dict[int, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Action:
    id: int
    label: str
    created_at: datetime
    ticket_count: int
    state: str  # pending | synced | conflict | rejected | undone
    undoable: bool
    undo_of: int | None
    kept: tuple[str, ...] = ()  # after `undo`: what could not be taken back, one line each


def snapshot(cache: Any, ticket_ids: Iterable[int]) -> Snapshot:
    """The undoable fields of the cached tickets, as they are now."""
    found: Snapshot = {}
    for ticket_id in ticket_ids:
        ticket = cache.ticket(ticket_id)
        if ticket is not None:
            values = {name: ticket.get(name) for name in FIELDS}
            values["tags"] = sorted(values["tags"] or [])
            found[ticket_id] = values
    return found


def outbox_floor(cache: Any) -> int:
    """The highest outbox id so far (mutations queued after this belong to the next action)."""
    with cache.read() as conn:
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
    return int(row[0]) if row else 0


def inverse_of(before: Snapshot, after: Snapshot) -> list[dict[str, Any]]:
    """Mutations (name, args) that put every changed field back."""
    mutations: list[dict[str, Any]] = []
    for ticket_id, old in before.items():
        new = after.get(ticket_id)
        if new is None:
            continue
        fields = {
            name: {"from": new[name], "to": old[name]}
            for name in UPDATE_FIELDS
            if new[name] != old[name]
        }
        if fields:
            mutations.append(
                {"name": "ticket.update", "args": {"ticket_id": ticket_id, "fields": fields}}
            )
        if new["assignee_id"] != old["assignee_id"]:
            args = {"ticket_id": ticket_id, "from": new["assignee_id"], "to": old["assignee_id"]}
            mutations.append({"name": "ticket.assign", "args": args})
        added = sorted(set(new["tags"]) - set(old["tags"]))
        removed = sorted(set(old["tags"]) - set(new["tags"]))
        if added or removed:
            args = {"ticket_id": ticket_id, "add": removed, "remove": added}
            mutations.append({"name": "ticket.tags", "args": args})
    return mutations


WITHDRAW = "local.withdraw"  # not a backend mutation: `undo` takes the reply back locally


def _queued_since(cache: Any, floor: int, last: int) -> list[tuple[int, str, dict[str, Any]]]:
    with cache.read() as conn:
        rows = conn.execute(
            "SELECT id, name, args FROM outbox WHERE id > ? AND id <= ? ORDER BY id",
            (floor, last),
        ).fetchall()
    return [(int(r[0]), str(r[1]), json.loads(r[2])) for r in rows]


def own_inverses(
    cache: Any, before: Snapshot, queued: list[tuple[int, str, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Inverses of queued mutations whose effect a field snapshot does not show."""
    inverse: list[dict[str, Any]] = []
    for mutation_id, name, args in reversed(queued):
        if name == "ticket.merge":
            for source_id in args["source_ids"]:
                unmerge = {
                    "ticket_id": source_id,
                    "target_id": args["target_id"],
                    "status": (before.get(source_id) or {}).get("status"),
                }
                inverse.append({"name": "ticket.unmerge", "args": unmerge})
        elif name == "ticket.unmerge":
            source, target = cache.ticket(args["ticket_id"]) or {}, cache.ticket(args["target_id"])
            force = source.get("customer_id") != (target or {}).get("customer_id")
            merge = {"source_ids": [args["ticket_id"]], "target_id": args["target_id"]}
            inverse.append({"name": "ticket.merge", "args": {**merge, "force": force}})
        elif name == "message.add":
            withdraw = {
                "mutation_id": mutation_id,
                "ticket_id": args["ticket_id"],
                "public": bool(args.get("public", True)),
            }
            inverse.append({"name": WITHDRAW, "args": withdraw})
    return inverse


def tickets_of(mutation: dict[str, Any]) -> set[int]:
    """Every ticket an (inverse) mutation names."""
    args = mutation["args"]
    found = {int(args[k]) for k in ("ticket_id", "target_id") if args.get(k) is not None}
    found |= {int(s) for s in args.get("source_ids") or []}
    return found


def record_action(
    cache: Any, label: str, before: Snapshot, floor: int, *, undo_of: int | None = None
) -> int | None:
    """Record what the mutations queued since `floor` did to the `before` tickets.

    Returns the action id, or None when nothing changed (nothing to undo).
    """
    after = snapshot(cache, before)
    last = outbox_floor(cache)
    if last <= floor:
        return None
    inverse = inverse_of(before, after) + own_inverses(
        cache, before, _queued_since(cache, floor, last)
    )
    if not inverse:
        return None
    now = utcnow().isoformat()
    with cache.write() as conn:
        cursor = conn.execute(
            "INSERT INTO action_groups (label, created_at, first_mutation_id, last_mutation_id, "
            "ticket_count, inverse, undo_of) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (label, now, floor + 1, last, len(before), json.dumps(inverse), undo_of),
        )
        return int(cursor.lastrowid or 0)


def _outbox_states(conn: Any, first: int | None, last: int | None) -> set[str]:
    if first is None or last is None:
        return set()
    rows = conn.execute(
        "SELECT DISTINCT state FROM outbox WHERE id BETWEEN ? AND ?", (first, last)
    ).fetchall()
    return {str(r[0]) for r in rows}


def actions(cache: Any, limit: int = 50, now: datetime | None = None) -> list[Action]:
    """The most recent actions, newest first, with their state and whether `u` may undo them."""
    now = now or utcnow()
    found: list[Action] = []
    with cache.write() as conn:
        rows = conn.execute(
            "SELECT * FROM action_groups ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        for row in rows:
            states = _outbox_states(conn, row["first_mutation_id"], row["last_mutation_id"])
            settled = ts_value(row["settled_at"])
            if not states and settled is None:  # first seen settled: the window starts now
                settled = now
                conn.execute(
                    "UPDATE action_groups SET settled_at = ? WHERE id = ?",
                    (now.isoformat(), row["id"]),
                )
            if row["undone_at"]:
                state = "undone"
            elif "rejected" in states:
                state = "rejected"
            elif "conflict" in states:
                state = "conflict"
            elif states & {"pending", "sent"}:
                state = "pending"
            else:
                state = "synced"
            in_window = bool(states & {"pending", "sent"}) or (
                settled is not None and now - settled <= UNDO_WINDOW
            )
            undoable = state in ("pending", "synced", "conflict") and in_window
            found.append(
                Action(
                    id=int(row["id"]),
                    label=str(row["label"]),
                    created_at=ts_value(row["created_at"]) or now,
                    ticket_count=int(row["ticket_count"]),
                    state=state,
                    undoable=undoable,
                    undo_of=row["undo_of"],
                )
            )
    return found


def undo(cache: Any, action_id: int | None = None, now: datetime | None = None) -> Action:
    """Queue the inverse of an action (default: the newest undoable one); returns that action,
    with `kept` listing what could not be taken back (a reply already sent).

    Raises StoreError when there is nothing (more) to undo.
    """
    candidates = [a for a in actions(cache, now=now) if a.undoable]
    if action_id is not None:
        candidates = [a for a in candidates if a.id == action_id]
    if not candidates:
        if action_id is None:
            raise StoreError("nothing to undo (actions stay undoable 10 minutes after sync)")
        raise StoreError(f"action {action_id} can no longer be undone")
    action = candidates[0]
    with cache.read() as conn:
        row = conn.execute(
            "SELECT inverse FROM action_groups WHERE id = ?", (action.id,)
        ).fetchone()
    inverse = json.loads(row[0])
    ticket_ids = sorted(set().union(*(tickets_of(m) for m in inverse)))
    before = snapshot(cache, ticket_ids)
    floor = outbox_floor(cache)
    kept: list[str] = []
    with cache.write() as conn:
        done = 0
        for mutation in inverse:
            if mutation["name"] == WITHDRAW:
                if cache.withdraw_mutation(int(mutation["args"]["mutation_id"])):
                    done += 1
                else:
                    what = "reply" if mutation["args"].get("public", True) else "note"
                    kept.append(
                        f"the {what} on #{mutation['args']['ticket_id']} had already been"
                        " sent: it stays"
                    )
                continue
            cache.record_mutation(mutation["name"], mutation["args"])
            done += 1
        if not done:
            raise StoreError("; ".join(kept) or "nothing left to undo")
        conn.execute(
            "UPDATE action_groups SET undone_at = ? WHERE id = ?",
            ((now or utcnow()).isoformat(), action.id),
        )
    record_action(cache, f"Undo: {action.label}", before, floor, undo_of=action.id)
    return replace(action, state="undone", undoable=False, kept=tuple(kept))
