"""Determinism, refusing non-empty databases, appending, PostgreSQL, and logging in."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, insert, select, text

from agentdesk.domain.models import SYNCED_MODELS, Ticket
from agentdesk.server.app import create_app
from agentdesk.server.ratelimit import RateLimit
from agentdesk.server.seed import SeedError, seed_database

from .conftest import NOW, Seeded


def _dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every synced row, through SQLAlchemy (so SQLite and PostgreSQL compare equal)."""
    engine = create_engine(url)
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for model in SYNCED_MODELS.values():
            table = model.__table__  # type: ignore[attr-defined]
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(r) for r in rows]
    engine.dispose()
    return out


def test_same_seed_same_data_other_seed_other_data(tmp_path: Path) -> None:
    first = seed_database(f"sqlite:///{tmp_path / 'a.db'}", tickets=150, seed=3, now=NOW)
    second = seed_database(f"sqlite:///{tmp_path / 'b.db'}", tickets=150, seed=3, now=NOW)
    other = seed_database(f"sqlite:///{tmp_path / 'c.db'}", tickets=150, seed=4, now=NOW)
    a = _dump(f"sqlite:///{tmp_path / 'a.db'}")
    assert a == _dump(f"sqlite:///{tmp_path / 'b.db'}")
    assert first.accounts == second.accounts
    c = _dump(f"sqlite:///{tmp_path / 'c.db'}")
    assert a["tickets"] != c["tickets"]
    assert a["customers"] != c["customers"]
    assert [x.email for x in first.accounts] != [x.email for x in other.accounts]


def test_refuses_a_database_with_data(seeded: Seeded) -> None:
    before = sqlite3.connect(seeded.path).execute("SELECT count(*) FROM tickets").fetchone()
    with pytest.raises(SeedError, match=r"already holds data.*--append"):
        seed_database(seeded.url, tickets=10)
    after = sqlite3.connect(seeded.path).execute("SELECT count(*) FROM tickets").fetchone()
    assert before == after


def test_append_continues_ids_and_versions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'append.db'}"
    first = seed_database(url, tickets=60, agents=6, seed=1, now=NOW)
    second = seed_database(url, tickets=40, agents=3, seed=1, now=NOW, append=True)
    assert second.appended and not first.appended
    assert second.counts.get("groups", 0) == 0 and second.counts.get("canned_responses", 0) == 0
    db = sqlite3.connect(tmp_path / "append.db")
    assert db.execute("SELECT count(*), max(id) FROM tickets").fetchone() == (100, 100)
    assert db.execute("SELECT count(*) FROM agents").fetchone()[0] == 9
    assert db.execute("SELECT count(*) FROM groups").fetchone()[0] == 4
    assert second.last_version == first.last_version + second.rows
    assert db.execute("SELECT value FROM change_sequence").fetchone()[0] == second.last_version
    emails = [e for (e,) in db.execute("SELECT email FROM agents")]
    assert len(set(emails)) == len(emails)
    # Appended agents join the existing groups.
    assert {a.role for a in second.accounts} == {"admin", "lead"}
    assert all(a.groups for a in second.accounts)


def test_bad_arguments_are_seed_errors(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="--agents"):
        seed_database(f"sqlite:///{tmp_path / 'x.db'}", tickets=5, agents=0)
    with pytest.raises(SeedError, match=r"cannot open|not a database|unsupported"):
        seed_database("mysql://localhost/x", tickets=5)


def test_zero_tickets_seeds_the_team_only(tmp_path: Path) -> None:
    report = seed_database(f"sqlite:///{tmp_path / 'z.db'}", tickets=0, agents=2, now=NOW)
    assert report.counts["tickets"] == 0 and report.counts["agents"] == 2


async def test_seeded_accounts_log_in_and_pull_everything(seeded: Seeded) -> None:
    """Through the real app: every account logs in with the shared password, and an admin's
    full sync returns every seeded row exactly once."""
    app = create_app(seeded.url, rate_limit=RateLimit(rate=10_000, burst=10_000))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://seed.test") as client:
        tokens: dict[str, str] = {}
        for account in seeded.report.accounts[:6]:
            response = await client.post(
                "/v1/auth/token", json={"email": account.email, "password": "demo"}
            )
            assert response.status_code == 200, response.text
            assert response.json()["agent"]["role"] == account.role
            tokens[account.role] = response.json()["access_token"]
        wrong = await client.post(
            "/v1/auth/token",
            json={"email": seeded.report.accounts[0].email, "password": "not-demo"},
        )
        assert wrong.status_code == 401

        seen: set[tuple[str, str]] = set()
        cursor = ""
        while True:
            page = await client.get(
                "/v1/changes",
                params={"cursor": cursor, "limit": 2000},
                headers={"Authorization": f"Bearer {tokens['admin']}"},
            )
            assert page.status_code == 200, page.text
            body = page.json()
            for change in body["changes"]:
                key = (change["entity"], str(change["id"]))
                assert key not in seen
                seen.add(key)
            cursor = body["cursor"]
            if not body["has_more"]:
                break
    assert len(seen) == seeded.report.rows


def _pg_schema(conn: Any) -> tuple[set[str], set[str]]:
    indexes = {r[0] for r in conn.execute(text("SELECT indexname FROM pg_indexes"))}
    keys = {r[0] for r in conn.execute(text("SELECT conname FROM pg_constraint"))}
    return indexes, keys


@pytest.mark.postgres
def test_postgresql_gets_the_same_data_as_sqlite(postgres_url: str, tmp_path: Path) -> None:
    from agentdesk.server.db import open_database

    engine = open_database(postgres_url)
    with engine.connect() as conn:
        schema_before = _pg_schema(conn)
    engine.dispose()
    pg = seed_database(postgres_url, tickets=120, seed=5, now=NOW)
    lite = seed_database(f"sqlite:///{tmp_path / 'same.db'}", tickets=120, seed=5, now=NOW)
    assert pg.counts == lite.counts
    assert _dump(postgres_url) == _dump(f"sqlite:///{tmp_path / 'same.db'}")
    with pytest.raises(SeedError, match="already holds data"):
        seed_database(postgres_url, tickets=5)

    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        # The indexes and foreign keys dropped for the load are all back.
        assert _pg_schema(conn) == schema_before
        assert "ix_tickets_customer_id" in schema_before[0]
        # Sequences were moved past the explicit ids: a plain insert gets the next id.
        row = conn.execute(select(Ticket.__table__).where(Ticket.__table__.c.id == 1)).one()
        values = {k: v for k, v in row._mapping.items() if k != "id"}
        new_id = conn.execute(
            insert(Ticket.__table__).values(**values).returning(Ticket.__table__.c.id)
        ).scalar_one()
        assert new_id == 121
        head = conn.execute(text("SELECT value FROM change_sequence WHERE id = 1")).scalar_one()
        assert head == pg.last_version
    engine.dispose()


def test_same_data_whatever_the_hash_seed(tmp_path: Path) -> None:
    """Set and dict order must not leak into the data: two processes, two hash seeds."""
    script = (
        "import hashlib, sqlite3, sys\n"
        "from datetime import UTC, datetime\n"
        "from agentdesk.server.seed import seed_database\n"
        "seed_database(f'sqlite:///{sys.argv[1]}', tickets=120, seed=9,\n"
        "              now=datetime(2026, 11, 24, 10, tzinfo=UTC))\n"
        "db = sqlite3.connect(sys.argv[1])\n"
        "digest = hashlib.sha256()\n"
        "for (table,) in db.execute(\"SELECT name FROM sqlite_master WHERE type = 'table' \"\n"
        "                           \"AND name NOT IN ('agent_credentials', 'alembic_version') \"\n"
        "                           'ORDER BY name'):\n"
        "    for row in db.execute(f'SELECT * FROM \"{table}\" ORDER BY 1'):\n"
        "        digest.update(repr(row).encode())\n"
        "print(digest.hexdigest())\n"
    )
    digests = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / f"h{hash_seed}.db")],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        digests.append(done.stdout.strip())
    assert digests[0] == digests[1]
