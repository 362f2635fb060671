"""Opening the cache file: creation, settings, migrations, and refusing unusable files."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
import storekit as f

from agentdesk.paths import cache_file
from agentdesk.store import Cache, CacheError, db
from agentdesk.store.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION


def test_new_file_is_private_wal_and_marked(cache_path: Path) -> None:
    with Cache.open(cache_path) as cache:
        conn = cache.conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 0
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        client_id = cache.client_id
        assert len(client_id) == 36 and client_id[14] == "7"  # a UUIDv7
    assert stat.S_IMODE(cache_path.stat().st_mode) == 0o600
    with Cache.open(cache_path) as again:
        assert again.client_id == client_id  # made once


def test_profile_file_lives_in_the_data_dir(agentdesk_home: Path) -> None:
    with Cache.for_profile("work") as cache:
        assert cache.path == cache_file("work")
        assert str(cache.path).startswith(str(agentdesk_home))


def _version_one_file(path: Path) -> None:
    """A cache as version 1 of the schema left it, with data in it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS[0](conn)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('client_id', 'old-client'), ('cursor', 'c9')"
    )
    conn.execute(
        "INSERT INTO tickets(id, subject, status, priority, channel, customer_id, tags, "
        "created_at, updated_at, version) VALUES (7, 'Old ticket', 'open', 'high', 'email', 1, "
        "'[\"vip\"]', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 3)"
    )
    conn.execute(
        "INSERT INTO outbox(name, args, created_at, state, entity, entity_id) VALUES "
        '(\'ticket.tags\', \'{"ticket_id": 7, "add": ["x"]}\', '
        "'2026-01-01T00:00:00.000000Z', 'pending', 'ticket', '7')"
    )
    conn.close()


def test_older_schema_is_migrated_in_place_keeping_data(cache_path: Path) -> None:
    _version_one_file(cache_path)
    with Cache.open(cache_path) as cache:
        assert cache.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert cache.client_id == "old-client"
        assert cache.cursor == "c9"
        assert cache.ticket(7)["subject"] == "Old ticket"
        assert [row.name for row in cache.outbox_rows()] == ["ticket.tags"]
        assert cache.search("tag:vip")[0].id == 7
        cache.save_draft(7, "reply", "drafts arrived in version 2")
        assert cache.draft(7, "reply") == "drafts arrived in version 2"


def _assert_refused(path: Path, *words: str) -> None:
    before = path.read_bytes()
    with pytest.raises(CacheError) as caught:
        Cache.open(path)
    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message
    for word in words:
        assert word in message
    assert path.read_bytes() == before  # never overwritten


def test_foreign_sqlite_file_is_refused_untouched(cache_path: Path) -> None:
    cache_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(cache_path)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO photos(name) VALUES ('holiday.jpg')")
    conn.commit()
    conn.close()
    _assert_refused(cache_path, "another program")


def test_file_that_is_not_a_database_is_refused_untouched(cache_path: Path) -> None:
    cache_path.parent.mkdir(parents=True)
    cache_path.write_bytes(b"these are my notes, not a database\n" * 200)
    _assert_refused(cache_path, "not a database")


@pytest.mark.parametrize("quick_check", [True, False], ids=["quick_check", "header only"])
def test_truncated_cache_is_refused_untouched(
    cache_path: Path, quick_check: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not quick_check:  # as for a cache too large to read whole on every start
        monkeypatch.setattr(db, "QUICK_CHECK_MAX_BYTES", 0)
    with Cache.open(cache_path) as cache:
        rows = [f.ticket(i, subject="x" * 300) for i in range(1, 400)]
        cache.apply_changes(f.upserts("ticket", rows), cursor="c1")
        cache.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = cache_path.read_bytes()
    assert len(data) > 64 * 1024
    cache_path.write_bytes(data[: len(data) // 2])
    _assert_refused(cache_path, "corrupt")


def test_corrupt_pages_are_refused_untouched(cache_path: Path) -> None:
    with Cache.open(cache_path) as cache:
        rows = [f.ticket(i, subject="y" * 300) for i in range(1, 400)]
        cache.apply_changes(f.upserts("ticket", rows), cursor="c1")
        cache.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(cache_path.read_bytes())
    page_size = 4096
    for page in range(2, len(data) // page_size, 3):  # scribble over many b-tree pages
        start = page * page_size
        data[start : start + 64] = b"\xa5" * 64
    cache_path.write_bytes(bytes(data))
    _assert_refused(cache_path, "corrupt")


def test_newer_schema_is_refused_untouched(cache_path: Path) -> None:
    Cache.open(cache_path).close()
    conn = sqlite3.connect(cache_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    _assert_refused(cache_path, "newer agentdesk")


def test_empty_file_is_initialised(cache_path: Path) -> None:
    cache_path.parent.mkdir(parents=True)
    cache_path.touch()
    with Cache.open(cache_path) as cache:
        assert cache.count() == 0
        assert cache.cursor is None


def test_connections_are_per_thread(cache: Cache) -> None:
    import threading

    seen: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: seen.append(cache.conn))
    thread.start()
    thread.join()
    assert seen and seen[0] is not cache.conn
