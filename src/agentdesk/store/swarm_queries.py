"""Case swarms in the cache: the swarms list with unread counts, a room's messages, read
markers (local only, kept in `meta` as `swarm_read.<id>`), id lookup and expert suggestions.

Functions take an open `Cache`. Rows of version 0 are local writes not yet confirmed by a pull.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agentdesk.domain.experts import Expert, rank_experts
from agentdesk.store.codec import ENCODERS, decode_row
from agentdesk.store.db import StoreError
from agentdesk.store.id_prefix import by_id_prefix
from agentdesk.store.schema import ENTITY_TABLES

_READ_KEY = "swarm_read."


@dataclass(frozen=True, slots=True)
class SwarmRow:
    id: str
    ticket_id: int
    ticket_subject: str
    owner_id: int
    member_ids: list[int]
    ask: str
    status: str
    outcome: str | None
    created_at: datetime
    closed_at: datetime | None
    unread: int
    message_count: int
    last_at: datetime | None
    confirmed: bool

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True, slots=True)
class SwarmMessageRow:
    id: str
    swarm_id: str
    author_id: int
    author_name: str
    body: str
    created_at: datetime
    confirmed: bool


def _columns(entity: str) -> str:
    return ", ".join(f"s.{column}" for column in ENTITY_TABLES[entity].columns)


def _agent_id(cache: Any) -> int | None:
    value = cache.meta("agent_id")
    return None if value is None else int(value)


def _read_markers(cache: Any) -> dict[str, str]:
    rows = cache.conn.execute(
        "SELECT key, value FROM meta WHERE key >= ? AND key < ?", (_READ_KEY, _READ_KEY + "~")
    ).fetchall()
    return {key[len(_READ_KEY) :]: value for key, value in rows}


def swarms(
    cache: Any, *, include_closed: bool = False, mine_only: bool = True, search: str = ""
) -> list[SwarmRow]:
    """Swarms the profile's agent owns or belongs to (all cached ones if not `mine_only`),
    those with unread messages first, then the most recently active. `search`: only swarms
    whose ask, outcome, ticket subject or a message contains it (case-insensitive)."""
    me = _agent_id(cache)
    markers = _read_markers(cache)
    where = [] if include_closed else ["s.status = 'open'"]
    params: list[Any] = []
    if mine_only and me is not None:
        where.append(
            "(s.owner_id = ? OR EXISTS (SELECT 1 FROM json_each(s.member_ids) WHERE value = ?))"
        )
        params += [me, me]
    if search.strip():
        pattern = (
            "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        where.append(
            "(s.ask LIKE ? ESCAPE '\\' OR s.outcome LIKE ? ESCAPE '\\' "
            "OR t.subject LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM swarm_messages m "
            "WHERE m.swarm_id = s.id AND m.body LIKE ? ESCAPE '\\'))"
        )
        params += [pattern] * 4
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = cache.conn.execute(
        f"SELECT {_columns('swarm')}, COALESCE(t.subject, '') AS ticket_subject, "
        "(SELECT COUNT(*) FROM swarm_messages m WHERE m.swarm_id = s.id) AS message_count, "
        "(SELECT MAX(m.created_at) FROM swarm_messages m WHERE m.swarm_id = s.id) AS last_at "
        f"FROM swarms s LEFT JOIN tickets t ON t.id = s.ticket_id {clause}",
        params,
    ).fetchall()
    found: list[SwarmRow] = []
    for row in rows:
        data = decode_row("swarm", {k: row[k] for k in ENTITY_TABLES["swarm"].columns})
        marker = markers.get(data["id"])
        unread = cache.conn.execute(
            "SELECT COUNT(*) FROM swarm_messages WHERE swarm_id = ? AND created_at > ? "
            "AND author_id IS NOT ?",
            (data["id"], marker or "", me),
        ).fetchone()[0]
        if marker is None and me is not None and int(data["owner_id"]) != me:
            unread += 1  # a new invitation: its ask is unread too
        last = decode_row("swarm_message", {"created_at": row["last_at"]})["created_at"]
        found.append(
            SwarmRow(
                id=data["id"],
                ticket_id=int(data["ticket_id"]),
                ticket_subject=row["ticket_subject"],
                owner_id=int(data["owner_id"]),
                member_ids=[int(m) for m in data.get("member_ids") or []],
                ask=data.get("ask") or "",
                status=str(getattr(data["status"], "value", data["status"])),
                outcome=data.get("outcome"),
                created_at=data["created_at"],
                closed_at=data.get("closed_at"),
                unread=int(unread),
                message_count=int(row["message_count"]),
                last_at=last,
                confirmed=int(data.get("version") or 0) > 0,
            )
        )
    found.sort(key=lambda s: (s.unread == 0, -(s.last_at or s.created_at).timestamp()))
    return found


def swarm(cache: Any, swarm_id: str) -> SwarmRow | None:
    for row in swarms(cache, include_closed=True, mine_only=False):
        if row.id == swarm_id:
            return row
    return None


def find_swarm(cache: Any, prefix: str) -> SwarmRow:
    """The cached swarm whose id starts with `prefix` (raises `StoreError` if none or several)."""
    swarms_here = swarms(cache, include_closed=True, mine_only=False)
    return by_id_prefix(swarms_here, lambda s: s.id, prefix, "swarm")


def messages(cache: Any, swarm_id: str) -> list[SwarmMessageRow]:
    """The room's messages in the order written (confirmed ones by server time)."""
    rows = cache.conn.execute(
        f"SELECT {_columns('swarm_message')}, COALESCE(a.name, '') AS author_name "
        "FROM swarm_messages s LEFT JOIN agents a ON a.id = s.author_id "
        "WHERE s.swarm_id = ? ORDER BY s.created_at, s.id",
        (swarm_id,),
    ).fetchall()
    out: list[SwarmMessageRow] = []
    for row in rows:
        data = decode_row(
            "swarm_message", {k: row[k] for k in ENTITY_TABLES["swarm_message"].columns}
        )
        out.append(
            SwarmMessageRow(
                id=data["id"],
                swarm_id=data["swarm_id"],
                author_id=int(data["author_id"]),
                author_name=row["author_name"] or f"agent {data['author_id']}",
                body=data["body"],
                created_at=data["created_at"],
                confirmed=int(data.get("version") or 0) > 0,
            )
        )
    return out


def mark_read(cache: Any, swarm_id: str) -> None:
    """Everything in the room so far (the ask included) counts as read."""
    last = cache.conn.execute(
        "SELECT COALESCE((SELECT MAX(created_at) FROM swarm_messages WHERE swarm_id = ?1), "
        "(SELECT created_at FROM swarms WHERE id = ?1))",
        (swarm_id,),
    ).fetchone()[0]
    if last is not None and _read_markers(cache).get(swarm_id) != last:
        cache.set_meta(_READ_KEY + swarm_id, last)


def remember_event_row(cache: Any, entity: str, data: dict[str, Any]) -> bool:
    """Store a swarm or swarm message that came with a realtime event (wire shape), so it
    shows before the pull that will bring the same row. A newer cached row, or a row with
    pending local changes, is left alone. True if something was written."""
    if entity not in ("swarm", "swarm_message") or not data.get("id"):
        return False
    info = ENTITY_TABLES[entity]
    columns = ", ".join(info.columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in info.columns if c != "id")
    with cache.write(durable=False) as conn:
        if conn.execute(
            "SELECT 1 FROM shadow WHERE entity = ? AND id = ?", (entity, str(data["id"]))
        ).fetchone():
            return False
        marks = ", ".join("?" for _ in info.columns)
        newer = f"excluded.version > {info.table}.version"
        cursor = conn.execute(
            f"INSERT INTO {info.table} ({columns}) VALUES ({marks}) "
            f"ON CONFLICT(id) DO UPDATE SET {updates} WHERE {newer}",
            ENCODERS[entity](data),
        )
        return bool(cursor.rowcount)


def unread_total(cache: Any) -> int:
    return sum(s.unread for s in swarms(cache))


def agent_names(cache: Any) -> dict[int, str]:
    return {int(r[0]): str(r[1]) for r in cache.conn.execute("SELECT id, name FROM agents")}


def suggest_experts(cache: Any, ticket_id: int, limit: int = 10) -> list[Expert]:
    """Agents ranked for the ticket: skills vs tags and group, availability, open load."""
    ticket = cache.ticket(ticket_id)
    if ticket is None:
        raise StoreError(f"ticket #{ticket_id} is not in the local cache")
    agents = [
        {
            "id": r[0],
            "name": r[1],
            "group_ids": json.loads(r[2] or "[]"),
            "skills": json.loads(r[3] or "[]"),
            "availability": r[4],
            "capacity": r[5],
            "active": bool(r[6]),
        }
        for r in cache.conn.execute(
            "SELECT id, name, group_ids, skills, availability, capacity, active FROM agents"
        )
    ]
    load = {
        int(r[0]): int(r[1])
        for r in cache.conn.execute(
            "SELECT assignee_id, COUNT(*) FROM tickets WHERE assignee_id IS NOT NULL "
            "AND status NOT IN ('solved', 'closed') GROUP BY assignee_id"
        )
    }
    me = _agent_id(cache)
    return rank_experts(ticket, agents, load, exclude=[me] if me else [], limit=limit)


__all__ = [
    "SwarmMessageRow",
    "SwarmRow",
    "agent_names",
    "find_swarm",
    "mark_read",
    "messages",
    "suggest_experts",
    "swarm",
    "swarms",
    "unread_total",
]
