"""Opening, checking and migrating the cache file; connections, transactions and `meta`.

One connection per thread (Textual workers run in threads); writes go through `write()`,
which takes an in-process lock and `BEGIN IMMEDIATE`, so the sync worker and the UI never
deadlock and other processes wait on `busy_timeout`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from agentdesk.crashpoints import crash_point
from agentdesk.domain.ids import uuid7
from agentdesk.domain.timeutil import utcnow
from agentdesk.store.codec import ts_text
from agentdesk.store.schema import (
    APPLICATION_ID,
    FTS_TABLES,
    INDEXES,
    MIGRATIONS,
    SCHEMA_VERSION,
    TRIGGERS,
)

BUSY_TIMEOUT_MS = 10_000


class CacheError(Exception):
    """The cache file cannot be used (foreign, corrupt, newer). The message is one line."""


class StoreError(ValueError):
    """A request the cache cannot honour (unknown ticket, nothing to resolve...). One line."""


# `PRAGMA quick_check` reads the whole file: run it on open below this size only (a few
# tenths of a second); larger caches get the header checks, and SQLite reports damage in
# any page it reads later ("database disk image is malformed").
QUICK_CHECK_MAX_BYTES = 256 * 1024 * 1024


def _check_size(conn: sqlite3.Connection, path: Path) -> None:
    """A truncated file: fewer bytes than the header's page count says (O(1)).

    Read through SQLite, never with a plain open()/close() of the file: closing any
    descriptor of a database drops every POSIX lock this process holds on it, so another
    process could then checkpoint and delete a WAL still in use here (sqlite.org/howtocorrupt,
    2.2). Skipped while a WAL file has content: a checkpoint cut short may have written the
    new page count before the pages, and SQLite completes it from the WAL on open."""
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    size = path.stat().st_size
    if pages and size < pages * page_size:
        raise CacheError(
            f"cache {path} is corrupt: truncated ({size} bytes, its header says "
            f"{pages * page_size})"
        )


def _check_existing(path: Path) -> None:
    """Refuse a foreign, newer, corrupt or truncated file without writing a byte to it."""
    uri = f"file:{urllib.parse.quote(str(path))}?mode=rw"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise CacheError(f"cannot open cache {path}: {exc}") from exc
    try:
        _check_size(conn, path)
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id == 0 and version == 0 and tables == 0:
            return  # an empty database: ours to initialise
        if app_id != APPLICATION_ID:
            raise CacheError(f"{path} is an SQLite file of another program, not an agentdesk cache")
        if version > SCHEMA_VERSION:
            raise CacheError(
                f"{path} was written by a newer agentdesk (schema {version}, this one knows "
                f"up to {SCHEMA_VERSION}); upgrade agentdesk"
            )
        conn.execute("SELECT count(*) FROM meta").fetchone()  # reads the schema and a table
        if path.stat().st_size <= QUICK_CHECK_MAX_BYTES:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
            if problems != ["ok"]:
                raise CacheError(f"cache {path} is corrupt: {'; '.join(problems)}")
    except sqlite3.DatabaseError as exc:
        raise CacheError(f"cache {path} is corrupt or not a database: {exc}") from exc
    finally:
        conn.close()


class CacheCore:
    """The file, its connections and the `meta` table. See `agentdesk.store` for the API."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._revision = 0  # bumped after each local commit (cheap change detection)
        self._closed = False

    # ---- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path) -> Any:
        """Open (creating or migrating) the cache at `path`; raises CacheError on a bad file."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(f"cannot create the folder of cache {path}: {exc}") from exc
        if path.exists() and path.stat().st_size > 0:
            _check_existing(path)
        else:
            try:
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            except OSError as exc:
                raise CacheError(f"cannot create cache {path}: {exc}") from exc
        with suppress(OSError):
            os.chmod(path, 0o600)
        cache = cls(path)
        try:
            cache._migrate()
            cache._finish_interrupted_bulk()
        except sqlite3.DatabaseError as exc:
            cache.close()
            raise CacheError(f"cannot open cache {path}: {exc}") from exc
        except BaseException:
            cache.close()
            raise
        return cache

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -32000")
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (made on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise CacheError(f"cache {self.path} is closed")
            conn = self._connect()
            self._local.conn = conn
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    def close(self) -> None:
        """Close every connection (checkpointing the WAL when this is the last user)."""
        self._closed = True
        with self._connections_lock:
            for conn in self._connections:
                with suppress(sqlite3.Error):
                    conn.close()
            self._connections.clear()
        self._local = threading.local()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        conn = self.conn
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        if current == SCHEMA_VERSION:
            return
        with self.write() as conn:
            current = conn.execute("PRAGMA user_version").fetchone()[0]  # re-read under lock
            if current > SCHEMA_VERSION:
                raise CacheError(f"{self.path} was written by a newer agentdesk")
            for migration in MIGRATIONS[current:]:
                migration(conn)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            if self._get_meta(conn, "client_id") is None:
                self._set_meta(conn, "client_id", uuid7())
                self._set_meta(conn, "created_at", ts_text(utcnow()))

    # ---- transactions --------------------------------------------------------------------

    @contextmanager
    def write(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction (`BEGIN IMMEDIATE`); nested calls join the outer one.

        `durable=False` (pulled pages only) commits with synchronous=NORMAL: in WAL mode a
        power cut may roll back the last such commits, rows and cursor together (they are
        pulled again), never corrupting the file. Local intents always commit with FULL,
        and their fsync also covers every earlier commit.
        """
        with self._write_lock:
            conn = self.conn
            if conn.in_transaction:
                yield conn
                return
            if not durable:
                conn.execute("PRAGMA synchronous = NORMAL")
            try:
                conn.execute("BEGIN IMMEDIATE")
                self._local.writing = True
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                finally:
                    self._local.writing = False
                crash_point("store.before_commit")  # fault tests only (AGENTDESK_CRASH_AT)
                conn.execute("COMMIT")
                crash_point("store.after_commit")
                self._revision += 1
            finally:
                if not durable:
                    conn.execute("PRAGMA synchronous = FULL")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several reads (joins a write transaction of this thread)."""
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    @property
    def in_write(self) -> bool:
        """This thread is inside a write transaction."""
        return bool(getattr(self._local, "writing", False))

    def data_version(self) -> tuple[int, int]:
        """Changes whenever this process or another one commits to the file."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        return (self._revision, version)

    # ---- meta ----------------------------------------------------------------------------

    @staticmethod
    def _get_meta(conn: sqlite3.Connection, key: str) -> str | None:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    @staticmethod
    def _set_meta(conn: sqlite3.Connection, key: str, value: str | None) -> None:
        if value is None:
            conn.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def meta(self, key: str) -> str | None:
        return self._get_meta(self.conn, key)

    def set_meta(self, key: str, value: str | None) -> None:
        """Set (None: remove) a `meta` value, e.g. `agent_id`, `backend`, `last_sync_at`."""
        with self.write() as conn:
            self._set_meta(conn, key, value)

    @property
    def client_id(self) -> str:
        """This cache's client id (a UUIDv7 made once, when the file was created)."""
        value = self.meta("client_id")
        assert value is not None
        return value

    @property
    def cursor(self) -> str | None:
        """The pull cursor saved with the last applied page (None: never synced)."""
        return self.meta("cursor")

    @property
    def agent_id(self) -> int | None:
        value = self.meta("agent_id")
        return None if value is None else int(value)

    def set_agent_id(self, agent_id: int | None) -> None:
        self.set_meta("agent_id", None if agent_id is None else str(agent_id))

    # ---- bulk loading (first sync) ---------------------------------------------------------

    def _begin_bulk(self, conn: sqlite3.Connection) -> None:
        """Drop secondary indexes and FTS triggers; `_finish_bulk` rebuilds them in one go."""
        for sql in INDEXES:
            name = sql.split(" IF NOT EXISTS ")[1].split(" ON ")[0]
            conn.execute(f"DROP INDEX IF EXISTS {name}")
        for sql in TRIGGERS:
            name = sql.split(" IF NOT EXISTS ")[1].split()[0]
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        self._set_meta(conn, "bulk_loading", "1")

    def _finish_bulk(self, conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA threads = 2")  # parallel sorts for CREATE INDEX
        # Names were looked up as rows arrived; fill in those whose parent came later.
        conn.execute(
            "UPDATE tickets SET "
            "customer_name = COALESCE((SELECT name FROM customers c WHERE c.id = customer_id), '')"
            " WHERE customer_name = '' AND customer_id IS NOT NULL"
        )
        conn.execute(
            "UPDATE tickets SET "
            "assignee_name = COALESCE((SELECT name FROM agents a WHERE a.id = assignee_id), '')"
            " WHERE assignee_name = '' AND assignee_id IS NOT NULL"
        )
        conn.execute("DELETE FROM ticket_tags")
        conn.execute(
            "INSERT OR IGNORE INTO ticket_tags(tag, ticket_id) "
            "SELECT j.value, t.id FROM tickets t, json_each(t.tags) j"
        )
        for table in FTS_TABLES:
            conn.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
        for sql in INDEXES:
            conn.execute(sql)
        for sql in TRIGGERS:
            conn.execute(sql)
        conn.execute("PRAGMA analysis_limit = 1000")
        conn.execute("ANALYZE")
        self._set_meta(conn, "bulk_loading", None)

    def _finish_interrupted_bulk(self) -> None:
        if self.meta("bulk_loading") is not None:
            with self.write() as conn:
                self._finish_bulk(conn)

    @property
    def bulk_loading(self) -> bool:
        """True while a first sync runs with indexes and search switched off."""
        return self.meta("bulk_loading") is not None
