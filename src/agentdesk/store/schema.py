"""The cache's SQLite schema: synced tables (from the domain models), local tables, migrations.

Synced tables have the columns of `agentdesk.domain.models.SYNCED_MODELS`, read from the generated
`schema_spec` so the store never imports SQLModel/SQLAlchemy (datetimes as ISO-8601
UTC text in one fixed width so text order is time order, lists/dicts as JSON text, booleans as
0/1) plus a few local columns that make the queue fast:

- `tickets.customer_name`, `tickets.assignee_name`: denormalised names, so sorting by them is
  an index walk; kept in step by `apply_changes`.
- `tickets.sla_key`, `priority_rank`, `status_rank`: generated columns for sorting.
- `tickets.local_pending`: 1 while a not-yet-acknowledged local mutation touches the ticket.
- `messages.seq`: a stable integer rowid for the FTS index; `messages.local_state`: `pending`
  (written here, not yet seen in a pull) or `rejected`.

`ticket_tags` (tag, ticket_id) indexes tags; FTS5 external-content tables index ticket
subjects, message bodies and customer names/emails (fed by triggers, rebuilt after bulk loads).

`MIGRATIONS[i]` brings a file from `user_version` i to i+1; `SCHEMA_VERSION` is their count.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from agentdesk.store.schema_spec import SYNCED_TABLES, ColumnKind

APPLICATION_ID = 0x41474454  # "AGDT": marks a file as an agentdesk cache


@dataclass(frozen=True, slots=True)
class EntityTable:
    """How one synced entity is stored: table name, synced columns and their kinds."""

    entity: str
    table: str
    columns: tuple[str, ...]
    kinds: tuple[ColumnKind, ...]
    int_id: bool

    @property
    def ts_columns(self) -> tuple[str, ...]:
        return tuple(c for c, k in zip(self.columns, self.kinds, strict=True) if k == "ts")

    @property
    def json_columns(self) -> tuple[str, ...]:
        return tuple(c for c, k in zip(self.columns, self.kinds, strict=True) if k == "json")


def _entity_tables() -> dict[str, EntityTable]:
    """From the generated spec (not the SQLModel classes: the store must not import them)."""
    return {
        entity: EntityTable(
            entity,
            table,
            tuple(name for name, _kind, _sql in columns),
            tuple(kind for _name, kind, _sql in columns),
            int_id,
        )
        for entity, (table, int_id, columns) in SYNCED_TABLES.items()
    }


ENTITY_TABLES: dict[str, EntityTable] = _entity_tables()
TABLE_OF: dict[str, str] = {e: t.table for e, t in ENTITY_TABLES.items()}


def _sql_type(entity: str, column: str) -> str:
    _table, _int_id, columns = SYNCED_TABLES[entity]
    return next(sql for name, _kind, sql in columns if name == column)


# Extra DDL per table, appended to the synced columns.
_LOCAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "tickets": (
        "customer_name TEXT NOT NULL DEFAULT '' COLLATE NOCASE",
        "assignee_name TEXT NOT NULL DEFAULT '' COLLATE NOCASE",
        "local_pending INTEGER NOT NULL DEFAULT 0",
        "sla_key TEXT GENERATED ALWAYS AS (COALESCE(sla_due_at, '9999')) VIRTUAL",
        "priority_rank INTEGER GENERATED ALWAYS AS (CASE priority WHEN 'urgent' THEN 3 "
        "WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END) VIRTUAL",
        "status_rank INTEGER GENERATED ALWAYS AS (CASE status WHEN 'new' THEN 0 "
        "WHEN 'open' THEN 1 WHEN 'pending' THEN 2 WHEN 'on-hold' THEN 3 "
        "WHEN 'solved' THEN 4 ELSE 5 END) VIRTUAL",
    ),
    "messages": ("local_state TEXT",),
}
_COLLATE: dict[tuple[str, str], str] = {("tickets", "subject"): " COLLATE NOCASE"}


def _create_synced_table(entity: str) -> str:
    info = ENTITY_TABLES[entity]
    parts: list[str] = []
    if info.table == "messages":
        parts.append("seq INTEGER PRIMARY KEY")
    for column in info.columns:
        sql_type = _sql_type(entity, column)
        if column == "id":
            if info.table == "messages":
                parts.append("id TEXT NOT NULL UNIQUE")
            else:
                parts.append(f"id {sql_type} PRIMARY KEY")
        else:
            parts.append(f"{column} {sql_type}{_COLLATE.get((info.table, column), '')}")
    parts.extend(_LOCAL_COLUMNS.get(info.table, ()))
    return f"CREATE TABLE {info.table} (\n  " + ",\n  ".join(parts) + "\n)"


# Queue order: one index per sort column, `(column, id)` for keyset paging, followed by the
# columns the views filter on, so walking it skips non-matching tickets without reading them.
_SORT_COVER = ("status_rank", "assignee_id", "group_id", "priority", "sla_key")
_SORTED_COLUMNS = {
    "sla": "sla_key",
    "priority": "priority_rank",
    "status": "status_rank",
    "channel": "channel",
    "subject": "subject",
    "customer": "customer_name",
    "assignee": "assignee_name",
    "updated": "updated_at",
}
SORT_INDEX_NAMES: dict[str, str] = {
    column: f"tickets_sort_{name}" for name, column in _SORTED_COLUMNS.items()
}
SORT_INDEXES: tuple[str, ...] = tuple(
    f"CREATE INDEX IF NOT EXISTS {SORT_INDEX_NAMES[column]} ON tickets("
    + ", ".join([column, "id", *(c for c in _SORT_COVER if c != column)])
    + ")"
    for column in _SORTED_COLUMNS.values()
)
# The working queue (new and open tickets) in SLA order, first page or last, at any size.
# Queries use it through the term `status_rank <= 1` (see queries.py).
ACTIVE_SLA_INDEX_NAME = "tickets_sort_active_sla"
ACTIVE_BY_SLA_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {ACTIVE_SLA_INDEX_NAME} "
    "ON tickets(sla_key, id, status_rank, assignee_id, group_id, priority) "
    "WHERE status_rank <= 1"
)

# Team-lead reports (store/reports.py): unsolved tickets by status/assignee/group (covering the
# workload board and backlog ages), a date range's cohort, its ratings. Migrations 3 and 6.

# Filters on assignee/group with a status (my open tickets, unassigned in my groups).
STATUS_RANK_INDEXES: tuple[str, ...] = (
    "CREATE INDEX IF NOT EXISTS tickets_by_assignee_rank ON tickets(assignee_id, status_rank)",
    "CREATE INDEX IF NOT EXISTS tickets_by_group_rank "
    "ON tickets(group_id, assignee_id, status_rank)",
)

REPORT_INDEXES: tuple[str, ...] = (
    "CREATE INDEX IF NOT EXISTS tickets_workload "
    "ON tickets(status, assignee_id, group_id, sla_key, created_at)",
    "CREATE INDEX IF NOT EXISTS tickets_by_created ON tickets(created_at)",
    # covering: a date range's cohort is read from the index alone (migration 6)
    "CREATE INDEX IF NOT EXISTS tickets_kpi ON tickets(created_at, group_id, assignee_id, "
    "channel, status, first_reply_at, solved_at, first_reply_due, resolution_due)",
    "CREATE INDEX IF NOT EXISTS ratings_by_created ON satisfaction_ratings(created_at)",
)

# Secondary indexes: dropped during a bulk first sync and rebuilt at its end.
# Tickets merged into another (`ticket.merge`): a target's thread gathers theirs.
MERGED_INDEX = (
    "CREATE INDEX IF NOT EXISTS tickets_merged_into ON tickets(merged_into_id) "
    "WHERE merged_into_id IS NOT NULL"
)

INDEXES: tuple[str, ...] = (
    *SORT_INDEXES,
    ACTIVE_BY_SLA_INDEX,
    *STATUS_RANK_INDEXES,
    "CREATE INDEX IF NOT EXISTS tickets_by_customer ON tickets(customer_id, created_at)",
    "CREATE INDEX IF NOT EXISTS tickets_local_pending ON tickets(local_pending) "
    "WHERE local_pending = 1",
    "CREATE INDEX IF NOT EXISTS ticket_tags_by_ticket ON ticket_tags(ticket_id)",
    "CREATE INDEX IF NOT EXISTS messages_by_ticket ON messages(ticket_id, created_at)",
    "CREATE INDEX IF NOT EXISTS customers_by_org ON customers(organisation_id)",
    "CREATE INDEX IF NOT EXISTS customers_by_email ON customers(email)",
    "CREATE INDEX IF NOT EXISTS agents_by_email ON agents(email)",
    "CREATE INDEX IF NOT EXISTS ratings_by_customer ON satisfaction_ratings(customer_id)",
    "CREATE INDEX IF NOT EXISTS ratings_by_ticket ON satisfaction_ratings(ticket_id)",
    "CREATE INDEX IF NOT EXISTS swarms_by_ticket ON swarms(ticket_id)",
    "CREATE INDEX IF NOT EXISTS swarm_messages_by_swarm ON swarm_messages(swarm_id, created_at)",
    *REPORT_INDEXES,
    MERGED_INDEX,
)

# Triggers keeping FTS and ticket_tags in step with their content tables.
TRIGGERS: tuple[str, ...] = (
    """CREATE TRIGGER IF NOT EXISTS tickets_ai AFTER INSERT ON tickets BEGIN
  INSERT INTO tickets_fts(rowid, subject) VALUES (new.id, new.subject);
  INSERT OR IGNORE INTO ticket_tags(tag, ticket_id) SELECT value, new.id FROM json_each(new.tags);
END""",
    """CREATE TRIGGER IF NOT EXISTS tickets_ad AFTER DELETE ON tickets BEGIN
  INSERT INTO tickets_fts(tickets_fts, rowid, subject) VALUES ('delete', old.id, old.subject);
  DELETE FROM ticket_tags WHERE ticket_id = old.id;
END""",
    """CREATE TRIGGER IF NOT EXISTS tickets_au_subject AFTER UPDATE OF subject ON tickets
WHEN old.subject IS NOT new.subject BEGIN
  INSERT INTO tickets_fts(tickets_fts, rowid, subject) VALUES ('delete', old.id, old.subject);
  INSERT INTO tickets_fts(rowid, subject) VALUES (new.id, new.subject);
END""",
    """CREATE TRIGGER IF NOT EXISTS tickets_au_tags AFTER UPDATE OF tags ON tickets
WHEN old.tags IS NOT new.tags BEGIN
  DELETE FROM ticket_tags WHERE ticket_id = old.id;
  INSERT OR IGNORE INTO ticket_tags(tag, ticket_id) SELECT value, new.id FROM json_each(new.tags);
END""",
    """CREATE TRIGGER IF NOT EXISTS messages_ai AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, body) VALUES (new.seq, new.body);
END""",
    """CREATE TRIGGER IF NOT EXISTS messages_ad AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.seq, old.body);
END""",
    """CREATE TRIGGER IF NOT EXISTS messages_au AFTER UPDATE OF body ON messages
WHEN old.body IS NOT new.body BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.seq, old.body);
  INSERT INTO messages_fts(rowid, body) VALUES (new.seq, new.body);
END""",
    """CREATE TRIGGER IF NOT EXISTS customers_ai AFTER INSERT ON customers BEGIN
  INSERT INTO customers_fts(rowid, name, email) VALUES (new.id, new.name, new.email);
END""",
    """CREATE TRIGGER IF NOT EXISTS customers_ad AFTER DELETE ON customers BEGIN
  INSERT INTO customers_fts(customers_fts, rowid, name, email)
    VALUES ('delete', old.id, old.name, old.email);
END""",
    """CREATE TRIGGER IF NOT EXISTS customers_au AFTER UPDATE OF name, email ON customers
WHEN old.name IS NOT new.name OR old.email IS NOT new.email BEGIN
  INSERT INTO customers_fts(customers_fts, rowid, name, email)
    VALUES ('delete', old.id, old.name, old.email);
  INSERT INTO customers_fts(rowid, name, email) VALUES (new.id, new.name, new.email);
END""",
)

FTS_TABLES: tuple[str, ...] = ("tickets_fts", "messages_fts", "customers_fts")

_TOKENIZER = "tokenize = 'unicode61 remove_diacritics 2'"


def _migrate_1(conn: sqlite3.Connection) -> None:
    """Version 1: synced tables, tags, FTS, meta, outbox, conflicts, shadow rows."""
    for entity in ENTITY_TABLES:
        if entity not in LATER_ENTITIES:
            conn.execute(_create_synced_table(entity))
    conn.execute(
        "CREATE TABLE ticket_tags (tag TEXT NOT NULL, ticket_id INTEGER NOT NULL, "
        "PRIMARY KEY (tag, ticket_id)) WITHOUT ROWID"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, content='tickets', "
        f"content_rowid='id', {_TOKENIZER})"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE messages_fts USING fts5(body, content='messages', "
        f"content_rowid='seq', {_TOKENIZER})"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE customers_fts USING fts5(name, email, content='customers', "
        f"content_rowid='id', {_TOKENIZER})"
    )
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute(
        """CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  args TEXT NOT NULL,
  created_at TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  reason TEXT,
  entity TEXT,
  entity_id TEXT
)"""
    )
    conn.execute("CREATE INDEX outbox_by_entity ON outbox(entity, entity_id, id)")
    conn.execute("CREATE INDEX outbox_by_state ON outbox(state, id)")
    conn.execute(
        """CREATE TABLE conflicts (
  id INTEGER PRIMARY KEY,
  mutation_id INTEGER NOT NULL,
  ticket_id INTEGER,
  field TEXT NOT NULL,
  base TEXT,
  mine TEXT,
  theirs TEXT,
  created_at TEXT NOT NULL,
  resolved TEXT
)"""
    )
    conn.execute("CREATE INDEX conflicts_open ON conflicts(resolved, id)")
    # Confirmed (server) state of rows that pending mutations have changed locally.
    conn.execute(
        "CREATE TABLE shadow (entity TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, "
        "PRIMARY KEY (entity, id)) WITHOUT ROWID"
    )
    for sql in INDEXES:
        conn.execute(sql)
    for sql in TRIGGERS:
        conn.execute(sql)


def _migrate_2(conn: sqlite3.Connection) -> None:
    """Version 2: composer drafts (one reply and one note per ticket)."""
    conn.execute(
        """CREATE TABLE drafts (
  ticket_id INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('reply', 'note')),
  body TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (ticket_id, kind)
)"""
    )


def _migrate_3(conn: sqlite3.Connection) -> None:
    """Version 3: indexes of the team-lead reports."""
    for sql in REPORT_INDEXES:
        conn.execute(sql)


def _migrate_4(conn: sqlite3.Connection) -> None:
    """Version 4: the active queue's SLA index; status filters go through `status_rank`."""
    for name in ("tickets_by_status_value", "tickets_by_assignee", "tickets_by_group"):
        conn.execute(f"DROP INDEX IF EXISTS {name}")
    conn.execute(
        "CREATE INDEX IF NOT EXISTS tickets_active_by_sla ON tickets(sla_key, id) "
        "WHERE status_rank <= 1"
    )
    for sql in STATUS_RANK_INDEXES:
        conn.execute(sql)


def _migrate_5(conn: sqlite3.Connection) -> None:
    """Version 5: queue sort indexes that also carry the views' filter columns."""
    for name in ("sla", "priority", "status", "channel", "subject", "customer_name"):
        conn.execute(f"DROP INDEX IF EXISTS tickets_by_{name}")
    for name in ("assignee_name", "updated"):
        conn.execute(f"DROP INDEX IF EXISTS tickets_by_{name}")
    conn.execute("DROP INDEX IF EXISTS tickets_active_by_sla")
    for sql in (*SORT_INDEXES, ACTIVE_BY_SLA_INDEX):
        conn.execute(sql)


def _migrate_6(conn: sqlite3.Connection) -> None:
    """Version 6: a team-lead cohort index covering every column the KPIs read."""
    for sql in REPORT_INDEXES:
        conn.execute(sql)


def _migrate_7(conn: sqlite3.Connection) -> None:
    """Version 7: the index of merged tickets (a target's thread shows their messages)."""
    conn.execute(MERGED_INDEX)


def _migrate_8(conn: sqlite3.Connection) -> None:
    """Version 8: the agent's recent actions, each with its inverse (undo, history)."""
    conn.execute(
        """CREATE TABLE action_groups (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  label TEXT NOT NULL,
  created_at TEXT NOT NULL,
  first_mutation_id INTEGER,
  last_mutation_id INTEGER,
  ticket_count INTEGER NOT NULL,
  inverse TEXT NOT NULL,
  settled_at TEXT,
  undone_at TEXT,
  undo_of INTEGER
)"""
    )


def _migrate_9(conn: sqlite3.Connection) -> None:
    """Version 9: drafts shared for review (the `shared_draft` entity)."""
    conn.execute(_create_synced_table("shared_draft"))
    conn.execute(SHARED_DRAFTS_INDEX)


# Synced entities added after version 1: their own migration creates their table.
LATER_ENTITIES = frozenset({"shared_draft"})
SHARED_DRAFTS_INDEX = (
    "CREATE INDEX IF NOT EXISTS shared_drafts_by_ticket ON shared_drafts(ticket_id, status)"
)

MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _migrate_1,
    _migrate_2,
    _migrate_3,
    _migrate_4,
    _migrate_5,
    _migrate_6,
    _migrate_7,
    _migrate_8,
    _migrate_9,
)
SCHEMA_VERSION = len(MIGRATIONS)
