"""Optimistic local effects of the `canned_response.*` mutations (hooks used by the overlay).

`update` and `use` go through the ordinary overlay (shadow copy + replay): `changes` gives
their column changes. `create` and `delete` have no confirmed row to replay on, so they act
directly (`apply_direct`): a created row is inserted with version 0 (a pull overwrites it
with the server's), a deleted row is removed after its confirmed state is copied to `shadow`.
If the server rejects either, `undo_direct` puts things back.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

from agentdesk.store.codec import ENCODERS, decode_row
from agentdesk.store.schema import ENTITY_TABLES

ENTITY = "canned_response"
DIRECT = ("canned_response.create", "canned_response.delete")


def target(args: BaseModel) -> tuple[str, str] | None:
    """(entity, id) of a canned-response mutation; None for any other mutation."""
    from agentdesk.domain.mutations import (
        CannedCreateArgs,
        CannedDeleteArgs,
        CannedUpdateArgs,
        CannedUseArgs,
    )

    if isinstance(args, CannedCreateArgs | CannedUpdateArgs | CannedDeleteArgs | CannedUseArgs):
        return (ENTITY, str(args.id))
    return None


def changes(row: dict[str, Any], args: BaseModel, now: datetime) -> dict[str, Any] | None:
    """Column changes of `update`/`use` on the row (None: not a canned-response mutation)."""
    from agentdesk.domain.canned import canned_update_effect
    from agentdesk.domain.mutations import (
        CannedCreateArgs,
        CannedDeleteArgs,
        CannedUpdateArgs,
        CannedUseArgs,
    )

    if isinstance(args, CannedUpdateArgs):
        found = canned_update_effect(row, args).changes
        return {**found, "updated_at": now} if found else {}
    if isinstance(args, CannedUseArgs):
        return {"usage_count": int(row.get("usage_count") or 0) + 1}
    if isinstance(args, CannedCreateArgs | CannedDeleteArgs):
        return {}  # acted on directly when recorded
    return None


def _table() -> str:
    return ENTITY_TABLES[ENTITY].table


def _insert(conn: sqlite3.Connection, values: dict[str, Any]) -> None:
    info = ENTITY_TABLES[ENTITY]
    marks = ", ".join("?" for _ in info.columns)
    conn.execute(
        f"INSERT INTO {info.table} ({', '.join(info.columns)}) VALUES ({marks}) "
        "ON CONFLICT(id) DO NOTHING",
        ENCODERS[ENTITY](values),
    )


def apply_direct(
    conn: sqlite3.Connection, args: BaseModel, agent_id: int | None, now: datetime
) -> None:
    """Insert a created row / remove a deleted one (keeping its confirmed copy in `shadow`)."""
    from agentdesk.domain.canned import normal_actions
    from agentdesk.domain.mutations import CannedCreateArgs, CannedDeleteArgs

    if isinstance(args, CannedCreateArgs):
        _insert(
            conn,
            {
                "id": args.id,
                "title": args.title,
                "body": args.body,
                "category": args.category or "General",
                "tags": list(args.tags),
                "actions": normal_actions(args.actions.model_dump(exclude_unset=True)),
                "owner_id": None if args.shared else agent_id,
                "usage_count": 0,
                "updated_at": now,
                "version": 0,
            },
        )
    elif isinstance(args, CannedDeleteArgs):
        info = ENTITY_TABLES[ENTITY]
        row = conn.execute(
            f"SELECT {', '.join(info.columns)} FROM {info.table} WHERE id = ?", (args.id,)
        ).fetchone()
        if row is None:
            raise LookupError(f"canned response {args.id} is not in the cache")
        data = json.dumps(dict(zip(info.columns, tuple(row), strict=True)), ensure_ascii=False)
        conn.execute(
            # Keep an existing shadow: it is the confirmed state under earlier pending edits.
            "INSERT INTO shadow(entity, id, data) VALUES (?, ?, ?) "
            "ON CONFLICT(entity, id) DO NOTHING",
            (ENTITY, args.id, data),
        )
        conn.execute(f"DELETE FROM {info.table} WHERE id = ?", (args.id,))


def undo_direct(conn: sqlite3.Connection, name: str, args: dict[str, Any]) -> None:
    """The server rejected a create or delete: drop the local row / restore the deleted one."""
    canned_id = str(args.get("id"))
    if name == "canned_response.create":
        conn.execute(f"DELETE FROM {_table()} WHERE id = ? AND version = 0", (canned_id,))
    elif name == "canned_response.delete":
        found = conn.execute(
            "SELECT data FROM shadow WHERE entity = ? AND id = ?", (ENTITY, canned_id)
        ).fetchone()
        if found is not None:
            stored = json.loads(found[0])
            values = decode_row(ENTITY, stored)
            _insert(conn, values)
