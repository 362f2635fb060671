"""Writing pulled pages: bulk upserts per entity, deletions, cursor, acknowledgements, rebase."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from agentdesk.domain.timeutil import utcnow
from agentdesk.store import overlay
from agentdesk.store.codec import ENCODERS, decode_row, ts_text
from agentdesk.store.db import CacheCore
from agentdesk.store.schema import ENTITY_TABLES

# Below this many changes a first page is loaded the ordinary way (no index rebuild).
BULK_MIN_CHANGES = 500


@dataclass(frozen=True, slots=True)
class ApplyStats:
    upserted: int
    deleted: int
    acknowledged: int  # outbox rows dropped because the pull showed them applied
    skipped: int  # changes of entities this cache does not know (newer server)


def _upsert_sql(entity: str) -> str:
    info = ENTITY_TABLES[entity]
    columns = list(info.columns)
    params = [f"?{i + 1}" for i in range(len(columns))]
    updates = [f"{c} = excluded.{c}" for c in columns if c != "id"]
    if entity == "ticket":
        customer = f"?{columns.index('customer_id') + 1}"
        assignee = f"?{columns.index('assignee_id') + 1}"
        extra = [
            f"COALESCE((SELECT name FROM customers WHERE id = {customer}), '')",
            f"COALESCE((SELECT name FROM agents WHERE id = {assignee}), '')",
        ]
        columns += ["customer_name", "assignee_name", "local_pending"]
        params += [*extra, "0"]
        updates += [
            "customer_name = excluded.customer_name",
            "assignee_name = excluded.assignee_name",
            "local_pending = 0",
        ]
    if entity == "message":
        columns.append("local_state")
        params.append("NULL")
        updates.append("local_state = NULL")
    return (
        f"INSERT INTO {info.table} ({', '.join(columns)}) VALUES ({', '.join(params)}) "
        f"ON CONFLICT(id) DO UPDATE SET {', '.join(updates)}"
    )


_UPSERT_SQL = {entity: _upsert_sql(entity) for entity in ENTITY_TABLES}


def _change_parts(change: Any) -> tuple[str, Any, str, dict[str, Any] | None]:
    """`(entity, id, op, data)` of a plain tuple, a named tuple whose first four fields are
    those (`sync.backend.Change`), or any object with those attributes."""
    if isinstance(change, tuple):
        return change[0], change[1], change[2], change[3]
    return change.entity, change.id, change.op, change.data


def _replaying(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    """(entity, id) of every row some pending or sent mutation is replayed on."""
    rows = conn.execute(
        "SELECT DISTINCT entity, entity_id FROM outbox WHERE state IN ('pending', 'sent')"
    ).fetchall()
    return {(r[0], r[1]) for r in rows}


class ApplyMixin(CacheCore):
    def apply_changes(
        self,
        changes: Iterable[Any],
        cursor: str | None,
        last_mutation_id: int | None = None,
        *,
        has_more: bool = False,
    ) -> ApplyStats:
        """Write one pulled page in one transaction.

        `changes`: `(entity, id, op, data)` tuples or objects with those attributes (such as
        `agentdesk.sync.backend.Change`); `op` is "upsert" (data = the row, domain JSON shape)
        or "delete". The cursor is saved with the rows. Outbox rows already sent and at or
        below `last_mutation_id` are dropped. Pending mutations are replayed on the rows the
        page touched. A large first sync runs in bulk mode (indexes and search rebuilt when
        the page with `has_more=False` arrives, or when the file is next opened).
        """
        upserts: dict[str, dict[Any, dict[str, Any]]] = {}
        deletes: dict[str, dict[Any, None]] = {}
        skipped = 0
        count = 0
        for change in changes:  # every row of a first sync: kept lean
            if isinstance(change, tuple):
                entity, entity_id, op, data = change[0], change[1], change[2], change[3]
            else:
                entity, entity_id, op, data = _change_parts(change)
            count += 1
            if entity not in ENTITY_TABLES:
                skipped += 1
                continue
            if op == "delete" or data is None:
                if entity in upserts:
                    upserts[entity].pop(entity_id, None)
                deletes.setdefault(entity, {})[entity_id] = None
            else:
                if "id" not in data:
                    data = {**data, "id": entity_id}
                if deletes and entity in deletes:
                    deletes[entity].pop(entity_id, None)
                rows = upserts.get(entity)
                if rows is None:
                    rows = upserts[entity] = {}
                rows[entity_id] = data
        with self.write(durable=False) as conn:
            bulk = self._get_meta(conn, "bulk_loading") is not None
            if (
                not bulk
                and has_more
                and count >= BULK_MIN_CHANGES
                and self._get_meta(conn, "cursor") is None
                and conn.execute("SELECT 1 FROM tickets LIMIT 1").fetchone() is None
            ):
                self._begin_bulk(conn)
                bulk = True
            targets = overlay.pending_targets(conn)
            touched: set[tuple[str, str]] = set()
            upserted = 0
            for entity in ENTITY_TABLES:  # parents before children
                rows = upserts.get(entity)
                if not rows:
                    continue
                encode = ENCODERS[entity]
                conn.executemany(_UPSERT_SQL[entity], [encode(d) for d in rows.values()])
                upserted += len(rows)
                if not bulk:
                    self._propagate_names(conn, entity, rows)
                if targets:
                    touched |= {(entity, str(i)) for i in rows} & targets
            deleted = 0
            for entity, ids in deletes.items():
                table = ENTITY_TABLES[entity].table
                conn.executemany(f"DELETE FROM {table} WHERE id = ?", [(i,) for i in ids])
                deleted += len(ids)
                for entity_id in ids:
                    conn.execute(
                        "DELETE FROM shadow WHERE entity = ? AND id = ?", (entity, str(entity_id))
                    )
            acknowledged = 0
            if last_mutation_id is not None:
                acked = conn.execute(
                    "SELECT DISTINCT entity, entity_id FROM outbox "
                    "WHERE id <= ? AND state = 'sent'",
                    (last_mutation_id,),
                ).fetchall()
                acknowledged = conn.execute(
                    "DELETE FROM outbox WHERE id <= ? AND state = 'sent'", (last_mutation_id,)
                ).rowcount
                touched |= {(r[0], r[1]) for r in acked}
                self._set_meta(conn, "last_mutation_id", str(last_mutation_id))
            fresh_keys = (
                {(e, str(i)) for e, rows in upserts.items() for i in rows} & touched
                if touched
                else set()
            )
            replaying = _replaying(conn) if fresh_keys else set()
            for entity, entity_id in sorted(touched):
                key = (entity, entity_id)
                if key in fresh_keys and key not in replaying:
                    # The server's row is the new base and nothing is left to replay on top
                    # (the usual case once a push is acknowledged): the upsert above already
                    # wrote exactly what a rebase would write (local_pending = 0).
                    conn.execute(
                        "DELETE FROM shadow WHERE entity = ? AND id = ?", (entity, entity_id)
                    )
                    continue
                if key in fresh_keys:  # the server's row is the new base
                    fresh = overlay.read_row(conn, entity, entity_id)
                    if fresh is not None:
                        overlay.save_shadow(conn, entity, entity_id, fresh)
                overlay.rebase(conn, entity, entity_id)
            self._set_meta(conn, "cursor", cursor)
            self._set_meta(conn, "last_pull_at", ts_text(utcnow()))
            if bulk and not has_more:
                self._finish_bulk(conn)
        return ApplyStats(upserted, deleted, acknowledged, skipped)

    def _propagate_names(
        self, conn: sqlite3.Connection, entity: str, rows: dict[Any, dict[str, Any]]
    ) -> None:
        """Keep the tickets' denormalised customer and assignee names in step."""
        if entity == "customer":
            column, key = "customer_name", "customer_id"
        elif entity == "agent":
            column, key = "assignee_name", "assignee_id"
        else:
            return
        conn.executemany(
            f"UPDATE tickets SET {column} = ?1 WHERE {key} = ?2 AND {column} IS NOT ?1",
            [(d.get("name") or "", d.get("id")) for d in rows.values()],
        )

    def reset_synced_data(self, keep: Collection[str] = ()) -> None:
        """Forget every synced row and the cursor (a must-refetch); keep the outbox and drafts.

        Local messages not yet seen by the server stay; pending mutations are replayed again
        as the re-bootstrap brings their rows back. Entities named in `keep` are not touched
        (a local library the backend does not hold, such as canned responses on RT).
        """
        with self.write() as conn:
            for entity, info in ENTITY_TABLES.items():
                if entity in keep:
                    continue
                if info.table == "messages":
                    conn.execute("DELETE FROM messages WHERE local_state IS NULL")
                else:
                    conn.execute(f"DELETE FROM {info.table}")
            conn.execute("DELETE FROM shadow")
            self._set_meta(conn, "cursor", None)

    def row(self, entity: str, entity_id: int | str) -> dict[str, Any] | None:
        """Any cached synced row as domain values (None if absent)."""
        info = ENTITY_TABLES[entity]
        found = self.conn.execute(
            f"SELECT {', '.join(info.columns)} FROM {info.table} WHERE id = ?", (entity_id,)
        ).fetchone()
        return None if found is None else decode_row(entity, found)
