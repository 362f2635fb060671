"""Optimistic local effects of the `swarm.*` mutations (hooks used by the overlay and outbox).

`start` and `message` create rows, so they act directly (`apply_direct`): the row is
inserted with version 0 (a pull overwrites it with the server's; version 0 means "not yet
confirmed"). If the server rejects either, `undo_direct` removes it. `invite` and `close`
go through the ordinary overlay (shadow copy + replay) on the swarm row (`changes`); the
closing note on the ticket arrives with the next pull. `leave` has no local effect.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

from agentdesk.domain.enums import SwarmStatus
from agentdesk.store.codec import ENCODERS
from agentdesk.store.schema import ENTITY_TABLES

DIRECT = ("swarm.start", "swarm.message")


def target(args: BaseModel) -> tuple[str, str] | None:
    """(entity, id) of a swarm mutation; None for any other mutation."""
    from agentdesk.domain.mutations import (
        SwarmCloseArgs,
        SwarmInviteArgs,
        SwarmLeaveArgs,
        SwarmMessageArgs,
        SwarmStartArgs,
    )

    if isinstance(args, SwarmStartArgs):
        return ("swarm", args.id)
    if isinstance(args, SwarmMessageArgs):
        return ("swarm_message", args.id)
    if isinstance(args, SwarmInviteArgs | SwarmCloseArgs | SwarmLeaveArgs):
        return ("swarm", args.swarm_id)
    return None


def changes(row: dict[str, Any], args: BaseModel, now: datetime) -> dict[str, Any] | None:
    """Column changes of `invite`/`close`/`leave` on the swarm row (None: not a swarm one)."""
    from agentdesk.domain.mutations import (
        SwarmCloseArgs,
        SwarmInviteArgs,
        SwarmLeaveArgs,
        SwarmMessageArgs,
        SwarmStartArgs,
    )

    if isinstance(args, SwarmInviteArgs):
        members = [int(m) for m in row.get("member_ids") or []]
        added = [m for m in dict.fromkeys(args.member_ids) if m not in members]
        return {"member_ids": [*members, *added]} if added else {}
    if isinstance(args, SwarmCloseArgs):
        if row.get("status") == SwarmStatus.CLOSED:
            return {}
        return {"status": SwarmStatus.CLOSED, "outcome": args.summary, "closed_at": now}
    if isinstance(args, SwarmLeaveArgs | SwarmStartArgs | SwarmMessageArgs):
        return {}
    return None


def _insert(conn: sqlite3.Connection, entity: str, values: dict[str, Any]) -> None:
    info = ENTITY_TABLES[entity]
    marks = ", ".join("?" for _ in info.columns)
    conn.execute(
        f"INSERT INTO {info.table} ({', '.join(info.columns)}) VALUES ({marks}) "
        "ON CONFLICT(id) DO NOTHING",
        ENCODERS[entity](values),
    )


def apply_direct(
    conn: sqlite3.Connection, args: BaseModel, agent_id: int | None, now: datetime
) -> None:
    """Insert the started swarm / the written message (version 0 until a pull confirms it)."""
    from agentdesk.domain.mutations import SwarmMessageArgs, SwarmStartArgs

    if agent_id is None:
        raise ValueError("the profile's agent is unknown (log in and sync first)")
    if isinstance(args, SwarmStartArgs):
        found = conn.execute("SELECT 1 FROM tickets WHERE id = ?", (args.ticket_id,)).fetchone()
        if found is None:
            raise LookupError(f"ticket #{args.ticket_id} is not in the local cache")
        invitees = [m for m in dict.fromkeys(args.member_ids) if m != agent_id]
        _insert(
            conn,
            "swarm",
            {
                "id": args.id,
                "ticket_id": args.ticket_id,
                "owner_id": agent_id,
                "member_ids": [agent_id, *invitees],
                "ask": args.ask,
                "status": SwarmStatus.OPEN,
                "outcome": None,
                "created_at": now,
                "closed_at": None,
                "version": 0,
            },
        )
    elif isinstance(args, SwarmMessageArgs):
        found = conn.execute("SELECT 1 FROM swarms WHERE id = ?", (args.swarm_id,)).fetchone()
        if found is None:
            raise LookupError(f"swarm {args.swarm_id} is not in the local cache")
        _insert(
            conn,
            "swarm_message",
            {
                "id": args.id,
                "swarm_id": args.swarm_id,
                "author_id": agent_id,
                "body": args.body,
                "created_at": now,
                "version": 0,
            },
        )


def undo_direct(conn: sqlite3.Connection, name: str, args: dict[str, Any]) -> None:
    """The server rejected a start or a message: drop the unconfirmed local row."""
    if name == "swarm.start":
        conn.execute("DELETE FROM swarms WHERE id = ? AND version = 0", (str(args.get("id")),))
    elif name == "swarm.message":
        conn.execute(
            "DELETE FROM swarm_messages WHERE id = ? AND version = 0", (str(args.get("id")),)
        )
