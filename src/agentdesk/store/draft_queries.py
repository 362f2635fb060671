"""Shared drafts in the cache: the reviews list and one draft by id.

Functions take an open `Cache`. Every cached draft is one the agent may see (the server
sends only the owner's, the reviewers' and their leads'); version 0 means not yet confirmed.
"""

from __future__ import annotations

from typing import Any

from agentdesk.store.codec import decode_row
from agentdesk.store.schema import ENTITY_TABLES

_COLUMNS = ", ".join(ENTITY_TABLES["shared_draft"].columns)


def shared_drafts(cache: Any, *, include_sent: bool = False) -> list[dict[str, Any]]:
    """Drafts shared by or with the agent, newest change first (open ones unless asked)."""
    where = "" if include_sent else "WHERE status = 'open'"
    with cache.read() as conn:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM shared_drafts {where} ORDER BY updated_at DESC, id"
        ).fetchall()
    return [decode_row("shared_draft", row) for row in rows]


def shared_draft(cache: Any, draft_id: str) -> dict[str, Any] | None:
    with cache.read() as conn:
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM shared_drafts WHERE id = ?", (draft_id,)
        ).fetchone()
    return None if row is None else decode_row("shared_draft", row)


def open_draft_on(cache: Any, ticket_id: int, owner_id: int | None) -> dict[str, Any] | None:
    """The agent's open shared draft on a ticket, if any (the composer re-shares it)."""
    with cache.read() as conn:
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM shared_drafts WHERE ticket_id = ? AND owner_id = ? "
            "AND status = 'open' ORDER BY created_at DESC LIMIT 1",
            (ticket_id, owner_id),
        ).fetchone()
    return None if row is None else decode_row("shared_draft", row)
