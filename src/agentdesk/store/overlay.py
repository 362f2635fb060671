"""The optimistic overlay: cached rows = confirmed server state + pending mutations replayed.

When a mutation first touches a row, the row's confirmed state is copied to `shadow`. Each
rebase starts from that copy and replays the row's replayable mutations (state `pending` or
`sent`) in id order with the domain's pure effect functions; a rejected or conflicting
mutation is simply no longer replayed. Once no replayable mutation touches a row its shadow
is dropped and the cached row is the server's again (after the next pull at the latest).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

from agentdesk.store import canned_local, draft_local, swarm_local
from agentdesk.store.codec import decode_row, encode_values, ts_value
from agentdesk.store.schema import ENTITY_TABLES, TABLE_OF

REPLAYABLE = ("pending", "sent")


def mutation_target(name: str, args: BaseModel, agent_id: int | None) -> tuple[str, str]:
    """The (entity, id) a mutation changes in the cache."""
    from agentdesk.domain.mutations import AvailabilityArgs, TicketMergeArgs, VoidArgs

    canned = canned_local.target(args) or swarm_local.target(args) or draft_local.target(args)
    if canned is not None:
        return canned
    if isinstance(args, AvailabilityArgs):
        if agent_id is None:
            raise ValueError("the profile's agent is unknown (log in and sync first)")
        return ("agent", str(agent_id))
    if isinstance(args, TicketMergeArgs):
        return ("ticket", str(args.target_id))
    if isinstance(args, VoidArgs):
        raise ValueError("a void mutation is made from a withdrawn one, never queued as such")
    ticket_id = getattr(args, "ticket_id", None)
    if ticket_id is None:
        raise ValueError(f"mutation {name} has no target")
    return ("ticket", str(ticket_id))


def _sla_targets(conn: sqlite3.Connection, ticket: dict[str, Any]) -> dict[str, Any] | None:
    policy_id = ticket.get("sla_policy_id")
    if policy_id is None:
        return None
    row = conn.execute("SELECT targets FROM sla_policies WHERE id = ?", (policy_id,)).fetchone()
    return json.loads(row[0]) if row and row[0] else None


def mutation_changes(
    conn: sqlite3.Connection, row: dict[str, Any], name: str, args: BaseModel, now: datetime
) -> dict[str, Any]:
    """The column changes (domain values) a mutation makes to its target row right now."""
    from agentdesk.domain.mutations import (
        AvailabilityArgs,
        FieldRule,
        MessageAddArgs,
        TicketAssignArgs,
        TicketMergeArgs,
        TicketTagsArgs,
        TicketUnmergeArgs,
        TicketUpdateArgs,
        VoidArgs,
        field_outcome,
        follow_up_changes,
        message_effect_on_ticket,
        ticket_assign_effect,
        ticket_tags_effect,
        ticket_update_effect,
    )

    changes: dict[str, Any]
    if isinstance(args, TicketUpdateArgs):
        changes = ticket_update_effect(row, args).changes
    elif isinstance(args, TicketAssignArgs):
        changes = ticket_assign_effect(row, args).changes
    elif isinstance(args, TicketTagsArgs):
        changes = ticket_tags_effect(row, args).changes
    elif isinstance(args, MessageAddArgs):
        return message_effect_on_ticket(row, args, now)
    elif isinstance(args, TicketMergeArgs | TicketUnmergeArgs | VoidArgs):
        return {}  # merges: several tickets change, shown once the server applied it (next pull)
    elif isinstance(args, AvailabilityArgs):
        rule = field_outcome(row.get("availability"), args.from_, args.to)
        return {"availability": args.to} if rule is FieldRule.APPLY else {}
    elif (canned := canned_local.changes(row, args, now)) is not None:
        return canned
    elif (swarm := swarm_local.changes(row, args, now)) is not None:
        return swarm
    elif (draft := draft_local.changes(row, args, now, _my_agent_id(conn))) is not None:
        return draft
    else:
        raise ValueError(f"no local effect for mutation {name}")
    if not changes:
        return {}
    return follow_up_changes(row, changes, now, _sla_targets(conn, row))


def _my_agent_id(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'agent_id'").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def read_row(conn: sqlite3.Connection, entity: str, entity_id: str) -> dict[str, Any] | None:
    """The cached row as domain values (synced columns only)."""
    info = ENTITY_TABLES[entity]
    cols = ", ".join(info.columns)
    key: Any = int(entity_id) if info.int_id else entity_id
    row = conn.execute(f"SELECT {cols} FROM {info.table} WHERE id = ?", (key,)).fetchone()
    return None if row is None else decode_row(entity, row)


def write_row(
    conn: sqlite3.Connection, entity: str, entity_id: str, values: dict[str, Any], pending: bool
) -> None:
    """Write domain values into the cached row (and the ticket's local_pending flag)."""
    info = ENTITY_TABLES[entity]
    stored = encode_values(entity, {k: v for k, v in values.items() if k in info.columns})
    stored.pop("id", None)
    if entity == "ticket":
        stored["local_pending"] = int(pending)
        if "assignee_id" in stored:
            stored["assignee_name"] = _agent_name(conn, stored["assignee_id"])
    if not stored:
        return
    sets = ", ".join(f"{column} = ?" for column in stored)
    key: Any = int(entity_id) if info.int_id else entity_id
    conn.execute(f"UPDATE {info.table} SET {sets} WHERE id = ?", (*stored.values(), key))


def _agent_name(conn: sqlite3.Connection, agent_id: int | None) -> str:
    if agent_id is None:
        return ""
    row = conn.execute("SELECT name FROM agents WHERE id = ?", (agent_id,)).fetchone()
    return row[0] if row and row[0] is not None else ""


def ensure_shadow(conn: sqlite3.Connection, entity: str, entity_id: str) -> dict[str, Any]:
    """The row's confirmed state, copying it to `shadow` if this is its first pending change."""
    row = conn.execute(
        "SELECT data FROM shadow WHERE entity = ? AND id = ?", (entity, entity_id)
    ).fetchone()
    if row is not None:
        return _shadow_values(entity, row[0])
    current = read_row(conn, entity, entity_id)
    if current is None:
        raise LookupError(f"{entity} {entity_id} is not in the cache")
    save_shadow(conn, entity, entity_id, current)
    return current


def save_shadow(
    conn: sqlite3.Connection, entity: str, entity_id: str, values: dict[str, Any]
) -> None:
    data = json.dumps(encode_values(entity, values), ensure_ascii=False)
    conn.execute(
        "INSERT INTO shadow(entity, id, data) VALUES (?, ?, ?) "
        "ON CONFLICT(entity, id) DO UPDATE SET data = excluded.data",
        (entity, entity_id, data),
    )


def load_shadow(conn: sqlite3.Connection, entity: str, entity_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT data FROM shadow WHERE entity = ? AND id = ?", (entity, entity_id)
    ).fetchone()
    return None if row is None else _shadow_values(entity, row[0])


def _shadow_values(entity: str, data: str) -> dict[str, Any]:
    stored = json.loads(data)
    for column in ENTITY_TABLES[entity].json_columns:
        if isinstance(stored.get(column), str):
            stored[column] = json.loads(stored[column])
    for column in ENTITY_TABLES[entity].ts_columns:
        stored[column] = ts_value(stored.get(column))
    return stored


def replayable(conn: sqlite3.Connection, entity: str, entity_id: str) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT id, name, args, created_at FROM outbox WHERE entity = ? AND entity_id = ? "
        "AND state IN ('pending', 'sent') ORDER BY id",
        (entity, entity_id),
    ).fetchall()


def rebase(conn: sqlite3.Connection, entity: str, entity_id: str) -> None:
    """Cached row := shadow + replayable mutations; drop the shadow when none is left."""
    from agentdesk.domain.mutations import parse_args

    base = load_shadow(conn, entity, entity_id)
    if base is None:
        return
    pending = replayable(conn, entity, entity_id)
    working = dict(base)
    for mutation in pending:
        args = parse_args(mutation["name"], json.loads(mutation["args"]))
        now = ts_value(mutation["created_at"])
        assert now is not None
        working.update(mutation_changes(conn, working, mutation["name"], args, now))
    write_row(conn, entity, entity_id, working, pending=bool(pending))
    if not pending:
        conn.execute("DELETE FROM shadow WHERE entity = ? AND id = ?", (entity, entity_id))


def settle(conn: sqlite3.Connection, entity: str, entity_id: str) -> None:
    """After applied results: drop the shadow once no replayable mutation is left."""
    if entity is None or replayable(conn, entity, entity_id):
        return
    conn.execute("DELETE FROM shadow WHERE entity = ? AND id = ?", (entity, entity_id))
    if entity == "ticket":
        conn.execute("UPDATE tickets SET local_pending = 0 WHERE id = ?", (int(entity_id),))


def pending_targets(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    """Every (entity, id) some replayable mutation touches (small: the local queue)."""
    rows = conn.execute(
        "SELECT DISTINCT entity, entity_id FROM outbox WHERE state IN ('pending', 'sent')"
    ).fetchall()
    shadows = conn.execute("SELECT entity, id FROM shadow").fetchall()
    return {(r[0], r[1]) for r in rows} | {(r[0], r[1]) for r in shadows}


def table_of(entity: str) -> str:
    return TABLE_OF[entity]
