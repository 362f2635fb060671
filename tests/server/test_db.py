"""The server database: migrations on open, a newer schema refused, clear connection errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from agentdesk.domain.models import SYNCED_MODELS
from agentdesk.server.db import (
    DatabaseUnavailable,
    SchemaTooNew,
    current_revision,
    head_revision,
    next_version,
    open_database,
    write_transaction,
)


def test_open_creates_every_table_at_head(db_url: str) -> None:
    engine = open_database(db_url)
    try:
        assert current_revision(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        expected = {model.__tablename__ for model in SYNCED_MODELS.values()}  # type: ignore[attr-defined]
        assert expected | {"alembic_version", "change_sequence", "api_tokens"} <= tables
        for model in SYNCED_MODELS.values():
            indexed = {
                tuple(index["column_names"])
                for index in inspect(engine).get_indexes(model.__tablename__)  # type: ignore[attr-defined]
            }
            assert ("version",) in indexed, model
        # opening again is a no-op
        open_database(db_url).dispose()
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_versions_increase_across_transactions(db_url: str) -> None:
    engine = open_database(db_url)
    try:
        seen = []
        for _ in range(3):
            with write_transaction(engine) as conn:
                seen.append(next_version(conn))
        assert seen == sorted(seen) and len(set(seen)) == 3
        with write_transaction(engine) as conn:
            taken = next_version(conn)
            conn.rollback()
        with write_transaction(engine) as conn:
            assert next_version(conn) == taken  # a rolled back version is handed out again
    finally:
        engine.dispose()


def test_a_newer_schema_is_a_clear_error(fresh_db_url: str) -> None:
    db_url = fresh_db_url
    engine = open_database(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff9999'"))
    engine.dispose()
    with pytest.raises(SchemaTooNew) as caught:
        open_database(db_url)
    message = str(caught.value)
    assert "ffff9999" in message and "newer" in message and "\n" not in message


def test_sqlite_settings(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'nested' / 'server.sqlite3'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("nonsense", "not a database URL"),
        ("mysql://u@127.0.0.1/db", "unsupported database"),
        ("postgresql+psycopg2://u@127.0.0.1/db", "psycopg"),
        ("sqlite://", "SQLite file"),
        ("postgresql+psycopg://postgres@127.0.0.1:1/nothing", "cannot open database"),
    ],
)
def test_bad_urls_are_one_line(url: str, words: str) -> None:
    with pytest.raises(DatabaseUnavailable) as caught:
        open_database(url)
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_an_older_schema_is_migrated_keeping_its_data(fresh_db_url: str) -> None:
    from alembic import command

    from agentdesk.server.db import alembic_config, create_database_engine

    engine = create_database_engine(fresh_db_url)
    config = alembic_config()
    with write_transaction(engine) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO groups (name, description, version) VALUES ('kept', '', 1)"))
    assert current_revision(engine) == "0001"
    assert "ticket_access_losses" not in inspect(engine).get_table_names()
    engine.dispose()

    engine = open_database(fresh_db_url)
    try:
        assert current_revision(engine) == head_revision() != "0001"
        assert "ticket_access_losses" in inspect(engine).get_table_names()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM groups")).scalars().all() == ["kept"]
    finally:
        engine.dispose()


def test_concurrent_starts_migrate_once(fresh_db_url: str) -> None:
    """Several processes opening a fresh database at once: one migrates, none fails."""
    from concurrent.futures import ThreadPoolExecutor

    def start() -> str | None:
        engine = open_database(fresh_db_url)
        try:
            return current_revision(engine)
        finally:
            engine.dispose()

    with ThreadPoolExecutor(max_workers=4) as pool:
        revisions = list(pool.map(lambda _: start(), range(4)))
    assert revisions == [head_revision()] * 4
