"""The outbox: local writes as mutations, applied optimistically, pushed, acknowledged.

States of an outbox row: `pending` (not yet definitely handled by the backend), `sent`
(applied; kept until a pull acknowledges it), `conflict` (some fields conflicted: see
`conflicts`; dropped once every conflict is resolved), `rejected` (kept with its reason
until dismissed). Mutation ids come from AUTOINCREMENT, so they are never reused.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from agentdesk.domain.ids import uuid7
from agentdesk.domain.timeutil import utcnow
from agentdesk.store import canned_local, draft_local, overlay, swarm_local
from agentdesk.store.codec import ts_text, ts_value
from agentdesk.store.db import CacheCore, StoreError

if TYPE_CHECKING:
    from agentdesk.domain.mutations import MessageAddArgs

# `agentdesk.domain.mutations` (pydantic) is imported where a mutation is parsed, not here:
# the TUI's first paint reads the cache and needs none of it.

_CONFLICT_MUTATION: dict[str, str] = {
    "status": "ticket.update",
    "priority": "ticket.update",
    "subject": "ticket.update",
    "group_id": "ticket.update",
    "assignee_id": "ticket.assign",
}


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    name: str
    args: dict[str, Any]
    created_at: datetime
    state: Literal["pending", "sent", "conflict", "rejected"]
    reason: str | None
    entity: str | None
    entity_id: str | None


@dataclass(frozen=True, slots=True)
class ConflictRow:
    id: int
    mutation_id: int
    ticket_id: int | None
    field: str
    base: Any
    mine: Any
    theirs: Any
    created_at: datetime
    resolved: str | None  # None (open), "mine" or "theirs"


class ResultLike(Protocol):
    """What `record_results` reads: `agentdesk.sync.backend.MutationResult` fits."""

    id: int
    outcome: str
    reason: str | None
    conflicts: dict[str, dict[str, Any]]


def _outbox_row(row: sqlite3.Row) -> OutboxRow:
    created = ts_value(row["created_at"])
    assert created is not None
    return OutboxRow(
        id=row["id"],
        name=row["name"],
        args=json.loads(row["args"]),
        created_at=created,
        state=row["state"],
        reason=row["reason"],
        entity=row["entity"],
        entity_id=row["entity_id"],
    )


def _conflict_row(row: sqlite3.Row) -> ConflictRow:
    created = ts_value(row["created_at"])
    assert created is not None
    return ConflictRow(
        id=row["id"],
        mutation_id=row["mutation_id"],
        ticket_id=row["ticket_id"],
        field=row["field"],
        base=json.loads(row["base"]),
        mine=json.loads(row["mine"]),
        theirs=json.loads(row["theirs"]),
        created_at=created,
        resolved=row["resolved"],
    )


def _effective_outcome(result: ResultLike) -> str:
    """A `duplicate` carrying its first outcome's conflicts or reason counts as that outcome."""
    outcome = str(result.outcome)
    if outcome != "duplicate":
        return outcome
    original = getattr(result, "original_outcome", None)
    if original in ("conflict", "rejected", "applied"):
        return str(original)
    if result.conflicts:
        return "conflict"
    if result.reason:
        return "rejected"
    return "applied"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


class OutboxMixin(CacheCore):
    # ---- recording -------------------------------------------------------------------------

    def record_mutation(self, name: str, args: dict[str, Any]) -> int:
        """Validate, queue and optimistically apply one mutation; returns its mutation id.

        Raises `MutationError` (a ValueError) for invalid arguments and `StoreError` when the
        target row is not cached. Nothing is written unless everything succeeds.
        """
        from agentdesk.domain.mutations import MessageAddArgs, MutationError, parse_args

        try:
            parsed = parse_args(name, args)
        except MutationError as exc:  # pydantic's report spans lines: make it one
            raise MutationError(" ".join(str(exc).split())) from exc
        now = utcnow()
        with self.write() as conn:
            agent_id = self._get_meta(conn, "agent_id")
            try:
                entity, entity_id = overlay.mutation_target(
                    name, parsed, None if agent_id is None else int(agent_id)
                )
                direct_names = (*canned_local.DIRECT, *swarm_local.DIRECT, *draft_local.DIRECT)
                if name in direct_names:  # no confirmed row
                    mine = None if agent_id is None else int(agent_id)
                    direct = (
                        canned_local
                        if name in canned_local.DIRECT
                        else swarm_local
                        if name in swarm_local.DIRECT
                        else draft_local
                    )
                    direct.apply_direct(conn, parsed, mine, now)
                    return (
                        conn.execute(
                            "INSERT INTO outbox(name, args, created_at, state, entity, entity_id) "
                            "VALUES (?, ?, ?, 'pending', ?, ?)",
                            (name, _json(args), ts_text(now), entity, entity_id),
                        ).lastrowid
                        or 0
                    )
                overlay.ensure_shadow(conn, entity, entity_id)
            except (LookupError, ValueError) as exc:
                raise StoreError(str(exc)) from exc
            current = overlay.read_row(conn, entity, entity_id)
            assert current is not None
            changes = overlay.mutation_changes(conn, current, name, parsed, now)
            cursor = conn.execute(
                "INSERT INTO outbox(name, args, created_at, state, entity, entity_id) "
                "VALUES (?, ?, ?, 'pending', ?, ?)",
                (name, _json(args), ts_text(now), entity, entity_id),
            )
            mutation_id = cursor.lastrowid
            assert mutation_id is not None
            overlay.write_row(conn, entity, entity_id, {**current, **changes}, pending=True)
            if isinstance(parsed, MessageAddArgs):
                self._insert_local_message(conn, parsed, current, agent_id, now)
        return mutation_id

    def _insert_local_message(
        self,
        conn: sqlite3.Connection,
        args: MessageAddArgs,
        ticket: dict[str, Any],
        agent_id: str | None,
        now: datetime,
    ) -> None:
        conn.execute(
            "INSERT INTO messages(id, ticket_id, public, author_kind, author_id, body, channel, "
            "created_at, version, local_state) VALUES (?, ?, ?, 'agent', ?, ?, ?, ?, 0, 'pending') "
            "ON CONFLICT(id) DO NOTHING",
            (
                args.id,
                args.ticket_id,
                int(args.public),
                None if agent_id is None else int(agent_id),
                args.body,
                ticket.get("channel") or "email",
                ts_text(now),
            ),
        )

    # ---- helpers that read the cached value as `from` ---------------------------------------

    def _ticket_now(self, conn: sqlite3.Connection, ticket_id: int) -> dict[str, Any]:
        row = overlay.read_row(conn, "ticket", str(ticket_id))
        if row is None:
            raise StoreError(f"ticket #{ticket_id} is not in the local cache")
        return row

    def update_ticket(
        self,
        ticket_id: int,
        *,
        status: str | None = None,
        priority: str | None = None,
        subject: str | None = None,
        group_id: int | None = None,
    ) -> int | None:
        """Queue a `ticket.update` of the given fields (from = cached values).

        Returns the mutation id, or None when every given field already has that value.
        """
        wanted = {"status": status, "priority": priority, "subject": subject, "group_id": group_id}
        with self.write() as conn:
            ticket = self._ticket_now(conn, ticket_id)
            fields = {
                name: {"from": ticket.get(name), "to": str(value) if name != "group_id" else value}
                for name, value in wanted.items()
                if value is not None and ticket.get(name) != value
            }
            if not fields:
                return None
            return self.record_mutation("ticket.update", {"ticket_id": ticket_id, "fields": fields})

    def assign_ticket(self, ticket_id: int, to: int | None) -> int | None:
        """Queue a `ticket.assign` (from = cached assignee); None if already assigned so."""
        with self.write() as conn:
            ticket = self._ticket_now(conn, ticket_id)
            if ticket.get("assignee_id") == to:
                return None
            return self.record_mutation(
                "ticket.assign",
                {"ticket_id": ticket_id, "from": ticket.get("assignee_id"), "to": to},
            )

    def tag_ticket(
        self, ticket_id: int, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> int | None:
        """Queue a `ticket.tags`; None if it would change nothing."""
        add, remove = list(add), list(remove)
        with self.write() as conn:
            tags = set(self._ticket_now(conn, ticket_id).get("tags") or [])
            if not [t for t in add if t not in tags] and not [t for t in remove if t in tags]:
                return None
            return self.record_mutation(
                "ticket.tags", {"ticket_id": ticket_id, "add": add, "remove": remove}
            )

    def add_message(self, ticket_id: int, body: str, public: bool = True) -> str:
        """Queue a reply (public) or internal note; returns the new message's id (UUIDv7)."""
        message_id = uuid7()
        self.record_mutation(
            "message.add",
            {"id": message_id, "ticket_id": ticket_id, "body": body, "public": public},
        )
        return message_id

    def set_availability(self, to: str) -> int | None:
        """Queue an `agent.availability` for the profile's agent; None if unchanged."""
        with self.write() as conn:
            agent_id = self._get_meta(conn, "agent_id")
            if agent_id is None:
                raise StoreError("the profile's agent is unknown (log in and sync first)")
            agent = overlay.read_row(conn, "agent", agent_id)
            if agent is None:
                raise StoreError(f"agent {agent_id} is not in the local cache")
            if agent.get("availability") == to:
                return None
            return self.record_mutation(
                "agent.availability", {"from": agent.get("availability"), "to": to}
            )

    # ---- for the sync engine -------------------------------------------------------------

    def pending_mutations(self, limit: int = 500) -> list[OutboxRow]:
        """Mutations to push, oldest first (state `pending`).

        The rows returned are *claimed* (meta `claimed_through`, in the same transaction):
        from now on the backend may have them, so `withdraw_mutation` refuses them.
        """
        sql = "SELECT * FROM outbox WHERE state = 'pending' ORDER BY id LIMIT ?"
        with self.read() as conn:
            rows = conn.execute(sql, (limit,)).fetchall()
            claimed = int(self._get_meta(conn, "claimed_through") or 0)
        if rows and rows[-1]["id"] > claimed:  # new rows: read them again and claim them
            with self.write() as conn:
                rows = conn.execute(sql, (limit,)).fetchall()
                claimed = int(self._get_meta(conn, "claimed_through") or 0)
                if rows and rows[-1]["id"] > claimed:
                    self._set_meta(conn, "claimed_through", str(rows[-1]["id"]))
        return [_outbox_row(r) for r in rows]

    def note_delivered(self, through: int) -> None:
        """A request carrying mutations up to `through` may have reached the backend."""
        with self.write() as conn:
            if through > int(self._get_meta(conn, "delivered_through") or 0):
                self._set_meta(conn, "delivered_through", str(through))

    def release_claims(self, after: int) -> None:
        """The push that claimed rows above `after` certainly sent none of them (it could not
        connect): they may be withdrawn again, except what an earlier request may have carried."""
        with self.write() as conn:
            floor = max(after, int(self._get_meta(conn, "delivered_through") or 0))
            if floor < int(self._get_meta(conn, "claimed_through") or 0):
                self._set_meta(conn, "claimed_through", str(floor))

    def withdraw_mutation(self, mutation_id: int) -> bool:
        """Take back a mutation no push has picked up yet; False when it may have left.

        The row stays (mutation ids must reach the backend without gaps) but becomes a
        `mutation.void`, which the backend applies as nothing; a withdrawn reply's local
        message is removed and the ticket shown without its effect.
        """
        with self.write() as conn:
            row = conn.execute(
                "SELECT * FROM outbox WHERE id = ? AND state = 'pending'", (mutation_id,)
            ).fetchone()
            claimed = int(self._get_meta(conn, "claimed_through") or 0)
            if row is None or mutation_id <= claimed:
                return False
            if row["name"] == "mutation.void":
                return True
            conn.execute(
                "UPDATE outbox SET name = 'mutation.void', args = ? WHERE id = ?",
                (_json({"withdrawn": row["name"]}), mutation_id),
            )
            args = json.loads(row["args"])
            for direct in (canned_local, swarm_local, draft_local):
                if row["name"] in direct.DIRECT:
                    direct.undo_direct(conn, row["name"], args)
            if row["name"] == "message.add":
                conn.execute(
                    "DELETE FROM messages WHERE id = ? AND local_state = 'pending'",
                    (args.get("id"),),
                )
            if row["entity"] is not None:
                overlay.rebase(conn, row["entity"], row["entity_id"])
        return True

    def record_results(self, results: Sequence[ResultLike], *, ack_by_pull: bool = True) -> None:
        """Store the backend's definite outcomes (one transaction).

        applied/duplicate: `sent` (or dropped at once when the backend cannot acknowledge by
        pull); conflict: `conflicts` rows + state `conflict`, the server values shown;
        rejected: kept with its reason, its local effect rolled back.
        """
        now = ts_text(utcnow())
        with self.write() as conn:
            touched: set[tuple[str, str]] = set()
            changed: set[tuple[str, str]] = set()  # rows whose cached values must change
            for result in results:
                row = conn.execute("SELECT * FROM outbox WHERE id = ?", (result.id,)).fetchone()
                if row is None or row["state"] not in overlay.REPLAYABLE:
                    continue
                entity, entity_id = row["entity"], row["entity_id"]
                touched.add((entity, entity_id))
                outcome = _effective_outcome(result)
                if outcome not in ("applied", "duplicate"):
                    changed.add((entity, entity_id))
                if outcome in ("applied", "duplicate"):
                    self._apply_to_shadow(conn, row, {})
                    if ack_by_pull:
                        conn.execute("UPDATE outbox SET state = 'sent' WHERE id = ?", (row["id"],))
                    else:
                        conn.execute("DELETE FROM outbox WHERE id = ?", (row["id"],))
                elif outcome == "conflict":
                    theirs = {f: v.get("theirs") for f, v in (result.conflicts or {}).items()}
                    self._apply_to_shadow(conn, row, theirs)
                    ticket_id = int(entity_id) if entity == "ticket" else None
                    for field, values in (result.conflicts or {}).items():
                        conn.execute(
                            "INSERT INTO conflicts(mutation_id, ticket_id, field, base, mine, "
                            "theirs, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (
                                row["id"],
                                ticket_id,
                                field,
                                _json(values.get("base")),
                                _json(values.get("mine")),
                                _json(values.get("theirs")),
                                now,
                            ),
                        )
                    state = "conflict" if result.conflicts else ("sent" if ack_by_pull else None)
                    if state is None:
                        conn.execute("DELETE FROM outbox WHERE id = ?", (row["id"],))
                    else:
                        conn.execute("UPDATE outbox SET state = ? WHERE id = ?", (state, row["id"]))
                else:
                    conn.execute(
                        "UPDATE outbox SET state = 'rejected', reason = ? WHERE id = ?",
                        (result.reason or "rejected by the server", row["id"]),
                    )
                    if row["name"] in canned_local.DIRECT:
                        canned_local.undo_direct(conn, row["name"], json.loads(row["args"]))
                    if row["name"] in swarm_local.DIRECT:
                        swarm_local.undo_direct(conn, row["name"], json.loads(row["args"]))
                    if row["name"] in draft_local.DIRECT:
                        draft_local.undo_direct(conn, row["name"], json.loads(row["args"]))
                    if row["name"] == "message.add":
                        message_id = json.loads(row["args"]).get("id")
                        conn.execute(
                            "UPDATE messages SET local_state = 'rejected' "
                            "WHERE id = ? AND local_state IS NOT NULL",
                            (message_id,),
                        )
            for entity, entity_id in sorted(touched):
                if (entity, entity_id) in changed:
                    overlay.rebase(conn, entity, entity_id)
                else:  # applied as shown: the cached row is already right
                    overlay.settle(conn, entity, entity_id)

    def _apply_to_shadow(
        self, conn: sqlite3.Connection, row: sqlite3.Row, theirs: dict[str, Any]
    ) -> None:
        """The server applied `row` (except fields in `theirs`): move the confirmed copy along."""
        entity, entity_id = row["entity"], row["entity_id"]
        base = overlay.load_shadow(conn, entity, entity_id)
        if base is None:
            return
        from agentdesk.domain.mutations import MutationError, parse_args

        try:
            args = parse_args(row["name"], json.loads(row["args"]))
        except MutationError:
            return
        when = ts_value(row["created_at"])
        assert when is not None
        changes = overlay.mutation_changes(conn, base, row["name"], args, when)
        for field in theirs:
            changes.pop(field, None)
        base.update(changes)
        base.update(theirs)
        overlay.save_shadow(conn, entity, entity_id, base)

    def dismiss_rejected(self, mutation_id: int) -> None:
        """Forget a rejected mutation (and its unsent message, if it was one)."""
        with self.write() as conn:
            row = conn.execute(
                "SELECT * FROM outbox WHERE id = ? AND state = 'rejected'", (mutation_id,)
            ).fetchone()
            if row is None:
                raise StoreError(f"no rejected mutation {mutation_id}")
            if row["name"] == "message.add":
                conn.execute(
                    "DELETE FROM messages WHERE id = ? AND local_state = 'rejected'",
                    (json.loads(row["args"]).get("id"),),
                )
            conn.execute("DELETE FROM outbox WHERE id = ?", (mutation_id,))

    # ---- listing and conflicts ---------------------------------------------------------

    def outbox_rows(self, states: Iterable[str] | None = None) -> list[OutboxRow]:
        """Every outbox row (or those in `states`), oldest first."""
        if states is None:
            rows = self.conn.execute("SELECT * FROM outbox ORDER BY id").fetchall()
        else:
            wanted = list(states)
            marks = ", ".join("?" for _ in wanted)
            rows = self.conn.execute(
                f"SELECT * FROM outbox WHERE state IN ({marks}) ORDER BY id", wanted
            ).fetchall()
        return [_outbox_row(r) for r in rows]

    def conflicts(self, include_resolved: bool = False) -> list[ConflictRow]:
        sql = "SELECT * FROM conflicts"
        if not include_resolved:
            sql += " WHERE resolved IS NULL"
        rows = self.conn.execute(sql + " ORDER BY id").fetchall()
        return [_conflict_row(r) for r in rows]

    def resolve_conflict(self, conflict_id: int, keep: Literal["mine", "theirs"]) -> int | None:
        """Settle one conflict. "mine" queues a new mutation (from theirs to mine) and returns
        its id; "theirs" keeps the server value. The conflicting mutation leaves the outbox
        once all its conflicts are settled."""
        if keep not in ("mine", "theirs"):
            raise StoreError(f"keep must be 'mine' or 'theirs', not {keep!r}")
        with self.write() as conn:
            found = conn.execute(
                "SELECT * FROM conflicts WHERE id = ? AND resolved IS NULL", (conflict_id,)
            ).fetchone()
            if found is None:
                raise StoreError(f"no open conflict {conflict_id}")
            conflict = _conflict_row(found)
            new_id: int | None = None
            if keep == "mine":
                new_id = self._requeue_mine(conflict)
            conn.execute("UPDATE conflicts SET resolved = ? WHERE id = ?", (keep, conflict_id))
            left = conn.execute(
                "SELECT count(*) FROM conflicts WHERE mutation_id = ? AND resolved IS NULL",
                (conflict.mutation_id,),
            ).fetchone()[0]
            if not left:
                conn.execute(
                    "DELETE FROM outbox WHERE id = ? AND state = 'conflict'",
                    (conflict.mutation_id,),
                )
        return new_id

    def _requeue_mine(self, conflict: ConflictRow) -> int | None:
        if conflict.field == "merged_into_id" and conflict.ticket_id is not None:
            # an unmerge found the ticket merged elsewhere since: "mine" takes it out of there
            if conflict.theirs is None:
                return None
            args = {"ticket_id": conflict.ticket_id, "target_id": conflict.theirs}
            return self.record_mutation("ticket.unmerge", args)
        name = _CONFLICT_MUTATION.get(conflict.field)
        if name is None or conflict.ticket_id is None:
            raise StoreError(f"cannot re-apply a conflict on {conflict.field!r}")
        if name == "ticket.assign":
            args: dict[str, Any] = {
                "ticket_id": conflict.ticket_id,
                "from": conflict.theirs,
                "to": conflict.mine,
            }
        else:
            args = {
                "ticket_id": conflict.ticket_id,
                "fields": {conflict.field: {"from": conflict.theirs, "to": conflict.mine}},
            }
        return self.record_mutation(name, args)

    # ---- counts for the status bar -----------------------------------------------------

    def pending_count(self) -> int:
        """Mutations not yet confirmed by the backend (pending or sent-but-unacknowledged)."""
        return self.conn.execute(
            "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sent')"
        ).fetchone()[0]

    def conflict_count(self) -> int:
        return self.conn.execute(
            "SELECT count(*) FROM conflicts WHERE resolved IS NULL"
        ).fetchone()[0]

    def rejected_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM outbox WHERE state = 'rejected'").fetchone()[
            0
        ]

    def oldest_pending_at(self) -> datetime | None:
        row = self.conn.execute(
            "SELECT min(created_at) FROM outbox WHERE state IN ('pending', 'sent')"
        ).fetchone()
        return ts_value(row[0])

    # ---- drafts (composer) -------------------------------------------------------------

    def save_draft(self, ticket_id: int, kind: Literal["reply", "note"], body: str) -> None:
        """Keep the composer's text (an empty body deletes the draft)."""
        with self.write() as conn:
            if not body:
                conn.execute(
                    "DELETE FROM drafts WHERE ticket_id = ? AND kind = ?", (ticket_id, kind)
                )
                return
            conn.execute(
                "INSERT INTO drafts(ticket_id, kind, body, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(ticket_id, kind) DO UPDATE SET body = excluded.body, "
                "updated_at = excluded.updated_at",
                (ticket_id, kind, body, ts_text(utcnow())),
            )

    def draft(self, ticket_id: int, kind: Literal["reply", "note"]) -> str | None:
        row = self.conn.execute(
            "SELECT body FROM drafts WHERE ticket_id = ? AND kind = ?", (ticket_id, kind)
        ).fetchone()
        return None if row is None else row[0]

    def delete_draft(self, ticket_id: int, kind: Literal["reply", "note"]) -> None:
        self.save_draft(ticket_id, kind, "")
