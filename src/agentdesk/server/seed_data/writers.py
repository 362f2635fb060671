"""Bulk writers: rows as tuples straight into the tables, one transaction per batch.

- SQLite: the standard library `sqlite3` with `executemany` (no ORM, no SQLAlchemy per row).
  On a fresh database the secondary indexes of the big tables are dropped during the load
  and rebuilt at the end (one sort instead of millions of B-tree inserts), and the journal is
  a rollback journal rather than WAL (appends need almost no journal); WAL is restored after.
- PostgreSQL: psycopg 3 `COPY ... FROM STDIN`; on a fresh database the big tables' secondary
  indexes and foreign keys are dropped during the load and restored (validated) at the end;
  then the id sequences are moved past the explicit ids and the tables analysed.

Values are what `seed_data.tickets` documents: timestamps as UTC text, JSON as text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy.engine import make_url

# Tables whose secondary indexes are rebuilt after a fresh SQLite load.
BULK_TABLES = (
    "customers",
    "tickets",
    "messages",
    "satisfaction_ratings",
    "swarms",
    "swarm_messages",
)
# Tables with integer ids from a sequence on PostgreSQL (explicit ids need `setval` after).
SERIAL_TABLES = (
    "organisations",
    "customers",
    "groups",
    "agents",
    "sla_policies",
    "tickets",
    "satisfaction_ratings",
)


class BulkWriter(Protocol):
    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        """Add rows inside the current transaction (one is begun if none is open)."""

    def set_change_sequence(self, value: int) -> None:
        """Move `change_sequence` (id=1) to `value` in the current transaction."""

    def commit(self) -> None: ...

    def finish(self) -> None:
        """Commit, rebuild what the load skipped, and release the connection."""

    def abort(self) -> None:
        """Roll back the open transaction and release the connection."""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqliteWriter:
    def __init__(self, path: str, *, fresh: bool) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.fresh = fresh
        self.in_transaction = False
        self.dropped_indexes: list[str] = []
        execute = self.conn.execute
        execute("PRAGMA busy_timeout=10000")
        execute("PRAGMA foreign_keys=OFF")
        execute("PRAGMA cache_size=-262144")  # 256 MiB
        execute("PRAGMA temp_store=MEMORY")
        self.journal_mode = str(execute("PRAGMA journal_mode").fetchone()[0])
        if fresh:
            execute("PRAGMA journal_mode=TRUNCATE")
            execute("PRAGMA synchronous=OFF")
            self._drop_indexes()
        else:
            execute("PRAGMA synchronous=NORMAL")

    def _drop_indexes(self) -> None:
        marks = ",".join("?" * len(BULK_TABLES))
        rows = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks})",
            BULK_TABLES,
        ).fetchall()
        for name, sql in rows:
            self.conn.execute(f"DROP INDEX {_quoted(name)}")
            self.dropped_indexes.append(sql)

    def _begin(self) -> None:
        if not self.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            self.in_transaction = True

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        self._begin()
        names = ", ".join(_quoted(c) for c in columns)
        marks = ", ".join("?" * len(columns))
        self.conn.executemany(f"INSERT INTO {_quoted(table)} ({names}) VALUES ({marks})", rows)

    def set_change_sequence(self, value: int) -> None:
        self._begin()
        self.conn.execute("UPDATE change_sequence SET value = ? WHERE id = 1", (value,))

    def commit(self) -> None:
        if self.in_transaction:
            self.conn.execute("COMMIT")
            self.in_transaction = False

    def finish(self) -> None:
        self.commit()
        for sql in self.dropped_indexes:
            self.conn.execute(sql)
        self.dropped_indexes.clear()
        self.conn.execute("PRAGMA analysis_limit=1000")  # sampled statistics: seconds saved
        self.conn.execute("ANALYZE")
        if self.fresh:
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute(f"PRAGMA journal_mode={self.journal_mode}")
        self.conn.close()

    def abort(self) -> None:
        try:
            if self.in_transaction:
                self.conn.execute("ROLLBACK")
                self.in_transaction = False
            for sql in self.dropped_indexes:  # leave the schema as we found it
                self.conn.execute(sql)
            if self.fresh:
                self.conn.execute(f"PRAGMA journal_mode={self.journal_mode}")
        finally:
            self.conn.close()


class PostgresWriter:
    def __init__(self, url: str, *, fresh: bool) -> None:
        import psycopg

        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.conn = psycopg.connect(conninfo)
        # Timestamps arrive as naive UTC text: read them as UTC whatever the server's zone is.
        self.conn.execute("SET TIME ZONE 'UTC'")
        # A crash can lose the last batches (never corrupt the database): fine for a seed.
        self.conn.execute("SET synchronous_commit = off")
        self.restore: list[str] = []
        if fresh:
            self._drop_indexes_and_foreign_keys()

    def _drop_indexes_and_foreign_keys(self) -> None:
        """Secondary indexes and foreign keys of the big tables go during the load and come
        back (validated) at the end: one sort per index instead of a B-tree insert per row."""
        tables = list(BULK_TABLES)
        foreign_keys = self.conn.execute(
            "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            (tables,),
        ).fetchall()
        indexes = self.conn.execute(
            "SELECT indexname, tablename, indexdef FROM pg_indexes i "
            "WHERE schemaname = current_schema() AND tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            (tables,),
        ).fetchall()
        for name, table, definition in foreign_keys:
            self.conn.execute(f"ALTER TABLE {_quoted(table)} DROP CONSTRAINT {_quoted(name)}")
            self.restore.append(
                f"ALTER TABLE {_quoted(table)} ADD CONSTRAINT {_quoted(name)} {definition}"
            )
        for name, _table, definition in indexes:
            self.conn.execute(f"DROP INDEX {_quoted(name)}")
            self.restore.insert(0, definition)  # indexes first: they speed up the FK checks
        self.conn.commit()

    def _restore_schema(self) -> None:
        for statement in self.restore:
            self.conn.execute(statement)
        self.restore.clear()
        self.conn.commit()

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        names = ", ".join(_quoted(c) for c in columns)
        with (
            self.conn.cursor() as cursor,
            cursor.copy(f"COPY {_quoted(table)} ({names}) FROM STDIN") as copy,
        ):
            write_row = copy.write_row
            for row in rows:
                write_row(row)

    def set_change_sequence(self, value: int) -> None:
        self.conn.execute("UPDATE change_sequence SET value = %s WHERE id = 1", (value,))

    def commit(self) -> None:
        self.conn.commit()

    def finish(self) -> None:
        self.conn.commit()
        self._restore_schema()
        for table in SERIAL_TABLES:
            self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {_quoted(table)}), false)"
            )
        self.conn.commit()
        self.conn.autocommit = True
        self.conn.execute("ANALYZE")
        self.conn.close()

    def abort(self) -> None:
        try:
            self.conn.rollback()
            self._restore_schema()  # leave the schema as we found it
        finally:
            self.conn.close()


def open_writer(url: str, *, fresh: bool) -> BulkWriter:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database, "open_database has checked the SQLite path"
        return SqliteWriter(parsed.database, fresh=fresh)
    return PostgresWriter(url, fresh=fresh)
