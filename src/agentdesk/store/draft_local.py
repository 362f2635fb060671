"""Optimistic local effects of the `draft.*` mutations (shared drafts, hooks of the outbox).

`share` creates the row, so it acts directly (`apply_direct`, version 0 until a pull
confirms it; `undo_direct` drops it if the server rejects the share). `edit`, `comment` and
`send` go through the ordinary overlay (shadow copy + replay) on the draft row (`changes`);
the sent message itself arrives with the next pull.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

from agentdesk.store.codec import ENCODERS
from agentdesk.store.schema import ENTITY_TABLES

DIRECT = ("draft.share",)


def target(args: BaseModel) -> tuple[str, str] | None:
    """(entity, id) of a draft mutation; None for any other mutation."""
    from agentdesk.domain.mutations import (
        DraftCommentArgs,
        DraftEditArgs,
        DraftSendArgs,
        DraftShareArgs,
    )

    if isinstance(args, DraftShareArgs):
        return ("shared_draft", args.id)
    if isinstance(args, DraftEditArgs | DraftCommentArgs | DraftSendArgs):
        return ("shared_draft", args.draft_id)
    return None


def changes(
    row: dict[str, Any], args: BaseModel, now: datetime, agent_id: int | None
) -> dict[str, Any] | None:
    """Column changes of `edit`/`comment`/`send` on the draft row (None: not a draft one)."""
    from agentdesk.domain.mutations import (
        DraftCommentArgs,
        DraftEditArgs,
        DraftSendArgs,
        DraftShareArgs,
    )

    if isinstance(args, DraftEditArgs):
        if row.get("status") != "open" or row.get("body") == args.body:
            return {}
        return {"body": args.body, "edited_by": agent_id, "updated_at": now}
    if isinstance(args, DraftCommentArgs):
        comments = list(row.get("comments") or [])
        if any(comment.get("id") == args.id for comment in comments):
            return {}
        comment = {
            "id": args.id,
            "author_id": agent_id,
            "body": args.body,
            "created_at": now.isoformat(),
        }
        return {"comments": [*comments, comment]}
    if isinstance(args, DraftSendArgs):
        if row.get("status") != "open":
            return {}
        return {"status": "sent", "message_id": args.message_id, "updated_at": now}
    if isinstance(args, DraftShareArgs):
        return {}
    return None


def apply_direct(
    conn: sqlite3.Connection, args: BaseModel, agent_id: int | None, now: datetime
) -> None:
    """Insert the shared draft (version 0 until a pull confirms it)."""
    from agentdesk.domain.mutations import DraftShareArgs

    if agent_id is None:
        raise ValueError("the profile's agent is unknown (log in and sync first)")
    if not isinstance(args, DraftShareArgs):
        return
    found = conn.execute("SELECT 1 FROM tickets WHERE id = ?", (args.ticket_id,)).fetchone()
    if found is None:
        raise LookupError(f"ticket #{args.ticket_id} is not in the local cache")
    reviewers = [m for m in dict.fromkeys(args.reviewer_ids) if m != agent_id]
    values = {
        "id": args.id,
        "ticket_id": args.ticket_id,
        "owner_id": agent_id,
        "reviewer_ids": reviewers,
        "body": args.body,
        "public": args.public,
        "comments": [],
        "status": "open",
        "message_id": None,
        "edited_by": agent_id,
        "created_at": now,
        "updated_at": now,
        "version": 0,
    }
    info = ENTITY_TABLES["shared_draft"]
    marks = ", ".join("?" for _ in info.columns)
    conn.execute(
        f"INSERT INTO {info.table} ({', '.join(info.columns)}) VALUES ({marks}) "
        "ON CONFLICT(id) DO UPDATE SET body = excluded.body, reviewer_ids = excluded.reviewer_ids",
        ENCODERS["shared_draft"](values),
    )


def undo_direct(conn: sqlite3.Connection, name: str, args: dict[str, Any]) -> None:
    """The server rejected a share: drop the unconfirmed local row."""
    if name == "draft.share":
        conn.execute(
            "DELETE FROM shared_drafts WHERE id = ? AND version = 0", (str(args.get("id")),)
        )
