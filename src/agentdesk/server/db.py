"""The server database: open SQLite or PostgreSQL, migrate it with Alembic, hand out versions.

- `open_database(url)` returns an Engine whose schema is at the newest revision this code
  knows (migrations live in `agentdesk/server/migrations`, run programmatically, tracked in
  the `alembic_version` table). A database at a revision the code does not know (written by
  a newer agentdesk) raises `SchemaTooNew`; a bad URL or an unreachable server raises
  `DatabaseUnavailable`. Both carry one line for the user.
- SQLite: WAL, foreign keys on, a busy timeout. Write transactions should use
  `write_transaction(engine)`, which begins with `BEGIN IMMEDIATE` on SQLite so two writers
  queue on the busy timeout instead of failing on a lock upgrade.
- `next_version(conn)` hands out the next change sequence number inside the writing
  transaction; on PostgreSQL it row-locks `change_sequence` until commit, so versions become
  visible in order (a pull never skips a row committed later with a smaller version).

Authoring a new revision (developers): open a database at the current head, then call
`alembic.command.revision(alembic_config(), autogenerate=True, ...)` with
`config.attributes["connection"]` set; replace the custom column types in the generated
script with plain ones (`sa.String`, `sa.DateTime(timezone=True)`), as 0001 does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

import agentdesk.domain.models  # registers the synced tables
import agentdesk.server.tables  # noqa: F401  (registers the server tables)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 10_000
_IMMEDIATE = "agentdesk_immediate"
MIGRATION_LOCK_KEY = 0x61676E7464736B  # "agntdsk": the advisory lock of schema migrations


class DatabaseError(Exception):
    """A database problem the user can act on; the message is one line."""


class DatabaseUnavailable(DatabaseError):
    pass


class SchemaTooNew(DatabaseError):
    pass


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def create_database_engine(url: str, **kwargs: Any) -> Engine:
    """An Engine with agentdesk's connection settings, without touching the schema."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUnavailable(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise DatabaseUnavailable("the server needs a SQLite file, not an in-memory database")
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"check_same_thread": False}, **kwargs)
        _configure_sqlite(engine)
        return engine
    if backend == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            raise DatabaseUnavailable(
                f"use a postgresql+psycopg:// URL (psycopg 3), not {parsed.drivername}://"
            )
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(parsed, connect_args={"connect_timeout": 5}, **kwargs)
    raise DatabaseUnavailable(
        f"unsupported database {parsed.drivername!r}: use sqlite:///FILE or postgresql+psycopg://"
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: `BEGIN IMMEDIATE` on SQLite, a plain one on PostgreSQL."""
    with engine.connect() as conn:
        conn.execution_options(**{_IMMEDIATE: True})
        with conn.begin():
            yield conn


_NEXT_VERSION = text("UPDATE change_sequence SET value = value + 1 WHERE id = 1 RETURNING value")


def next_version(conn: Connection) -> int:
    """The next change sequence number, taken inside the caller's writing transaction."""
    return int(conn.execute(_NEXT_VERSION).scalar_one())


def reserve_versions(conn: Connection, count: int) -> int:
    """Take `count` consecutive versions at once (bulk writers); returns the first one."""
    last = int(
        conn.execute(
            text("UPDATE change_sequence SET value = value + :n WHERE id = 1 RETURNING value"),
            {"n": count},
        ).scalar_one()
    )
    return last - count + 1


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _check_known(script: ScriptDirectory, current: str | None) -> bool:
    """True if `current` is the head; SchemaTooNew if this code does not know it."""
    if current is None:
        return False
    try:
        script.get_revision(current)
    except Exception as exc:
        raise SchemaTooNew(
            f"the database schema is at revision {current}, newer than this agentdesk "
            f"knows (latest {script.get_current_head()}); upgrade agentdesk"
        ) from exc
    return current == script.get_current_head()


def migrate(engine: Engine) -> None:
    """Bring the schema to the head revision; refuse a database newer than this code.

    Concurrent starters (several `serve` processes on a fresh database) take turns: an
    advisory lock on PostgreSQL, `BEGIN IMMEDIATE` on SQLite; the revision is read again
    under the lock, so only the first one migrates.
    """
    from alembic import command

    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    if _check_known(script, current_revision(engine)):
        return
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        if _check_known(script, MigrationContext.configure(conn).get_current_revision()):
            return
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def open_database(url: str, *, migrate_schema: bool = True, **engine_kwargs: Any) -> Engine:
    """Connect, check the server answers, create or migrate the schema, return the Engine."""
    engine = create_database_engine(url, **engine_kwargs)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        if migrate_schema:
            migrate(engine)
    except DatabaseError:
        engine.dispose()
        raise
    except OperationalError as exc:
        engine.dispose()
        raise DatabaseUnavailable(f"cannot open database {_safe(url)}: {_first_line(exc)}") from exc
    except SQLAlchemyError as exc:
        engine.dispose()
        raise DatabaseUnavailable(f"database error on {_safe(url)}: {_first_line(exc)}") from exc
    return engine


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return repr(url)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__
